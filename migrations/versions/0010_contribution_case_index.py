"""index contributions by stance and endorsements, for the case for and against

Revision ID: 0010_contribution_case_index
Revises: 0009_signature_quarantine
"""

from alembic import op

revision = "0010_contribution_case_index"
down_revision = "0009_signature_quarantine"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("contribution", schema=None) as batch_op:
        batch_op.create_index(
            "ix_contribution_case",
            ["discussion_id", "stance", "is_hidden", "endorsement_count"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("contribution", schema=None) as batch_op:
        batch_op.drop_index("ix_contribution_case")
