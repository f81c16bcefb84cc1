"""Reading proposals: the browse list, timeline, versions, signers, member pages.

Progress toward each tier, by day and by group, is services.proposal_progress.
"""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Row, case, func, select
from sqlalchemy.orm import Session

from deliberate.core import messages
from deliberate.core.errors import ValidationError
from deliberate.core.lifecycle import STATE_TEXT, State
from deliberate.core.messages import N_, Message
from deliberate.core.rules import RuleText, describe_ruleset, describe_tier
from deliberate.core.rules._format import counted
from deliberate.models import (
    CoSponsor,
    Member,
    Proposal,
    ProposalState,
    ProposalTextVersion,
    ProposalTransition,
    RulebookVersion,
    Signature,
    ThresholdCrossing,
)
from deliberate.services import proposals

SORTS = ("newest", "most_signed", "closing_soon")


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
