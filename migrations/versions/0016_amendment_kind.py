"""proposal.amendment_kind, referendum.amendment_kind: the one kind an amendment changes

A rule-change amendment was stored, and enacted, as the whole rulebook in force when it
was drafted, so enacting it undid any rulebook version saved in between. The kind it
changes is now kept with it, and only that kind is enacted. Amendments recorded before
this migration have no kind and are enacted whole, as they were.

Revision ID: 0016_amendment_kind
Revises: 0015_proposal_transition_cause_message
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_amendment_kind"
down_revision = "0015_proposal_transition_cause_message"
branch_labels = None
depends_on = None


def upgrade():
    for table in ("proposal", "referendum"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("amendment_kind", sa.String(length=64), nullable=True))


def downgrade():
    for table in ("referendum", "proposal"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("amendment_kind")
