"""a draft vote's edit counter (T11); the invalidation that struck out a signature (T33)

Revision ID: 0011_committee_edit_guards
Revises: 0010_contribution_case_index
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_committee_edit_guards"
down_revision = "0010_contribution_case_index"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("referendum", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("edit_version", sa.Integer(), server_default="1", nullable=False)
        )
    with op.batch_alter_table("signature", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invalidation_seq", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_signature_invalidation_seq_audit_entry",
            "audit_entry",
            ["invalidation_seq"],
            ["seq"],
        )
        batch_op.create_index("ix_signature_invalidation_seq", ["invalidation_seq"], unique=False)


def downgrade():
    with op.batch_alter_table("signature", schema=None) as batch_op:
        batch_op.drop_index("ix_signature_invalidation_seq")
        batch_op.drop_constraint("fk_signature_invalidation_seq_audit_entry", type_="foreignkey")
        batch_op.drop_column("invalidation_seq")
    with op.batch_alter_table("referendum", schema=None) as batch_op:
        batch_op.drop_column("edit_version")
