"""Signing: one signature per member, exact stored counts, thresholds that fire once.

Everything for one signature happens in one transaction, under one clock: the
proposal row is locked (PostgreSQL; SQLite holds its write lock from BEGIN IMMEDIATE),
state, window and eligibility are checked, the row is inserted (its UNIQUE pair refuses
a second), the stored count and the per-group, per-day tally move by one, and the tiers
are evaluated against the new count. A newly met tier is claimed by inserting its
ThresholdCrossing row; the UNIQUE(proposal_id, tier_index) lets only one transaction
ever claim it, and only the claimant fires the consequence.

A signature from an address (or email domain) that has already signed this proposal
more often in the last hour than ``signature_bursts.BurstLimits`` allows is stored but
*held* (T32): the row exists, so the member cannot sign twice, but neither the count nor
the tally moves and no tier can be crossed by it until the committee releases it
(services.signature_quarantine). The per-connection rate limit still stops floods.
"""

import json
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from deliberate.core import lifecycle
from deliberate.core.errors import ConflictError, NotEligibleError, PhaseError
from deliberate.core.lifecycle import State
from deliberate.core.messages import join
from deliberate.core.rules import SignatureStatus, describe_tier, evaluate_signatures
from deliberate.i18n import lazy
from deliberate.labels import lazy_label
from deliberate.models import (
    LocalGroup,
    Member,
    Proposal,
    ProposalState,
    Signature,
    SignatureTally,
    ThresholdCrossing,
)
from deliberate.services import audit_log, notifications, proposals
from deliberate.services.drafting import counted_until, member_reasons
from deliberate.services.signature_bursts import BurstLimits, hold_reason

_proposal = Proposal.__table__
ALREADY_SIGNED = _l("You have already signed this proposal.")
# A signature counts when it is neither withdrawn, invalidated nor held for a check.
COUNTED = (
    Signature.withdrawn_at.is_(None),
    Signature.invalidated_at.is_(None),
    Signature.quarantined_at.is_(None),
)


@dataclass(frozen=True)
class SignResult:
    """What a signature did: the new count, the tiers it crossed (1-based), if it is held."""

    count: int
    crossed: tuple[int, ...]
    is_held: bool = False


def closed_message(proposal: Proposal, now: datetime) -> str | None:
    """Why signatures are not accepted now, or None when the window is open."""
    if proposal.state == ProposalState.COLLECTING:
        if lifecycle.is_window_open(
            now, proposal.signatures_open_at, proposal.collection_closes_at
        ):
            return None
        if proposal.signatures_open_at is None or now < proposal.signatures_open_at:
            return _l("Signatures have not opened yet.")
        closed = lazy(proposal.collection_closes_at)
        return _l("The signature window closed on %(closed)s UTC.", closed=closed)
    if proposal.state in (ProposalState.DRAFT, ProposalState.SEEKING_COSPONSORS):
        return _l("Signatures have not opened yet: the proposal still needs its co-sponsors.")
    if proposal.state == ProposalState.AWAITING_COMMITTEE:
        return _l("Signatures have not opened yet: the proposal awaits the committee.")
    return _l(
        "Signatures are closed: this proposal is at the stage “%(state)s”.",
        state=lazy_label(proposal.state),
    )


def reasons_not_to_sign(
    session: Session, proposal: Proposal, member: Member, now: datetime
) -> list[str]:
    """Everything that stops ``member`` signing now, in plain words (empty: may sign)."""
    closed = closed_message(proposal, now)
    if closed:
        return [closed]
    ruleset = proposals.frozen_ruleset(proposal)
    return member_reasons(ruleset, member, proposal, counted_until(ruleset, proposal, now.date()))


def _insert(session: Session):
    return (postgresql if session.get_bind().dialect.name == "postgresql" else sqlite).insert


def _tally(session: Session, proposal_id: int, group_id: int | None, day: date, delta: int):
    """Move one (proposal, group, day) counter by ``delta``, creating it if needed."""
    key = group_id or 0
    if delta < 0:
        session.execute(
            update(SignatureTally)
            .where(
                SignatureTally.proposal_id == proposal_id,
                SignatureTally.group_key == key,
                SignatureTally.day == day,
            )
            .values(count=SignatureTally.count + delta)
        )
        return
    statement = _insert(session)(SignatureTally).values(
        proposal_id=proposal_id, group_key=key, day=day, count=delta
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["proposal_id", "group_key", "day"],
            set_={"count": SignatureTally.count + delta},
        )
    )


def _count(session: Session, proposal: Proposal, delta: int) -> int:
    """Move the stored count atomically in the database and return the new value."""
    new = session.execute(
        update(_proposal)
        .where(_proposal.c.id == proposal.id)
        .values(signature_count=_proposal.c.signature_count + delta)
        .returning(_proposal.c.signature_count)
    ).scalar_one()
    set_committed_value(proposal, "signature_count", new)
    return new


def count_in(session: Session, proposal: Proposal, group_id: int | None, day: date, n: int):
    """Add ``n`` signatures of one group and day to the stored count and the tally."""
    _count(session, proposal, n)
    _tally(session, proposal.id, group_id, day, n)


def by_group(session: Session, proposal_id: int) -> dict[str, int]:
    """Valid signatures per local group name, from the tally (never row by row)."""
    rows = session.execute(
        select(LocalGroup.name, func.sum(SignatureTally.count))
        .join(LocalGroup, LocalGroup.id == SignatureTally.group_key)
        .where(SignatureTally.proposal_id == proposal_id)
        .group_by(LocalGroup.name)
    )
    return {name: int(total or 0) for name, total in rows}


def status(session: Session, proposal: Proposal) -> SignatureStatus | None:
    """Every tier against the stored count and the electorate frozen at opening."""
    ruleset = proposals.frozen_ruleset(proposal)
    if ruleset is None or proposal.electorate_size is None:
        return None
    members = json.loads(proposal.electorate_json or "{}")
    groups = {name: n for name, n in by_group(session, proposal.id).items() if name in members}
    total = max(proposal.signature_count, sum(groups.values()))
    return evaluate_signatures(ruleset, total, groups, members, proposal.electorate_size)


def _claim(session: Session, proposal: Proposal, index: int, now: datetime) -> bool:
    """Insert the tier's crossing; False when another transaction already holds it."""
    try:
        with session.begin_nested():
            session.add(
                ThresholdCrossing(
                    proposal_id=proposal.id,
                    tier_index=index,
                    crossed_at=now,
                    signature_count=proposal.signature_count,
                )
            )
    except IntegrityError:
        return False
    return True


def _fire(session: Session, proposal: Proposal, index: int, now: datetime, base_url: str):
    """The consequence of tier ``index``: audit, notice, and the state step it brings."""
    ruleset = proposals.frozen_ruleset(proposal)
    tier = ruleset.tiers[index]
    audit_log.record(
        session,
        actor=None,
        action="proposal.threshold_crossed",
        payload={
            "proposal": proposal.public_id,
            "tier": index + 1,
            "signatures": proposal.signature_count,
        },
        now=now,
    )
    step = lifecycle.after_crossing(ruleset, index)
    if step is not None and proposals.state_of(proposal) is State.COLLECTING:
        # The step's own notice ("your proposal qualified") tells the author.
        proposals.transition(session, proposal, step, now=now, base_url=base_url)
        proposals.advance(session, proposal, now=now, base_url=base_url)
        return
    notifications.notify(
        session,
        member_ids=[proposal.author_id],
        kind="own_qualified",
        text=_l(
            "“%(title)s” reached tier %(n)s: %(tier)s",
            title=proposal.title,
            n=index + 1,
            tier=lazy(describe_tier(tier)),
        ),
        now=now,
        proposal_id=proposal.id,
        path=proposals.path_of(proposal),
        base_url=base_url,
    )


def evaluate_tiers(
    session: Session, proposal: Proposal, *, now: datetime, base_url: str = ""
) -> tuple[int, ...]:
    """Claim and fire every newly met tier; returns the tiers (1-based) this call fired."""
    current = status(session, proposal)
    if current is None or not any(tier.is_met for tier in current.tiers):
        return ()  # the common case, under the write lock: no query for the crossings
    held = set(
        session.scalars(
            select(ThresholdCrossing.tier_index).where(ThresholdCrossing.proposal_id == proposal.id)
        )
    )
    fired = []
    for index, tier in enumerate(current.tiers):
        if tier.is_met and index not in held and _claim(session, proposal, index, now):
            fired.append(index)
    for index in fired:
        _fire(session, proposal, index, now, base_url)
    return tuple(index + 1 for index in fired)


def _email_domain(email: str) -> str:
    return email.rpartition("@")[2].lower()[:254]


def _resign(session: Session, existing: Signature, member: Member, show_name: bool, ip, now, held):
    """Clear a withdrawal; the conditional update makes two concurrent re-signs count once."""
    if existing.invalidated_at is not None:
        raise NotEligibleError(
            _l(
                "Your signature on this proposal was invalidated by the committee: %(reason)s.",
                reason=existing.invalidation_reason,
            )
        )
    if existing.withdrawn_at is None:
        raise ConflictError(ALREADY_SIGNED)
    result = session.execute(
        update(Signature)
        .where(Signature.id == existing.id, Signature.withdrawn_at.is_not(None))
        .values(
            withdrawn_at=None,
            signed_at=now,
            is_name_public=show_name,
            local_group_id=member.local_group_id,
            ip_address=ip,
            email_domain=_email_domain(member.email),
            quarantined_at=now if held else None,
            quarantine_reason=held,
        )
    )
    if result.rowcount != 1:
        raise ConflictError(ALREADY_SIGNED)


def sign(
    session: Session,
    *,
    proposal_id: int,
    member_id: int,
    show_name: bool,
    ip: str | None,
    now: datetime,
    base_url: str = "",
    limits: BurstLimits | None = None,
) -> SignResult:
    """Add the member's signature, or raise with the reason nothing was recorded.

    With ``limits``, a signature beyond them is stored as held and not counted.
    """
    # Read before the write lock, to keep it short: a race with the member's own second
    # click still ends in ALREADY_SIGNED (the UNIQUE pair, the conditional re-sign).
    existing = signature_of(session, proposal_id, member_id)
    proposal = proposals.lock(session, proposal_id)
    member = session.get(Member, member_id)
    reasons = reasons_not_to_sign(session, proposal, member, now)
    if reasons and closed_message(proposal, now):
        raise PhaseError(reasons[0])
    if reasons:
        raise NotEligibleError(
            _l("You cannot sign this proposal: %(reasons)s.", reasons=lazy(join(reasons)))
        )
    domain = _email_domain(member.email)
    held = hold_reason(session, proposal.id, ip=ip, domain=domain, now=now, limits=limits)
    if existing is not None:
        _resign(session, existing, member, show_name, ip, now, held)
    else:
        try:
            with session.begin_nested():
                session.add(
                    Signature(
                        proposal_id=proposal.id,
                        member_id=member_id,
                        local_group_id=member.local_group_id,
                        is_name_public=show_name,
                        signed_at=now,
                        ip_address=ip,
                        email_domain=domain,
                        quarantined_at=now if held else None,
                        quarantine_reason=held,
                    )
                )
        except IntegrityError:
            raise ConflictError(ALREADY_SIGNED) from None
    if held:
        session.commit()
        return SignResult(count=proposal.signature_count, crossed=(), is_held=True)
    count = _count(session, proposal, +1)
    _tally(session, proposal.id, member.local_group_id, now.date(), +1)
    crossed = evaluate_tiers(session, proposal, now=now, base_url=base_url)
    session.commit()
    return SignResult(count=count, crossed=crossed)


def withdraw(session: Session, *, proposal_id: int, member_id: int, now: datetime) -> int:
    """Withdraw the member's signature while signatures are collected; returns the count."""
    proposal = proposals.lock(session, proposal_id)
    if proposal.state != ProposalState.COLLECTING:
        raise PhaseError(
            _l(
                "A signature can only be withdrawn while signatures are being collected; "
                "this proposal has moved on."
            )
        )
    row = session.execute(
        update(Signature)
        .where(
            Signature.proposal_id == proposal.id,
            Signature.member_id == member_id,
            Signature.withdrawn_at.is_(None),
            Signature.invalidated_at.is_(None),
        )
        .values(withdrawn_at=now)
        .returning(Signature.signed_at, Signature.local_group_id, Signature.quarantined_at)
    ).first()
    if row is None:
        raise ConflictError(
            _l("You have not signed this proposal, so there is nothing to withdraw.")
        )
    if row.quarantined_at is not None:  # held, so never counted: nothing to take back
        session.commit()
        return proposal.signature_count
    count = _count(session, proposal, -1)
    _tally(session, proposal.id, row.local_group_id, row.signed_at.date(), -1)
    session.commit()
    return count


def signature_of(session: Session, proposal_id: int, member_id: int) -> Signature | None:
    """The member's signature row on the proposal, whatever its state."""
    return session.execute(
        select(Signature).where(
            Signature.proposal_id == proposal_id, Signature.member_id == member_id
        )
    ).scalar_one_or_none()
