"""write fewer index entries per signature: drop a duplicate, index only held and struck rows

Every signature wrote eleven index entries. ``ix_signature_proposal_id`` repeats the
first column of the (proposal_id, member_id) unique index, which serves the same
lookups. The held signatures and those one invalidation struck out are a few rows in a
million, so their indexes now hold only those rows: a signature that is neither (all
of them, when it is written) adds nothing to either.

Revision ID: 0017_signature_lean_indexes
Revises: 0016_amendment_kind
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_signature_lean_indexes"
down_revision = "0016_amendment_kind"
branch_labels = None
depends_on = None

PARTIAL = {
    "ix_signature_quarantined_at": "quarantined_at",
    "ix_signature_invalidation_seq": "invalidation_seq",
}


def upgrade():
    op.drop_index("ix_signature_proposal_id", table_name="signature")
    for name, column in PARTIAL.items():
        op.drop_index(name, table_name="signature")
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(name, "signature", [column], postgresql_where=where, sqlite_where=where)


def downgrade():
    for name, column in PARTIAL.items():
        op.drop_index(name, table_name="signature")
        op.create_index(name, "signature", [column])
    op.create_index("ix_signature_proposal_id", "signature", ["proposal_id"])
