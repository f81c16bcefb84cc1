"""hold signatures from a burst for a committee check instead of counting them (T32)

Revision ID: 0009_signature_quarantine
Revises: 0008_signature_recent_index
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_signature_quarantine"
down_revision = "0008_signature_recent_index"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("signature", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quarantined_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column(
                "quarantine_reason",
                sa.Enum(
                    "IP_BURST",
                    "EMAIL_DOMAIN_BURST",
                    name="holdreason",
                    native_enum=False,
                    length=24,
                ),
                nullable=True,
            )
        )
        batch_op.create_index("ix_signature_quarantined_at", ["quarantined_at"], unique=False)


def downgrade():
    with op.batch_alter_table("signature", schema=None) as batch_op:
        batch_op.drop_index("ix_signature_quarantined_at")
        batch_op.drop_column("quarantine_reason")
        batch_op.drop_column("quarantined_at")
