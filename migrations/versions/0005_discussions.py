"""discussions: contributions, revisions, endorsements, flags, moderation, appeals,
amendments and counter-proposals

Revision ID: 0005_discussions
Revises: 0004_referendums
Create Date: 2026-12-01 19:00:00

Only this module's tables. discussion.referendum_public_id has no foreign key on purpose:
the referendum table was built in parallel (see models/discussion.py).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_discussions'
down_revision = '0004_referendums'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('amendment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=16), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('base_version', sa.Integer(), nullable=False),
    sa.Column('base_title', sa.String(length=200), nullable=False),
    sa.Column('base_summary', sa.String(length=1000), nullable=False),
    sa.Column('base_body', sa.Text(), nullable=False),
    sa.Column('proposed_title', sa.String(length=200), nullable=False),
    sa.Column('proposed_summary', sa.String(length=1000), nullable=False),
    sa.Column('proposed_body', sa.Text(), nullable=False),
    sa.Column('reason', sa.String(length=2000), nullable=False),
    sa.Column('state', sa.Enum('OPEN', 'ACCEPTED', 'DECLINED', name='amendmentstate', native_enum=False, length=10), nullable=False),
    sa.Column('decision_reason', sa.String(length=1000), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resulting_version', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(proposed_summary) <= 1000', name=op.f('ck_amendment_summary_length')),
    sa.CheckConstraint('length(proposed_title) <= 200', name=op.f('ck_amendment_title_length')),
    sa.ForeignKeyConstraint(['author_id'], ['member.id'], name=op.f('fk_amendment_author_id_member')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['member.id'], name=op.f('fk_amendment_decided_by_id_member')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_amendment_proposal_id_proposal')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_amendment')),
    sa.UniqueConstraint('public_id', name=op.f('uq_amendment_public_id'))
    )

    with op.batch_alter_table('amendment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_amendment_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('counter_proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=16), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('length(title) <= 200', name=op.f('ck_counter_proposal_title_length')),
    sa.ForeignKeyConstraint(['author_id'], ['member.id'], name=op.f('fk_counter_proposal_author_id_member')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_counter_proposal_proposal_id_proposal')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counter_proposal')),
    sa.UniqueConstraint('proposal_id', name=op.f('uq_counter_proposal_proposal_id')),
    sa.UniqueConstraint('public_id', name=op.f('uq_counter_proposal_public_id'))
    )

    op.create_table('discussion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=True),
    sa.Column('referendum_public_id', sa.String(length=16), nullable=True),
    sa.Column('contribution_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(proposal_id IS NULL) <> (referendum_public_id IS NULL)', name=op.f('ck_discussion_one_subject')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_discussion_proposal_id_proposal')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discussion')),
    sa.UniqueConstraint('proposal_id', name=op.f('uq_discussion_proposal_id')),
    sa.UniqueConstraint('referendum_public_id', name=op.f('uq_discussion_referendum_public_id'))
    )

    op.create_table('contribution',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=16), nullable=False),
    sa.Column('discussion_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('root_id', sa.Integer(), nullable=True),
    sa.Column('depth', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('stance', sa.Enum('FOR', 'AGAINST', 'QUESTION', 'NONE', name='stance', native_enum=False, length=10), nullable=False),
    sa.Column('body_markdown', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('endorsement_count', sa.Integer(), nullable=False),
    sa.Column('revision_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('is_hidden', sa.Boolean(), nullable=False),
    sa.Column('hidden_reason', sa.String(length=500), nullable=True),
    sa.Column('hidden_rule', sa.String(length=8), nullable=True),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('depth >= 0', name=op.f('ck_contribution_depth_positive')),
    sa.CheckConstraint('endorsement_count >= 0', name=op.f('ck_contribution_endorsement_count_positive')),
    sa.CheckConstraint('length(body_markdown) <= 20000', name=op.f('ck_contribution_body_length')),
    sa.ForeignKeyConstraint(['author_id'], ['member.id'], name=op.f('fk_contribution_author_id_member')),
    sa.ForeignKeyConstraint(['discussion_id'], ['discussion.id'], name=op.f('fk_contribution_discussion_id_discussion')),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['member.id'], name=op.f('fk_contribution_hidden_by_id_member')),
    sa.ForeignKeyConstraint(['parent_id'], ['contribution.id'], name=op.f('fk_contribution_parent_id_contribution')),
    sa.ForeignKeyConstraint(['root_id'], ['contribution.id'], name=op.f('fk_contribution_root_id_contribution')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contribution')),
    sa.UniqueConstraint('public_id', name=op.f('uq_contribution_public_id'))
    )

    with op.batch_alter_table('contribution', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contribution_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contribution_discussion_id'), ['discussion_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contribution_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contribution_root_id'), ['root_id'], unique=False)

    op.create_table('appeal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=16), nullable=False),
    sa.Column('contribution_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('statement', sa.String(length=2000), nullable=False),
    sa.Column('hidden_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decision', sa.Enum('UPHELD', 'REJECTED', name='appealdecision', native_enum=False, length=10), nullable=True),
    sa.Column('decision_reason', sa.String(length=500), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('decided_by_id IS NULL OR decided_by_id <> hidden_by_id', name=op.f('ck_appeal_other_moderator')),
    sa.CheckConstraint('length(statement) <= 2000', name=op.f('ck_appeal_statement_length')),
    sa.ForeignKeyConstraint(['author_id'], ['member.id'], name=op.f('fk_appeal_author_id_member')),
    sa.ForeignKeyConstraint(['contribution_id'], ['contribution.id'], name=op.f('fk_appeal_contribution_id_contribution')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['member.id'], name=op.f('fk_appeal_decided_by_id_member')),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['member.id'], name=op.f('fk_appeal_hidden_by_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeal')),
    sa.UniqueConstraint('contribution_id', name=op.f('uq_appeal_contribution_id')),
    sa.UniqueConstraint('public_id', name=op.f('uq_appeal_public_id'))
    )

    op.create_table('contribution_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contribution_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('stance', sa.Enum('FOR', 'AGAINST', 'QUESTION', 'NONE', name='stance', native_enum=False, length=10), nullable=False),
    sa.Column('body_markdown', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contribution_id'], ['contribution.id'], name=op.f('fk_contribution_revision_contribution_id_contribution')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contribution_revision')),
    sa.UniqueConstraint('contribution_id', 'number', name=op.f('uq_contribution_revision_contribution_id_number'))
    )

    with op.batch_alter_table('contribution_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contribution_revision_contribution_id'), ['contribution_id'], unique=False)

    op.create_table('endorsement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contribution_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contribution_id'], ['contribution.id'], name=op.f('fk_endorsement_contribution_id_contribution')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_endorsement_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_endorsement')),
    sa.UniqueConstraint('contribution_id', 'member_id', name=op.f('uq_endorsement_contribution_id_member_id'))
    )

    with op.batch_alter_table('endorsement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_endorsement_contribution_id'), ['contribution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_endorsement_member_id'), ['member_id'], unique=False)

    op.create_table('flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contribution_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('length(reason) <= 500', name=op.f('ck_flag_reason_length')),
    sa.ForeignKeyConstraint(['contribution_id'], ['contribution.id'], name=op.f('fk_flag_contribution_id_contribution')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_flag_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flag')),
    sa.UniqueConstraint('contribution_id', 'member_id', name=op.f('uq_flag_contribution_id_member_id'))
    )

    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flag_contribution_id'), ['contribution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_flag_member_id'), ['member_id'], unique=False)

    op.create_table('moderation_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contribution_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('HIDE', 'UNHIDE', 'DISMISS_FLAGS', 'APPEAL_UPHELD', 'APPEAL_REJECTED', name='moderationkind', native_enum=False, length=20), nullable=False),
    sa.Column('moderator_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('rule', sa.String(length=8), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contribution_id'], ['contribution.id'], name=op.f('fk_moderation_action_contribution_id_contribution')),
    sa.ForeignKeyConstraint(['moderator_id'], ['member.id'], name=op.f('fk_moderation_action_moderator_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_action'))
    )

    with op.batch_alter_table('moderation_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_moderation_action_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_moderation_action_contribution_id'), ['contribution_id'], unique=False)


def downgrade():
    with op.batch_alter_table('moderation_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_moderation_action_contribution_id'))
        batch_op.drop_index(batch_op.f('ix_moderation_action_at'))

    op.drop_table('moderation_action')

    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flag_member_id'))
        batch_op.drop_index(batch_op.f('ix_flag_contribution_id'))

    op.drop_table('flag')

    with op.batch_alter_table('endorsement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_endorsement_member_id'))
        batch_op.drop_index(batch_op.f('ix_endorsement_contribution_id'))

    op.drop_table('endorsement')

    with op.batch_alter_table('contribution_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contribution_revision_contribution_id'))

    op.drop_table('contribution_revision')

    op.drop_table('appeal')

    with op.batch_alter_table('contribution', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contribution_root_id'))
        batch_op.drop_index(batch_op.f('ix_contribution_parent_id'))
        batch_op.drop_index(batch_op.f('ix_contribution_discussion_id'))
        batch_op.drop_index(batch_op.f('ix_contribution_author_id'))

    op.drop_table('contribution')

    op.drop_table('discussion')

    op.drop_table('counter_proposal')

    with op.batch_alter_table('amendment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_amendment_proposal_id'))

    op.drop_table('amendment')
