"""A proposal's progress toward each tier: counts, deadlines, by day and by local group.

Progress is computed from the stored count and the per-group, per-day tally, so a page
for a proposal with 100,000 signatures reads a few dozen rows, never the signatures.
"""

import json
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from deliberate.core import charts
from deliberate.core.messages import N_
from deliberate.core.rules import describe_distribution, describe_tier, signatures_per_day_needed
from deliberate.core.rules._format import counted
from deliberate.core.rules.threshold import group_minimum
from deliberate.models import Proposal, SignatureTally, ThresholdCrossing
from deliberate.services import proposals, thresholds

CHART_WIDTH, CHART_HEIGHT, BAR_WIDTH = 600, 160, 300


@dataclass(frozen=True)
class TierProgress:
    number: int
    text: str
    required: int
    count: int
    still_needed: int
    percent: int
    is_met: bool
    per_day: int | None
    crossed_at: datetime | None
    groups_met: int | None
    groups_needed: int | None
    # Reached, then undone by invalidated signatures before the vote (threshold_reversal).
    reversed_at: datetime | None = None
    # Still recorded as reached, but the valid signatures no longer meet it: the vote stands.
    is_no_longer_met: bool = False


@dataclass(frozen=True)
class GroupRow:
    name: str
    signatures: int
    members: int
    needed: int | None
    is_met: bool | None
    length: int


@dataclass(frozen=True)
class DayPoint:
    day: date
    added: int
    total: int


@dataclass(frozen=True)
class Progress:
    total: int
    tiers: list[TierProgress]
    closes_at: datetime | None
    time_left: str | None
    days: list[DayPoint]
    line: str
    groups: list[GroupRow]
    distribution: str | None


def time_left(now: datetime, closes: datetime | None) -> str | None:
    """'12 days, 4 hours left', 'closed', or None when there is no deadline."""
    if closes is None:
        return None
    left = closes - now
    if left <= timedelta(0):
        return "closed"
    days, hours, minutes = left.days, left.seconds // 3600, left.seconds % 3600 // 60
    hours_text = counted(hours, N_("1 hour"), N_("%(n)s hours"))
    if days:
        return N_(
            "%(days)s, %(hours)s left",
            days=counted(days, N_("1 day"), N_("%(n)s days")),
            hours=hours_text,
        )
    return N_(
        "%(hours)s, %(minutes)s left",
        hours=hours_text,
        minutes=counted(minutes, N_("1 minute"), N_("%(n)s minutes")),
    )


def _days(session: Session, proposal: Proposal, now: datetime) -> list[DayPoint]:
    added = {
        day: int(total or 0)
        for day, total in session.execute(
            select(SignatureTally.day, func.sum(SignatureTally.count))
            .where(SignatureTally.proposal_id == proposal.id)
            .group_by(SignatureTally.day)
        )
    }
    start = proposal.signatures_open_at.date()
    end = min(now, proposal.closed_at or now, proposal.collection_closes_at or now).date()
    end = max(end, max(added, default=start))
    points, total, day = [], 0, start
    while day <= end and len(points) < 1000:
        total += int(added.get(day, 0) or 0)
        points.append(DayPoint(day, int(added.get(day, 0) or 0), total))
        day += timedelta(days=1)
    return points


def _per_day(still_needed: int, now: datetime, closes: datetime | None) -> int | None:
    if closes is None or still_needed == 0 or now >= closes:
        return None
    return math.ceil(signatures_per_day_needed(still_needed, now, closes))


def progress(session: Session, proposal: Proposal, now: datetime) -> Progress | None:
    """Where the proposal stands against each tier, by day and by group; None before opening."""
    current = thresholds.status(session, proposal)
    if current is None or proposal.signatures_open_at is None:
        return None
    ruleset = proposals.frozen_ruleset(proposal)
    crossed, undone = {}, {}
    for index, at, reversed_at in session.execute(
        select(
            ThresholdCrossing.tier_index,
            ThresholdCrossing.crossed_at,
            ThresholdCrossing.reversed_at,
        ).where(ThresholdCrossing.proposal_id == proposal.id)
    ):
        if reversed_at is None:
            crossed[index] = at
        else:
            undone[index] = reversed_at
    tiers = []
    for index, (tier, status) in enumerate(zip(ruleset.tiers, current.tiers, strict=True)):
        spread = status.distribution
        tiers.append(
            TierProgress(
                number=status.number,
                text=describe_tier(tier),
                required=status.required,
                count=current.total,
                still_needed=status.still_needed,
                percent=charts.percent(current.total, status.required),
                is_met=status.is_met or index in crossed,
                per_day=_per_day(status.still_needed, now, proposal.collection_closes_at),
                crossed_at=crossed.get(index),
                groups_met=spread.groups_met if spread else None,
                groups_needed=spread.groups_needed if spread else None,
                reversed_at=undone.get(index),
                is_no_longer_met=index in crossed and not status.is_met,
            )
        )
    days = _days(session, proposal, now)
    return Progress(
        total=current.total,
        tiers=tiers,
        closes_at=proposal.collection_closes_at,
        time_left=time_left(now, proposal.collection_closes_at),
        days=days,
        line=charts.line_points([p.total for p in days], CHART_WIDTH, CHART_HEIGHT),
        groups=_groups(session, proposal, ruleset),
        distribution=_distribution_text(ruleset),
    )


def _spread(ruleset):
    return next((t.distribution for t in ruleset.tiers if t.distribution is not None), None)


def _distribution_text(ruleset) -> str | None:
    spread = _spread(ruleset)
    return describe_distribution(spread) if spread else None


def _groups(session: Session, proposal: Proposal, ruleset) -> list[GroupRow]:
    members = json.loads(proposal.electorate_json or "{}")
    signed = thresholds.by_group(session, proposal.id)
    spread = _spread(ruleset)
    names = sorted(set(members) | set(signed))
    lengths = charts.bars([(n, signed.get(n, 0)) for n in names], BAR_WIDTH)
    rows = []
    for name, bar in zip(names, lengths, strict=True):
        needed = group_minimum(spread, members.get(name, 0)) if spread else None
        rows.append(
            GroupRow(
                name=name,
                signatures=bar.value,
                members=members.get(name, 0),
                needed=needed,
                is_met=None if needed is None else bar.value >= needed,
                length=bar.length,
            )
        )
    return rows
