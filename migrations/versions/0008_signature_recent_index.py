"""index signatures by proposal and time, for the latest-signers list

Revision ID: 0008_signature_recent_index
Revises: 0007_proposal_amendment
"""

from alembic import op

revision = "0008_signature_recent_index"
down_revision = "0007_proposal_amendment"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("signature", schema=None) as batch_op:
        batch_op.create_index(
            "ix_signature_proposal_id_signed_at", ["proposal_id", "signed_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("signature", schema=None) as batch_op:
        batch_op.drop_index("ix_signature_proposal_id_signed_at")
