"""Signature data of one proposal: counts by local group and by day, and the public names.

Counts come from the signature tally (sums, never row by row); names are listed only for
valid signatures whose signers chose to show their name.
"""

import csv
import io

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from deliberate.core.bundle.csv_cells import escape_cell
from deliberate.models import LocalGroup, Member, Proposal, Signature, SignatureTally

NO_GROUP = "(no local group)"


def data(session: Session, proposal: Proposal) -> dict:
    """Counts by group, by day, the total and the public names of one proposal."""
    names = {g.id: g.name for g in session.scalars(select(LocalGroup))}
    by_group: dict[str, int] = {}
    for key, n in session.execute(
        select(SignatureTally.group_key, func.sum(SignatureTally.count))
        .where(SignatureTally.proposal_id == proposal.id)
        .group_by(SignatureTally.group_key)
    ):
        group = names.get(key, NO_GROUP) if key else NO_GROUP
        by_group[group] = by_group.get(group, 0) + int(n or 0)
    by_day = [
        {"day": day.isoformat(), "count": int(n or 0)}
        for day, n in session.execute(
            select(SignatureTally.day, func.sum(SignatureTally.count))
            .where(SignatureTally.proposal_id == proposal.id)
            .group_by(SignatureTally.day)
            .order_by(SignatureTally.day)
        )
    ]
    public_names = list(
        session.scalars(
            select(Member.display_name)
            .join(Signature, Signature.member_id == Member.id)
            .where(
                Signature.proposal_id == proposal.id,
                Signature.is_name_public.is_(True),
                Signature.withdrawn_at.is_(None),
                Signature.invalidated_at.is_(None),
                Signature.quarantined_at.is_(None),
            )
            .order_by(Signature.signed_at, Signature.id)
        )
    )
    return {
        "id": proposal.public_id,
        "state": proposal.state.value,
        "total": sum(by_group.values()),
        "by_group": [{"group": g, "count": n} for g, n in sorted(by_group.items())],
        "by_day": by_day,
        "public_names": public_names,
    }


def as_csv(summary: dict) -> str:
    """The same data as one CSV of sections: section,key,value; every cell formula-escaped."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["section", "key", "value"])
    rows = [("total", "", summary["total"])]
    rows += [("group", row["group"], row["count"]) for row in summary["by_group"]]
    rows += [("day", row["day"], row["count"]) for row in summary["by_day"]]
    rows += [("public_name", name, "") for name in summary["public_names"]]
    for row in rows:
        writer.writerow([escape_cell(str(cell)) for cell in row])
    return out.getvalue()
