"""Reading proposals: the browse list, progress toward each tier, timeline, member pages.

Progress is computed from the stored count and the per-group, per-day tally, so a page
for a proposal with 100,000 signatures reads a few dozen rows, never the signatures.
"""

import json
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Row, case, func, select
from sqlalchemy.orm import Session

from deliberate.core import charts, messages
from deliberate.core.errors import ValidationError
from deliberate.core.lifecycle import STATE_TEXT, State
from deliberate.core.messages import N_, Message
from deliberate.core.rules import (
    RuleText,
    describe_distribution,
    describe_ruleset,
    describe_tier,
    signatures_per_day_needed,
)
from deliberate.core.rules._format import counted
from deliberate.core.rules.threshold import group_minimum
from deliberate.models import (
    CoSponsor,
    Member,
    Proposal,
    ProposalState,
    ProposalTextVersion,
    ProposalTransition,
    RulebookVersion,
    Signature,
    SignatureTally,
    ThresholdCrossing,
)
from deliberate.services import proposals, thresholds

SORTS = ("newest", "most_signed", "closing_soon")
CHART_WIDTH, CHART_HEIGHT, BAR_WIDTH = 600, 160, 300


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def browse(
    session: Session,
    *,
    state: ProposalState | None = None,
    kind: str | None = None,
    group_id: int | None = None,
    query: str = "",
    sort: str = "newest",
):
    """A select() of registered proposals, filtered, searched and sorted (for paginate)."""
    if sort not in SORTS:
        raise ValidationError(
            _l("Sort by one of: %(sorts)s.", sorts=", ".join(SORTS)), field="sort"
        )
    statement = select(Proposal).where(Proposal.state != ProposalState.DRAFT)
    if state is not None:
        statement = statement.where(Proposal.state == state)
    if kind:
        statement = statement.where(Proposal.kind == kind)
    if group_id:
        statement = statement.where(Proposal.local_group_id == group_id)
    if query:
        pattern = _like(query)
        statement = statement.where(
            func.lower(Proposal.title).like(pattern, escape="\\")
            | func.lower(Proposal.summary).like(pattern, escape="\\")
        )
    order = {
        "newest": (Proposal.created_at.desc(), Proposal.id.desc()),
        "most_signed": (Proposal.signature_count.desc(), Proposal.id.desc()),
        "closing_soon": (
            case((Proposal.state == ProposalState.COLLECTING, 0), else_=1),
            case((Proposal.collection_closes_at.is_(None), 1), else_=0),
            Proposal.collection_closes_at,
            Proposal.id,
        ),
    }[sort]
    return statement.order_by(*order)


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


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    title: str
    cause: str


def _cause(step: ProposalTransition) -> Message:
    """A step's cause, translated where shown: with the values it kept, else as recorded.

    A cause recorded without values is its own msgid; older causes with values stay
    in English.
    """
    if step.cause_message_json:
        return messages.from_json(step.cause_message_json)
    return Message(step.cause)


def timeline(session: Session, proposal: Proposal) -> list[TimelineItem]:
    """Every transition and threshold crossing, oldest first."""
    items = [
        TimelineItem(t.at, STATE_TEXT[State(t.to_state.value)], _cause(t))
        for t in session.execute(
            select(ProposalTransition)
            .where(ProposalTransition.proposal_id == proposal.id)
            .order_by(ProposalTransition.at, ProposalTransition.id)
        ).scalars()
    ]
    ruleset = proposals.frozen_ruleset(proposal)
    for crossing in session.execute(
        select(ThresholdCrossing).where(ThresholdCrossing.proposal_id == proposal.id)
    ).scalars():
        tier = ruleset.tiers[crossing.tier_index]
        if crossing.reversed_at is not None:
            items.append(
                TimelineItem(
                    crossing.reversed_at,
                    N_("Threshold no longer met: tier %(n)s", n=crossing.tier_index + 1),
                    N_("Signatures it rested on were invalidated."),
                )
            )
        items.append(
            TimelineItem(
                crossing.crossed_at,
                N_("Threshold crossed: tier %(n)s", n=crossing.tier_index + 1),
                counted(
                    crossing.signature_count,
                    N_("1 signature. %(tier)s."),
                    N_("%(n)s signatures. %(tier)s."),
                    tier=describe_tier(tier),
                ),
            )
        )
    return sorted(items, key=lambda item: item.at)


def versions(session: Session, proposal: Proposal) -> list[ProposalTextVersion]:
    """Every version of the text, newest first."""
    return list(
        session.execute(
            select(ProposalTextVersion)
            .where(ProposalTextVersion.proposal_id == proposal.id)
            .order_by(ProposalTextVersion.number.desc())
        ).scalars()
    )


def cosponsors(session: Session, proposal: Proposal) -> list[CoSponsor]:
    """The co-sponsors, in the order they joined."""
    return list(
        session.execute(
            select(CoSponsor)
            .where(CoSponsor.proposal_id == proposal.id)
            .order_by(CoSponsor.created_at, CoSponsor.id)
        ).scalars()
    )


def public_signers(session: Session, proposal: Proposal, limit: int = 100) -> list[Row]:
    """The names (``.display_name``) of the latest signers who chose to show them.

    Names only: a hundred full members with their groups would cost the page more than
    every other query on it together.
    """
    return list(
        session.execute(
            select(Member.display_name)
            .join(Signature, Signature.member_id == Member.id)
            .where(
                Signature.proposal_id == proposal.id,
                Signature.is_name_public.is_(True),
                Signature.withdrawn_at.is_(None),
                Signature.invalidated_at.is_(None),
                Signature.quarantined_at.is_(None),
            )
            .order_by(Signature.signed_at.desc())
            .limit(limit)
        ).all()
    )


@dataclass(frozen=True)
class FrozenRules:
    version: int | None
    hash: str | None
    rules: tuple[RuleText, ...]


def frozen_rules(session: Session, proposal: Proposal) -> FrozenRules | None:
    """The rules the proposal runs under, in words, with the rulebook version and hash."""
    ruleset = proposals.frozen_ruleset(proposal)
    if ruleset is None:
        return None
    number = session.scalar(
        select(RulebookVersion.number).where(RulebookVersion.id == proposal.rulebook_version_id)
    )
    return FrozenRules(number, proposal.ruleset_hash, describe_ruleset(ruleset))


@dataclass(frozen=True)
class Activity:
    proposed: list[Proposal]
    cosponsored: list[Proposal]
    signed: list[Proposal]


def member_activity(session: Session, member: Member, *, viewer_id: int | None) -> Activity:
    """What a member proposed, co-sponsored and signed, as ``viewer_id`` may see it."""
    is_self = viewer_id == member.id
    proposed = select(Proposal).where(Proposal.author_id == member.id)
    if not is_self:
        proposed = proposed.where(Proposal.state != ProposalState.DRAFT)
    cosponsored = (
        select(Proposal)
        .join(CoSponsor, CoSponsor.proposal_id == Proposal.id)
        .where(CoSponsor.member_id == member.id)
    )
    signed = (
        select(Proposal)
        .join(Signature, Signature.proposal_id == Proposal.id)
        .where(
            Signature.member_id == member.id,
            Signature.withdrawn_at.is_(None),
            Signature.invalidated_at.is_(None),
            Signature.quarantined_at.is_(None),
        )
    )
    if not is_self:
        signed = signed.where(Signature.is_name_public.is_(True))

    def run(statement) -> list[Proposal]:
        ordered = statement.order_by(Proposal.created_at.desc()).limit(100)
        return list(session.execute(ordered).scalars())

    return Activity(run(proposed), run(cosponsored), run(signed))
