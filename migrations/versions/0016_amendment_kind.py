"""proposal.amendment_kind, referendum.amendment_kind: the one kind an amendment changes

A rule-change amendment was stored, and enacted, as the whole rulebook in force when it
was drafted, so enacting it undid any rulebook version saved in between. The kind it
changes is now kept with it, and only that kind is enacted. For amendments already
recorded, the kind is found by comparing the amendment with the rulebook version its
proposal was registered under; where exactly one kind differs, that is it. Where it is
not clear, the kind stays empty and the amendment is enacted whole, as before.

Revision ID: 0016_amendment_kind
Revises: 0015_transition_cause_message
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0016_amendment_kind"
down_revision = "0015_transition_cause_message"
branch_labels = None
depends_on = None


def upgrade():
    for table in ("proposal", "referendum"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("amendment_kind", sa.String(length=64), nullable=True))
    connection = op.get_bind()
    pending = connection.execute(
        sa.text(
            "SELECT p.id, p.amendment_json, v.content_json FROM proposal p "
            "JOIN rulebook_version v ON v.id = p.rulebook_version_id "
            "WHERE p.amendment_json IS NOT NULL"
        )
    ).all()
    for proposal_id, amendment, registered in pending:
        kind = _only_changed_kind(json.loads(amendment), json.loads(registered))
        if kind is None:
            continue
        for statement in (
            "UPDATE proposal SET amendment_kind = :kind WHERE id = :id",
            "UPDATE referendum SET amendment_kind = :kind "
            "WHERE proposal_id = :id AND amendment_json IS NOT NULL",
        ):
            connection.execute(sa.text(statement), {"kind": kind, "id": proposal_id})


def _only_changed_kind(amendment: dict, registered: dict) -> str | None:
    """The one kind whose rules differ between the two rulebooks, or None."""
    proposed, before = amendment.get("rulesets", {}), registered.get("rulesets", {})
    changed = [kind for kind in proposed if proposed[kind] != before.get(kind)]
    return changed[0] if len(changed) == 1 and set(proposed) == set(before) else None


def downgrade():
    for table in ("referendum", "proposal"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("amendment_kind")
