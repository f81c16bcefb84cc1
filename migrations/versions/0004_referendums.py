"""referendums, options, eligibility, participation, ballots, checkpoints, group tallies

Only the voting tables. ballot and participation are WITHOUT ROWID on SQLite, so their
storage order follows the primary key (random for ballots), never the order of casting.

Revision ID: 0004_referendums
Revises: 0003_proposals
Create Date: 2026-12-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_referendums'
down_revision = '0003_proposals'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('referendum',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.Enum('REFERENDUM', 'ELECTION', 'POLL', name='referendumkind', native_enum=False, length=12), nullable=False),
    sa.Column('method', sa.Enum('YES_NO', 'SINGLE', 'APPROVAL', 'IRV', 'STV', 'SCHULZE', 'DOUBLE_YES', name='votemethod', native_enum=False, length=12), nullable=False),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('question', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('counter_text', sa.Text(), nullable=True),
    sa.Column('proposal_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.Enum('DRAFT', 'OPEN', 'CLOSED', name='referendumstate', native_enum=False, length=8), nullable=False),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('eligibility_json', sa.Text(), nullable=False),
    sa.Column('vote_rules_json', sa.Text(), nullable=True),
    sa.Column('amendment_json', sa.Text(), nullable=True),
    sa.Column('definition_json', sa.Text(), nullable=True),
    sa.Column('definition_digest', sa.String(length=64), nullable=True),
    sa.Column('electorate_size', sa.Integer(), nullable=True),
    sa.Column('electorate_hash', sa.String(length=64), nullable=True),
    sa.Column('result_json', sa.Text(), nullable=True),
    sa.Column('verdict', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('closes_at > opens_at', name=op.f('ck_referendum_closes_after_opening')),
    sa.CheckConstraint('length(question) <= 300', name=op.f('ck_referendum_question_length')),
    sa.CheckConstraint('seats >= 1', name=op.f('ck_referendum_seats_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['member.id'], name=op.f('fk_referendum_created_by_id_member')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_referendum_proposal_id_proposal')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referendum')),
    sa.UniqueConstraint('public_id', name=op.f('uq_referendum_public_id'))
    )
    with op.batch_alter_table('referendum', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referendum_proposal_id'), ['proposal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referendum_state'), ['state'], unique=False)

    op.create_table('ballot',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('referendum_id', sa.Integer(), nullable=False),
    sa.Column('tracker', sa.String(length=64), nullable=False),
    sa.Column('choice', sa.Text(), nullable=False),
    sa.Column('checkpoint_seq', sa.Integer(), nullable=True),
    sa.CheckConstraint('length(tracker) = 64', name=op.f('ck_ballot_tracker_length')),
    sa.ForeignKeyConstraint(['referendum_id'], ['referendum.id'], name=op.f('fk_ballot_referendum_id_referendum')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot')),
    sa.UniqueConstraint('tracker', name=op.f('uq_ballot_tracker')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballot_referendum_id'), ['referendum_id'], unique=False)

    op.create_table('ballot_checkpoint',
    sa.Column('referendum_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('prev_digest', sa.String(length=64), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('ballots_digest', sa.String(length=64), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['referendum_id'], ['referendum.id'], name=op.f('fk_ballot_checkpoint_referendum_id_referendum'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('referendum_id', 'seq', name=op.f('pk_ballot_checkpoint'))
    )
    op.create_table('ballot_group_tally',
    sa.Column('referendum_id', sa.Integer(), nullable=False),
    sa.Column('local_group_id', sa.Integer(), nullable=False),
    sa.Column('choice', sa.String(length=64), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.CheckConstraint('count >= 0', name=op.f('ck_ballot_group_tally_count_positive')),
    sa.ForeignKeyConstraint(['local_group_id'], ['local_group.id'], name=op.f('fk_ballot_group_tally_local_group_id_local_group')),
    sa.ForeignKeyConstraint(['referendum_id'], ['referendum.id'], name=op.f('fk_ballot_group_tally_referendum_id_referendum'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('referendum_id', 'local_group_id', 'choice', name=op.f('pk_ballot_group_tally'))
    )
    op.create_table('eligibility',
    sa.Column('referendum_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('local_group_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['local_group_id'], ['local_group.id'], name=op.f('fk_eligibility_local_group_id_local_group')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_eligibility_member_id_member')),
    sa.ForeignKeyConstraint(['referendum_id'], ['referendum.id'], name=op.f('fk_eligibility_referendum_id_referendum'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('referendum_id', 'member_id', name=op.f('pk_eligibility'))
    )
    op.create_table('referendum_option',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referendum_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint('length(label) <= 200', name=op.f('ck_referendum_option_label_length')),
    sa.ForeignKeyConstraint(['referendum_id'], ['referendum.id'], name=op.f('fk_referendum_option_referendum_id_referendum'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referendum_option')),
    sa.UniqueConstraint('referendum_id', 'position', name=op.f('uq_referendum_option_referendum_id_position')),
    sa.UniqueConstraint('referendum_id', 'slug', name=op.f('uq_referendum_option_referendum_id_slug'))
    )
    with op.batch_alter_table('referendum_option', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referendum_option_referendum_id'), ['referendum_id'], unique=False)

    op.create_table('participation',
    sa.Column('referendum_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['referendum_id', 'member_id'], ['eligibility.referendum_id', 'eligibility.member_id'], name='fk_participation_eligibility'),
    sa.PrimaryKeyConstraint('referendum_id', 'member_id', name=op.f('pk_participation')),
    sqlite_with_rowid=False
    )


def downgrade():
    op.drop_table('participation')
    with op.batch_alter_table('referendum_option', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referendum_option_referendum_id'))

    op.drop_table('referendum_option')
    op.drop_table('eligibility')
    op.drop_table('ballot_group_tally')
    op.drop_table('ballot_checkpoint')
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballot_referendum_id'))

    op.drop_table('ballot')
    with op.batch_alter_table('referendum', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referendum_state'))
        batch_op.drop_index(batch_op.f('ix_referendum_proposal_id'))

    op.drop_table('referendum')
