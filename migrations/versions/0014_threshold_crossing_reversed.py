"""threshold_crossing.reversed_at: a tier reached with signatures later invalidated

When an invalidation leaves a crossed tier unmet before the vote, the crossing is marked
reversed and the proposal judged again (back to collecting, or lapsed). A reversed
crossing is claimed again if the tier is met again, so its consequence still fires once
per time the tier is truly reached.

Revision ID: 0014_threshold_crossing_reversed
Revises: 0013_signature_burst_indexes
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_threshold_crossing_reversed"
down_revision = "0013_signature_burst_indexes"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("threshold_crossing", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reversed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("threshold_crossing", schema=None) as batch_op:
        batch_op.drop_column("reversed_at")
