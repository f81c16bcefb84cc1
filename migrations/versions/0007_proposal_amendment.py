"""a rule-change proposal's structured amendment

Revision ID: 0007_proposal_amendment
Revises: 0006_accounts_security
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_proposal_amendment"
down_revision = "0006_accounts_security"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.add_column(sa.Column("amendment_json", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.drop_column("amendment_json")
