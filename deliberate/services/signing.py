"""Signing: one signature per member, exact stored counts, thresholds that fire once.

One signature is one write under one clock. State, window and eligibility are read and
checked first; then the row is inserted (its UNIQUE pair refuses a second), the stored
count moves by one while the proposal's row lock is held and the window is open
(PostgreSQL; SQLite holds its write lock from BEGIN IMMEDIATE), the per-group, per-day
tally moves by one, and, once the count could meet a tier, the tiers are evaluated
against it under the same lock, in the same transaction (services.thresholds: a newly
met tier is claimed and fired exactly once, I9). On PostgreSQL a signature that can
meet no tier is one statement committing by itself; see _sign_first_time.

A signature from an address (or email domain) that has already signed this proposal
more often in the last hour than ``signature_bursts.BurstLimits`` allows is stored but
*held* (T32): the row exists, so the member cannot sign twice, but neither the count nor
the tally moves and no tier can be crossed by it until the committee releases it
(services.signature_quarantine). The per-connection rate limit still stops floods.
"""

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from deliberate.core import lifecycle
from deliberate.core.errors import ConflictError, NotEligibleError, NotFoundError, PhaseError
from deliberate.core.messages import join
from deliberate.database import begin_write, execute_alone
from deliberate.i18n import lazy
from deliberate.labels import lazy_label
from deliberate.models import (
    Member,
    Proposal,
    ProposalState,
    Signature,
)
from deliberate.services import proposals, signable_proposal, signed_in, thresholds
from deliberate.services import signature_statements as statements
from deliberate.services.drafting import counted_until, member_reasons
from deliberate.services.signable_proposal import SignableProposal
from deliberate.services.signature_bursts import BurstCheck, BurstLimits, hold_reason
from deliberate.services.signed_in import SignedInMember

_proposal = Proposal.__table__
# A signature reads only columns that the plain rows and the ORM objects both have.
Signer = SignedInMember | Member
ProposalRead = SignableProposal | Proposal
# The floor for a proposal no tier of which can be met: a count never reaches it.
_NO_TIER = 2**31 - 1
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


def closed_message(proposal: ProposalRead, now: datetime) -> str | None:
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
    session: Session, proposal: ProposalRead, member: Signer, now: datetime
) -> list[str]:
    """Everything that stops ``member`` signing now, in plain words (empty: may sign).

    The checks read only what the plain rows and the ORM objects both have.
    """
    closed = closed_message(proposal, now)
    if closed:
        return [closed]
    ruleset = proposals.frozen_ruleset(proposal)
    return member_reasons(ruleset, member, proposal, counted_until(ruleset, proposal, now.date()))


def _write(session: Session, statement, params: dict):
    """Run a prebuilt statement (services.signature_statements) on the session's connection."""
    return session.connection().execute(statement, params)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _group_key(group_id: int | None) -> int:
    """The tally's key for a group: its id, or 0 for no group (models.SignatureTally)."""
    return group_id or 0


def _tally(session: Session, proposal_id: int, group_id: int | None, day: date, delta: int):
    """Move one (proposal, group, day) counter by ``delta``, creating it if needed."""
    key = _group_key(group_id)
    if delta < 0:
        params = {"b_proposal_id": proposal_id, "b_group_key": key, "b_day": day, "delta": delta}
        _write(session, statements.TALLY_DOWN, params)
        return
    params = {"proposal_id": proposal_id, "group_key": key, "day": day, "delta": delta}
    _write(session, statements.TALLY_UP[_dialect(session)], params)


def _count(session: Session, proposal: Proposal, delta: int) -> int:
    """Move the stored count atomically in the database and return the new value."""
    params = {"proposal_id": proposal.id, "delta": delta}
    new = _write(session, statements.COUNT_BY, params).scalar_one()
    set_committed_value(proposal, "signature_count", new)
    return new


def count_in(session: Session, proposal: Proposal, group_id: int | None, day: date, n: int):
    """Add ``n`` signatures of one group and day to the stored count and the tally."""
    _count(session, proposal, n)
    _tally(session, proposal.id, group_id, day, n)


def email_domain(email: str) -> str:
    """The domain part of an address, as a signature stores it for the burst check."""
    return email.rpartition("@")[2].lower()[:254]


def burst_check(
    signer: Signer, ip: str | None, now: datetime, limits: BurstLimits | None
) -> BurstCheck | None:
    """What to read with the proposal for ``signer``'s burst check; None without limits."""
    if limits is None:
        return None
    return BurstCheck(ip=ip, domain=email_domain(signer.email), now=now, limits=limits)


def _resign(session: Session, existing: Signature, member: Signer, show_name: bool, ip, now, held):
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
            email_domain=email_domain(member.email),
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

    Reads the proposal and the member by id, then signs as ``sign_with`` does.
    """
    signer = signed_in.by_id(session, member_id)
    if signer is None:
        raise NotFoundError(_l("There is no such member."))
    burst = burst_check(signer, ip, now, limits)
    proposal = signable_proposal.by_id(session, proposal_id, burst=burst)
    return sign_with(
        session,
        proposal=proposal,
        signer=signer,
        show_name=show_name,
        ip=ip,
        now=now,
        base_url=base_url,
        limits=limits,
    )


def sign_with(
    session: Session,
    *,
    proposal: SignableProposal,
    signer: Signer,
    show_name: bool,
    ip: str | None,
    now: datetime,
    base_url: str = "",
    limits: BurstLimits | None = None,
) -> SignResult:
    """Add the signature of ``signer``, as read in this request, or raise why not.

    With ``limits``, a signature beyond them is stored as held and not counted; the
    proposal must then have been read with ``burst_check(signer, ip, now, limits)``.

    Everything a decision reads (the proposal, the member, the checks, the burst counts
    read with the proposal) is read before the write lock, so the lock covers only the
    writes: the insert, the count, the tally, and the tiers when the count could meet
    one. In a surge every signer queues for that lock, so its length sets the rate. The
    proposal and the member are plain rows (services.signable_proposal,
    services.signed_in): the ORM objects are loaded only to claim a tier, to sign again
    after a withdrawal, or to explain a close. The insert comes first and the UNIQUE
    pair decides whether the member signed before; only then is the earlier row read (a
    re-sign after a withdrawal, or a refusal), so a first signature, the common case,
    sends no "signed already?" query. The count update repeats the window check under
    the lock: a proposal that closed between the reads and the lock takes no signature.
    A burst read before the lock may let through as many extra signatures as arrive at
    the same instant.
    """
    _check_may_sign(session, proposal, signer, now)
    domain = email_domain(signer.email)
    if limits is not None and proposal.recent_from_ip is None:
        raise ValueError("read the proposal with burst_check() to sign it under burst limits")
    held = hold_reason(proposal.recent_from_ip, proposal.recent_from_domain, limits)
    begin_write(session)
    delta = 0 if held else +1
    first = _sign_first_time(session, proposal, signer, show_name, ip, domain, now, held)
    count = first.count
    if first.has_row_already:
        existing = signature_of(session, proposal.id, signer.id)
        # The proposal before the signature row, in the order withdraw() takes them.
        locked = proposals.lock(session, proposal.id)
        _check_may_sign(session, locked, signer, now)
        _resign(session, existing, signer, show_name, ip, now, held)
        count = _count_and_tally_while_open(session, proposal.id, signer.local_group_id, now, delta)
    if count is None:
        session.rollback()
        closed = closed_message(signable_proposal.by_id(session, proposal.id), now)
        raise PhaseError(closed or _l("Signatures are closed."))
    if held:
        session.commit()
        return SignResult(count=count, crossed=(), is_held=True)
    crossed: tuple[int, ...] = ()
    if thresholds.could_meet_a_tier(proposal, count):
        locked = proposals.lock(session, proposal.id)  # fresh, for the state step it may take
        crossed = thresholds.evaluate_tiers(session, locked, now=now, base_url=base_url)
    session.commit()
    return SignResult(count=count, crossed=crossed)


def _check_may_sign(session: Session, proposal: ProposalRead, member: Signer, now: datetime):
    reasons = reasons_not_to_sign(session, proposal, member, now)
    if reasons and closed_message(proposal, now):
        raise PhaseError(reasons[0])
    if reasons:
        raise NotEligibleError(
            _l("You cannot sign this proposal: %(reasons)s.", reasons=lazy(join(reasons)))
        )


@dataclass(frozen=True)
class _FirstTry:
    """What inserting a member's first signature did."""

    has_row_already: bool  # the UNIQUE pair refused it, and nothing moved
    count: int | None  # the new count; None when signatures are closed or a row was there


def _sign_first_time(session, proposal, member, show_name, ip, domain, now, held) -> _FirstTry:
    """Insert the signature and, if it went in, count and tally it while signatures are open.

    SQLite runs the three writes in-process, under its write lock. On PostgreSQL they
    are one statement (statements.SIGN_FIRST_TIME_POSTGRESQL). Below the fewest
    signatures that could meet a tier, where a signature can cross nothing, that
    statement commits by itself (SIGN_BELOW_EVERY_TIER_POSTGRESQL): the proposal's row
    is then held only inside the server, never across a round trip to this process,
    which every other signer would wait out. If it wrote nothing because of the floor
    or a close, the signature is tried again in this transaction, which claims the
    tiers it meets.
    """
    delta = 0 if held else +1
    params = {
        "proposal_id": proposal.id,
        "member_id": member.id,
        "signer_group_id": member.local_group_id,
        "is_name_public": show_name,
        "signed_at": now,
        "ip_address": ip,
        "email_domain": domain,
        "quarantined_at": now if held else None,
        "quarantine_reason": held,
    }
    if _dialect(session) == "sqlite":
        inserted = _write(session, statements.INSERT_SIGNATURE_SQLITE, params)
        if inserted.scalar_one_or_none() is None:
            return _FirstTry(has_row_already=True, count=None)
        count = _count_and_tally_while_open(session, proposal.id, member.local_group_id, now, delta)
        return _FirstTry(has_row_already=False, count=count)
    params |= {
        "now": now,
        "delta": delta,
        "group_key": _group_key(member.local_group_id),
        "day": now.date(),
    }
    floor = thresholds.fewest_to_meet_a_tier(proposal)
    if floor is None or proposal.signature_count + delta < floor:  # as the read saw it
        below = params | {"floor": _NO_TIER if floor is None else floor}
        row = execute_alone(session, statements.SIGN_BELOW_EVERY_TIER_POSTGRESQL, below)
        if row.is_open or floor is None:
            return _first_try_from(row)
    row = _write(session, statements.SIGN_FIRST_TIME_POSTGRESQL, params).one()
    return _first_try_from(row)


def _first_try_from(row) -> _FirstTry:
    """What a row of SIGN_FIRST_TIME_POSTGRESQL or SIGN_BELOW_EVERY_TIER_POSTGRESQL says."""
    return _FirstTry(
        has_row_already=row.is_open and row.signature_id is None, count=row.signature_count
    )


def _count_and_tally_while_open(session, proposal_id: int, group_id, now, delta: int) -> int | None:
    """Move the stored count, and the tally, if signatures are still open; None if shut.

    The count's UPDATE takes the proposal's row lock (PostgreSQL) and re-reads the state
    under it, so this is the check that counts, whatever the earlier read saw. A held
    signature (delta 0) moves neither, but is still refused once signatures have closed.
    """
    params = {"proposal_id": proposal_id, "now": now, "delta": delta}
    new = _write(session, statements.COUNT_WHILE_OPEN, params).scalar_one_or_none()
    if new is not None and delta:
        _tally(session, proposal_id, group_id, now.date(), delta)
    return new


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
    params = {"proposal_id": proposal_id, "member_id": member_id}
    return session.execute(statements.SIGNATURE_OF, params).scalar_one_or_none()
