"""Casting a secret ballot in one transaction, and checking a receipt afterwards.

RELIABILITY.md section (c), "The vote transaction". Inside one transaction (BEGIN
IMMEDIATE on SQLite): check the window with the caller's clock, check the frozen
electorate, insert the participation row (its primary key refuses a second ballot),
insert the ballot with a fresh tracker, commit, and only then hand back the receipt.
Nothing here logs the member, the choice or the receipt.
"""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from deliberate.core.ballot_chain import (
    ChainFormatError,
    ChoiceKind,
    decode_choice,
    new_receipt,
    tracker_for,
)
from deliberate.core.errors import ConflictError, NotEligibleError, PhaseError, ValidationError
from deliberate.core.messages import join
from deliberate.core.rules import check_eligibility
from deliberate.core.tally import double_yes
from deliberate.database import begin_write, commit_keeping_loaded
from deliberate.i18n import lazy
from deliberate.models import (
    Ballot,
    BallotCheckpoint,
    Eligibility,
    Member,
    Participation,
    Referendum,
    ReferendumState,
    VoteMethod,
)
from deliberate.models.ballot import new_ballot_id
from deliberate.services import ballot_lock, referendums
from deliberate.services import ballot_statements as statements

_KIND = {
    VoteMethod.SINGLE: ChoiceKind.SINGLE,
    VoteMethod.APPROVAL: ChoiceKind.APPROVAL,
    VoteMethod.IRV: ChoiceKind.RANKING,
    VoteMethod.STV: ChoiceKind.RANKING,
    VoteMethod.SCHULZE: ChoiceKind.RANKING,
}


class AlreadyVoted(ConflictError):
    """A second ballot from the same member."""

    def __init__(self):
        super().__init__(_l("You have already voted in this vote. Your first ballot stands."))


def check_choice(referendum: Referendum, choice: str) -> str:
    """The canonical choice if it is one this ballot offers, else ValidationError."""
    if referendum.method is VoteMethod.DOUBLE_YES:
        double_yes.decode(choice)
        return choice
    try:
        kind, value = decode_choice(choice)
    except ChainFormatError:
        raise ValidationError(_l("That choice is not on this ballot.")) from None
    if referendum.method is VoteMethod.YES_NO:
        if kind is not ChoiceKind.YES_NO:
            raise ValidationError(_l("Answer yes, no or abstain."))
        return choice
    if kind is not _KIND[referendum.method]:
        raise ValidationError(_l("That choice is not on this ballot."))
    slugs = {option.slug for option in referendum.options}
    if kind is ChoiceKind.SINGLE:
        named = {value}
    elif kind is ChoiceKind.APPROVAL:
        named = set(value)
    else:
        named = {option for level in value for option in level}
    if not named <= slugs:
        raise ValidationError(_l("That choice is not on this ballot."))
    return choice


def _outside_window(state, opens_at: datetime, closes_at: datetime, now: datetime):
    """The PhaseError to raise unless the vote is open at ``now`` (half-open, T09); or None."""
    if state is ReferendumState.DRAFT or now < opens_at:
        return PhaseError(_l("Voting has not opened yet. Nothing was recorded."))
    if state is not ReferendumState.OPEN or now >= closes_at:
        return PhaseError(_l("Voting has closed. Nothing was recorded."))
    return None


def _ineligible(session: Session, referendum: Referendum, member_id: int) -> NotEligibleError:
    member = session.get(Member, member_id)
    opened = referendum.opened_at or referendum.opens_at
    day = lazy(opened.date())
    if member is None:
        return NotEligibleError(
            _l(
                "The list of voters was fixed when voting opened on %(day)s, "
                "and you are not on it.",
                day=day,
            )
        )
    group = member.local_group.name if member.local_group else None
    reasons = check_eligibility(
        referendums.eligibility_rules(referendum),
        member.status.value,
        member.joined_on,
        group,
        opened.date(),
    )
    return NotEligibleError(
        _l(
            "The list of voters was fixed when voting opened on %(day)s, "
            "and you are not on it. %(reasons)s.",
            day=day,
            reasons=lazy(join(reasons, ". ")),
        )
    )


def _add_to_group_tally(session: Session, referendum: Referendum, group_id: int, choice: str):
    keys = (
        double_yes.counter_keys(choice) if referendum.method is VoteMethod.DOUBLE_YES else (choice,)
    )
    for key in keys:
        params = {"b_referendum_id": referendum.id, "b_local_group_id": group_id, "b_choice": key}
        session.connection().execute(statements.GROUP_TALLY_UP, params)


def _insert_ballot(session: Session, referendum: Referendum, choice: str) -> str:
    """Insert the ballot under a fresh tracker; a (vanishingly rare) clash gets a new one.

    ON CONFLICT DO NOTHING rather than a savepoint: a clash of the random id or of the
    tracker inserts nothing and says so, in one statement under the write lock.
    """
    statement = statements.INSERT_BALLOT[session.get_bind().dialect.name]
    for _attempt in range(3):
        receipt = new_receipt()
        params = {
            "id": new_ballot_id(),
            "referendum_id": referendum.id,
            "tracker": tracker_for(referendum.public_id, receipt),
            "choice": choice,
        }
        if session.connection().execute(statement, params).first() is not None:
            return receipt
    raise ConflictError(_l("Your vote was NOT recorded. Please try again."))


def _insert_participation(
    session: Session, referendum: Referendum, member_id: int, now: datetime
) -> bool:
    """False when the vote has closed under the lock, or the member has already voted."""
    statement = statements.INSERT_PARTICIPATION[session.get_bind().dialect.name]
    params = {"referendum_id": referendum.id, "member_id": member_id, "now": now}
    return session.connection().execute(statement, params).first() is not None


def _why_not_inserted(session: Session, referendum: Referendum, now: datetime) -> Exception:
    """The window read again under the lock says which: closed (PhaseError), or voted."""
    window = session.connection().execute(statements.WINDOW, {"b_id": referendum.id}).one()
    return _outside_window(*window, now) or AlreadyVoted()


def cast_ballot(
    session: Session, *, referendum_id: str, member_id: int, choice: str, now: datetime
) -> str:
    """Record one member's ballot and return the receipt, shown to them once.

    ``referendum_id`` is the public id; ``choice`` the canonical choice string. Raises
    PhaseError outside the window, NotEligibleError, ValidationError or AlreadyVoted.
    A busy database raises sqlalchemy's OperationalError with nothing written.
    """
    # Everything the checks read is read before the write lock, which every voter of a
    # surge queues for: the electorate is frozen when voting opens and never changes
    # after (only a miss is looked for again under the lock), and the window is checked
    # again under it.
    params = {"ref": referendum_id, "member_id": member_id}
    found = session.execute(statements.REFERENDUM_AND_ELIGIBILITY, params).first()
    if found is None:
        raise PhaseError(_l("There is no such vote."))
    referendum, eligibility = found
    closed = _outside_window(referendum.state, referendum.opens_at, referendum.closes_at, now)
    if closed is not None:
        raise closed
    choice = check_choice(referendum, choice)
    begin_write(session)
    ballot_lock.as_voter(session, referendum.id)
    if eligibility is None:
        eligibility = session.get(Eligibility, (referendum.id, member_id))
    if eligibility is None:
        error = _ineligible(session, referendum, member_id)
        session.rollback()
        raise error
    if not _insert_participation(session, referendum, member_id, now):
        error = _why_not_inserted(session, referendum, now)
        session.rollback()
        raise error
    receipt = _insert_ballot(session, referendum, choice)
    rules = referendums.vote_rules(referendum)
    if rules is not None and rules.has_double_majority and eligibility.local_group_id:
        _add_to_group_tally(session, referendum, eligibility.local_group_id, choice)
    commit_keeping_loaded(session)  # new rows only: the receipt page shows what is loaded
    return receipt


def has_voted(session: Session, referendum: Referendum, member_id: int) -> bool:
    """Whether the member has a participation row (never says how they voted)."""
    return session.get(Participation, (referendum.id, member_id)) is not None


def is_eligible(session: Session, referendum: Referendum, member_id: int) -> bool:
    """Whether the member is on the frozen electorate."""
    return session.get(Eligibility, (referendum.id, member_id)) is not None


@dataclass(frozen=True)
class ReceiptCheck:
    """What a receipt shows: found or not, its tracker, checkpoint, and (after close) choice."""

    is_found: bool
    tracker: str
    checkpoint_seq: int | None
    checkpoint_digest: str | None
    choice: str | None


def check_receipt(session: Session, public_id: str, receipt: str) -> ReceiptCheck:
    """Look up the ballot a receipt stands for; the choice is shown only after the close."""
    referendum = referendums.get(session, public_id)
    tracker = tracker_for(referendum.public_id, receipt.strip())
    ballot = session.execute(
        select(Ballot).where(Ballot.referendum_id == referendum.id, Ballot.tracker == tracker)
    ).scalar_one_or_none()
    if ballot is None:
        return ReceiptCheck(False, tracker, None, None, None)
    digest = None
    if ballot.checkpoint_seq is not None:
        checkpoint = session.get(BallotCheckpoint, (referendum.id, ballot.checkpoint_seq))
        digest = checkpoint.digest if checkpoint else None
    is_closed = referendum.state is ReferendumState.CLOSED
    return ReceiptCheck(
        True, tracker, ballot.checkpoint_seq, digest, ballot.choice if is_closed else None
    )
