"""proposal_transition.cause_message_json: a cause with values, translatable where shown

A cause such as "Tier 2 reached: it goes to a members' vote" was stored only as English,
so the timeline could not show it in a member's language. Its msgid and values are now
kept beside it. Rows recorded before this migration keep their English.

Revision ID: 0015_transition_cause_message
Revises: 0014_threshold_crossing_reversed
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_transition_cause_message"
down_revision = "0014_threshold_crossing_reversed"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("proposal_transition", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cause_message_json", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("proposal_transition", schema=None) as batch_op:
        batch_op.drop_column("cause_message_json")
