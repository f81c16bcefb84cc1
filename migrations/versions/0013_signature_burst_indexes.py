"""index signatures by proposal, address (or email domain) and time, for the burst check

The check before each signature counts, up to its limit, the proposal's signatures of
the last hour from the signer's address. With only (proposal_id, signed_at) to go on,
it read every signature of the last hour, so it slowed with the surge it guards.

Revision ID: 0013_signature_burst_indexes
Revises: 0012_text_length_checks
"""

from alembic import op

revision = "0013_signature_burst_indexes"
down_revision = "0012_text_length_checks"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_signature_proposal_ip_recent": ["proposal_id", "ip_address", "signed_at"],
    "ix_signature_proposal_domain_recent": ["proposal_id", "email_domain", "signed_at"],
}


def upgrade():
    with op.batch_alter_table("signature", schema=None) as batch_op:
        for name, columns in INDEXES.items():
            batch_op.create_index(name, columns, unique=False)


def downgrade():
    with op.batch_alter_table("signature", schema=None) as batch_op:
        for name in reversed(INDEXES):
            batch_op.drop_index(name)
