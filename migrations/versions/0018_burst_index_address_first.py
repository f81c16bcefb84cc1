"""the burst indexes lead with the address or domain; the single-column ones go

The burst check counts one address's (or domain's) recent signatures on one proposal.
With the proposal first in both of its indexes, PostgreSQL, on a table it had no
statistics for yet (a new deployment, or a surge before autoanalyze), read the
domain's index for the address's check and filtered every signature of the hour: 54
pages a signature instead of 3. With the address first, the domain's index cannot
serve the address's check; and the same index serves striking out every
signature from one address on all proposals, so ``ix_signature_ip_address`` and
``ix_signature_email_domain`` repeat it. A signature writes two index entries fewer.

Revision ID: 0018_burst_index_address_first
Revises: 0017_signature_lean_indexes
"""

from alembic import op

revision = "0018_burst_index_address_first"
down_revision = "0017_signature_lean_indexes"
branch_labels = None
depends_on = None


# Each layout's indexes, by name: the one migration 0013 made and 0018's.
PROPOSAL_FIRST = {
    "ix_signature_proposal_ip_recent": ["proposal_id", "ip_address", "signed_at"],
    "ix_signature_proposal_domain_recent": ["proposal_id", "email_domain", "signed_at"],
    "ix_signature_ip_address": ["ip_address"],
    "ix_signature_email_domain": ["email_domain"],
}
ADDRESS_FIRST = {
    "ix_signature_ip_proposal_recent": ["ip_address", "proposal_id", "signed_at"],
    "ix_signature_domain_proposal_recent": ["email_domain", "proposal_id", "signed_at"],
}


def _replace(old: dict, new: dict) -> None:
    # The new ones first: the burst check and striking out always have an index.
    for name, columns in new.items():
        op.create_index(name, "signature", columns)
    for name in old:
        op.drop_index(name, table_name="signature")


def upgrade():
    _replace(PROPOSAL_FIRST, ADDRESS_FIRST)


def downgrade():
    _replace(ADDRESS_FIRST, PROPOSAL_FIRST)
