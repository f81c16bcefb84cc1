"""Referendums, elections and polls: creating, opening (freezing), extending, deadlines.

Opening freezes everything a vote is judged by: the electorate (Eligibility rows, their
size and hash), and the definition (question, options, eligibility rules, times, vote
rules), whose digest is checkpoint 0 of the ballot chain. After that only an audited
extension of the closing time is allowed (T13). Counting is in services.counting and
casting in services.voting.
"""

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from deliberate.core.ballot_chain import definition_digest, electorate_hash
from deliberate.core.errors import ConflictError, NotFoundError, PhaseError, ValidationError
from deliberate.core.messages import N_
from deliberate.core.rules import Eligibility as EligibilityRules
from deliberate.core.rules import VoteRules, check_eligibility, ruleset_from_dict
from deliberate.core.rules.eligibility import CountedUntil
from deliberate.core.rules.serialise import (  # the rulebook's own storage format
    _eligibility_from_dict,
    _vote_from_dict,
    _vote_to_dict,
)
from deliberate.core.tally import double_yes
from deliberate.core.text import clean_line
from deliberate.database import begin_write
from deliberate.models import (
    Eligibility,
    GroupTally,
    Member,
    Option,
    Proposal,
    ProposalState,
    ProposalTransition,
    Referendum,
    ReferendumKind,
    ReferendumState,
    VoteMethod,
)
from deliberate.services import audit_log

DEFINITION_SCHEMA = 1
FROZEN_MESSAGE = _l(
    "Voting has opened, so the question, options, eligibility, times and rules are frozen. "
    "Only the closing time may be extended."
)


# --- storage forms of the rules ---------------------------------------------------------


def eligibility_to_dict(rules: EligibilityRules) -> dict:
    """Eligibility rules in the rulebook's storage form."""
    return {
        "statuses": sorted(status.value for status in rules.statuses),
        "min_membership_days": rules.min_membership_days,
        "counted_until": rules.counted_until.value,
        "group": rules.group,
    }


def eligibility_rules(referendum: Referendum) -> EligibilityRules:
    """The referendum's eligibility rules."""
    return _eligibility_from_dict(json.loads(referendum.eligibility_json))


def vote_rules(referendum: Referendum) -> VoteRules | None:
    """The referendum's vote rules (quorums, majority), if it has any."""
    if referendum.vote_rules_json is None:
        return None
    return _vote_from_dict(json.loads(referendum.vote_rules_json))


def definition(referendum: Referendum) -> dict | None:
    """The frozen definition, once open."""
    return None if referendum.definition_json is None else json.loads(referendum.definition_json)


# --- reading ----------------------------------------------------------------------------


# Built once: every vote page and action looks the vote up this way.
_BY_PUBLIC_ID = select(Referendum).where(Referendum.public_id == bindparam("public_id"))


def get(session: Session, public_id: str, *, for_update: bool = False) -> Referendum:
    """The referendum with this public id, or NotFoundError."""
    query = _BY_PUBLIC_ID
    if for_update:
        begin_write(session)
        # Reloaded under the lock: what the caller saw before may have changed since.
        query = query.with_for_update().execution_options(populate_existing=True)
    referendum = session.execute(query, {"public_id": public_id}).scalar_one_or_none()
    if referendum is None:
        raise NotFoundError(_l("There is no such vote."))
    return referendum


def listing(session: Session) -> list[Referendum]:
    """Every vote except drafts' details: open first, then drafts, then closed, newest first."""
    rows = session.execute(select(Referendum).order_by(Referendum.closes_at.desc())).scalars()
    order = {ReferendumState.OPEN: 0, ReferendumState.DRAFT: 1, ReferendumState.CLOSED: 2}
    return sorted(rows, key=lambda r: order[r.state])


# --- creating ---------------------------------------------------------------------------


def slugify(label: str, taken: set[str], position: int) -> str:
    """A stable option id from its label: ascii letters, digits and '-', unique here."""
    ascii_text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:48] or f"option-{position}"
    candidate, n = slug, 2
    while candidate in taken:
        candidate, n = f"{slug}-{n}", n + 1
    taken.add(candidate)
    return candidate


@dataclass(frozen=True)
class VoteSpec:
    """What the committee asks for when it creates an election or a poll."""

    kind: ReferendumKind
    method: VoteMethod
    question: str
    options: tuple[str, ...]
    opens_at: datetime
    closes_at: datetime
    eligibility: EligibilityRules
    rules: VoteRules | None = None
    seats: int = 1
    description: str = ""
    counter_text: str | None = None


def _check_spec(spec: VoteSpec, now: datetime) -> tuple[str, list[str]]:
    question = clean_line(spec.question)
    if not question:
        raise ValidationError(_l("Write the question."), field="question")
    if len(question) > 300:
        raise ValidationError(_l("Keep the question under 300 characters."), field="question")
    labels = [clean_line(label) for label in spec.options if clean_line(label)]
    if spec.method.has_options:
        if len(labels) < 2:
            raise ValidationError(_l("Give at least two options, one per line."), field="options")
        if len({label.casefold() for label in labels}) != len(labels):
            raise ValidationError(_l("Two options have the same name."), field="options")
        if any(len(label) > 200 for label in labels):
            raise ValidationError(_l("Keep each option under 200 characters."), field="options")
    elif labels:
        raise ValidationError(_l("A yes/no question has no options of its own."), field="options")
    if spec.seats < 1 or (spec.method.has_options and spec.seats >= len(labels)):
        raise ValidationError(_l("There must be fewer seats than candidates."), field="seats")
    if spec.seats != 1 and spec.method not in (VoteMethod.STV, VoteMethod.APPROVAL):
        raise ValidationError(_l("Only STV and approval can fill several seats."), field="seats")
    if spec.closes_at <= spec.opens_at:
        raise ValidationError(_l("The vote must close after it opens."), field="closes_at")
    if spec.closes_at <= now:
        raise ValidationError(_l("The closing time has already passed."), field="closes_at")
    if spec.method is VoteMethod.DOUBLE_YES and not (spec.counter_text or "").strip():
        raise ValidationError(_l("Describe the counter-proposal."), field="counter_text")
    return question, labels


def create(session: Session, spec: VoteSpec, *, actor: Member | None, now: datetime) -> Referendum:
    """Create an election or poll; it opens by itself at opens_at (at once if that is past)."""
    begin_write(session)
    question, labels = _check_spec(spec, now)
    taken: set[str] = set()
    referendum = Referendum(
        kind=spec.kind,
        method=spec.method,
        seats=spec.seats,
        question=question,
        description=spec.description.strip(),
        counter_text=(spec.counter_text or "").strip() or None,
        opens_at=spec.opens_at,
        closes_at=spec.closes_at,
        eligibility_json=json.dumps(eligibility_to_dict(spec.eligibility), sort_keys=True),
        vote_rules_json=None if spec.rules is None else json.dumps(_vote_to_dict(spec.rules)),
        created_at=now,
        created_by_id=actor.id if actor else None,
        options=[
            Option(slug=slugify(label, taken, n), label=label, position=n)
            for n, label in enumerate(labels, start=1)
        ],
    )
    session.add(referendum)
    session.flush()
    audit_log.record(
        session,
        actor=actor,
        action="referendum.created",
        payload={
            "referendum": referendum.public_id,
            "kind": spec.kind.value,
            "method": spec.method.value,
            "question": question,
        },
        now=now,
    )
    if referendum.opens_at <= now:
        _freeze(session, referendum, actor=actor, now=now)
    session.commit()
    return referendum


def update_draft(
    session: Session,
    public_id: str,
    *,
    question: str,
    description: str,
    actor: Member,
    now: datetime,
    expected_version: int | None = None,
) -> Referendum:
    """Change a draft's wording; refused with 409 once voting has opened (T13).

    ``expected_version`` is the ``edit_version`` the editor's page showed. If another
    save came in between, nothing is saved and ConflictError says so (T11); None skips
    the check, for callers that edit without a page.
    """
    begin_write(session)
    referendum = get(session, public_id, for_update=True)
    if referendum.state is not ReferendumState.DRAFT:
        raise PhaseError(FROZEN_MESSAGE)
    if expected_version is not None and expected_version != referendum.edit_version:
        raise ConflictError(
            _l(
                "This draft was changed by someone else while you were editing (now "
                "version %(n)s). Your changes were not saved; review the draft and apply "
                "them again.",
                n=referendum.edit_version,
            )
        )
    question = clean_line(question)
    if not question or len(question) > 300:
        raise ValidationError(_l("Write a question under 300 characters."), field="question")
    old = referendum.question
    referendum.question, referendum.description = question, description.strip()
    referendum.edit_version += 1
    audit_log.record(
        session,
        actor=actor,
        action="referendum.draft_edited",
        payload={
            "referendum": public_id,
            "from": old,
            "to": question,
            "version": referendum.edit_version,
        },
        now=now,
    )
    session.commit()
    return referendum


# --- opening: the freeze ----------------------------------------------------------------


def _counted_on(referendum: Referendum, rules: EligibilityRules, proposal: Proposal | None):
    is_signatures = rules.counted_until is CountedUntil.SIGNATURES_OPEN
    if is_signatures and proposal is not None and proposal.signatures_open_at is not None:
        return proposal.signatures_open_at.date()
    return referendum.opens_at.date()


def _electorate(session: Session, referendum: Referendum, proposal: Proposal | None):
    rules = eligibility_rules(referendum)
    on = _counted_on(referendum, rules, proposal)
    members = session.execute(select(Member)).unique().scalars()
    for member in members:
        group = member.local_group.name if member.local_group else None
        if not check_eligibility(rules, member.status.value, member.joined_on, group, on):
            yield member


def _definition(referendum: Referendum, proposal: Proposal | None, size: int, digest: str):
    return {
        "schema": DEFINITION_SCHEMA,
        "referendum": referendum.public_id,
        "kind": referendum.kind.value,
        "method": referendum.method.value,
        "seats": referendum.seats,
        "question": referendum.question,
        "description": referendum.description,
        "counter_text": referendum.counter_text,
        "options": [
            {"slug": o.slug, "label": o.label, "position": o.position} for o in referendum.options
        ],
        "opens_at": referendum.opens_at.isoformat(),
        "closes_at": referendum.closes_at.isoformat(),
        "eligibility": json.loads(referendum.eligibility_json),
        "vote_rules": json.loads(referendum.vote_rules_json or "null"),
        "electorate": {"size": size, "hash": digest},
        "proposal": None if proposal is None else proposal.public_id,
        "ruleset_hash": None if proposal is None else proposal.ruleset_hash,
        "amendment": json.loads(referendum.amendment_json or "null"),
        "amendment_kind": referendum.amendment_kind,
    }


def group_counter_keys(method: VoteMethod) -> tuple[str, ...]:
    """The per-group counters a double majority needs for this method."""
    if method is VoteMethod.YES_NO:
        return ("yes", "no", "abstain")
    if method is VoteMethod.DOUBLE_YES:
        return tuple(
            [f"initiative:{a}" for a in double_yes.ANSWERS]
            + [f"counter:{a}" for a in double_yes.ANSWERS]
            + [f"prefer:{p}" for p in double_yes.PREFERENCES]
        )
    return ()


def _freeze(session: Session, referendum: Referendum, *, actor: Member | None, now: datetime):
    proposal = session.get(Proposal, referendum.proposal_id) if referendum.proposal_id else None
    voters = list(_electorate(session, referendum, proposal))
    session.add_all(
        Eligibility(referendum_id=referendum.id, member_id=m.id, local_group_id=m.local_group_id)
        for m in voters
    )
    referendum.electorate_size = len(voters)
    referendum.electorate_hash = electorate_hash(m.public_id for m in voters)
    frozen = _definition(referendum, proposal, len(voters), referendum.electorate_hash)
    referendum.definition_json = json.dumps(frozen, sort_keys=True, ensure_ascii=False)
    referendum.definition_digest = definition_digest(frozen)
    rules = vote_rules(referendum)
    if rules is not None and rules.has_double_majority:
        groups = {m.local_group_id for m in voters if m.local_group_id is not None}
        session.add_all(
            GroupTally(referendum_id=referendum.id, local_group_id=g, choice=key, count=0)
            for g in groups
            for key in group_counter_keys(referendum.method)
        )
    referendum.state = ReferendumState.OPEN
    referendum.opened_at = now
    audit_log.record(
        session,
        actor=actor,
        action="referendum.opened",
        payload={
            "referendum": referendum.public_id,
            "definition_digest": referendum.definition_digest,
            "electorate_size": referendum.electorate_size,
            "electorate_hash": referendum.electorate_hash,
        },
        now=now,
    )


def open_now(session: Session, public_id: str, *, actor: Member, now: datetime) -> Referendum:
    """Open a draft at once (the committee's button); the freeze happens here."""
    begin_write(session)
    referendum = get(session, public_id, for_update=True)
    if referendum.state is not ReferendumState.DRAFT:
        raise PhaseError(_l("This vote is already open or closed."))
    if now >= referendum.closes_at:
        raise PhaseError(_l("The closing time has passed; create a new vote instead."))
    referendum.opens_at = min(referendum.opens_at, now)
    _freeze(session, referendum, actor=actor, now=now)
    session.commit()
    return referendum


def _counter_proposal_text(session: Session, proposal_id: int) -> str | None:
    """The committee's counter-proposal, if that module exists and holds one."""
    try:
        from deliberate.models.amendment import CounterProposal
    except ImportError:  # pragma: no cover - the module is another area's, built in parallel
        return None
    counter = session.execute(
        select(CounterProposal).where(CounterProposal.proposal_id == proposal_id)
    ).scalar_one_or_none()
    return None if counter is None else f"{counter.title}\n\n{counter.body}"


def open_referendum_for_proposal(
    session: Session, proposal_id: int, now: datetime, *, amendment: dict | None = None
) -> Referendum:
    """Put a qualified proposal to the members under its frozen rules (idempotent).

    Called when deliberation is over. ``amendment`` is the rulebook (storage form) a
    rule-change proposal would enact; it is frozen into the definition. A counter-proposal
    on record makes it a double-yes vote.
    """
    begin_write(session)
    existing = session.execute(
        select(Referendum).where(Referendum.proposal_id == proposal_id)
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    proposal = session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFoundError(_l("There is no such proposal."))
    if proposal.ruleset_json is None:
        raise PhaseError(_l("The proposal has no frozen rules, so it cannot go to a vote."))
    ruleset = ruleset_from_dict(json.loads(proposal.ruleset_json))
    if ruleset.vote is None:
        raise PhaseError(_l("Proposals of this kind are never put to a vote."))
    if proposal.deliberation_ends_at is not None and now < proposal.deliberation_ends_at:
        raise PhaseError(_l("The minimum deliberation period has not passed yet."))
    minimum = timedelta(days=ruleset.vote.deliberation_days)
    if proposal.qualified_at is not None and now < proposal.qualified_at + minimum:
        raise PhaseError(_l("The minimum deliberation period has not passed yet."))
    counter = _counter_proposal_text(session, proposal.id)
    referendum = Referendum(
        kind=ReferendumKind.REFERENDUM,
        method=VoteMethod.DOUBLE_YES if counter else VoteMethod.YES_NO,
        question=proposal.title[:300],
        description=proposal.summary,
        counter_text=counter,
        proposal_id=proposal.id,
        opens_at=now,
        closes_at=now + timedelta(days=ruleset.vote.voting_days),
        eligibility_json=json.dumps(eligibility_to_dict(ruleset.eligibility), sort_keys=True),
        vote_rules_json=json.dumps(_vote_to_dict(ruleset.vote)),
        amendment_json=None if amendment is None else json.dumps(amendment, sort_keys=True),
        amendment_kind=None if amendment is None else proposal.amendment_kind,
        created_at=now,
    )
    session.add(referendum)
    session.flush()
    _freeze(session, referendum, actor=None, now=now)
    if proposal.state is not ProposalState.VOTING:
        session.add(
            ProposalTransition(
                proposal_id=proposal.id,
                from_state=proposal.state,
                to_state=ProposalState.VOTING,
                at=now,
                cause=N_("Voting opened: referendum %(ref)s", ref=referendum.public_id),
            )
        )
        proposal.state = ProposalState.VOTING
    session.commit()
    return referendum


# --- extending and deadlines ------------------------------------------------------------


def extend_closing(
    session: Session,
    public_id: str,
    *,
    new_closes_at: datetime,
    reason: str,
    actor: Member,
    now: datetime,
) -> Referendum:
    """Move the closing time later, never earlier; audited. The definition stays as frozen."""
    begin_write(session)
    referendum = get(session, public_id, for_update=True)
    if referendum.state is not ReferendumState.OPEN or now >= referendum.closes_at:
        raise PhaseError(_l("Only an open vote can be extended."))
    if new_closes_at <= referendum.closes_at:
        raise ValidationError(
            _l("A vote can only be extended, never shortened: choose a later closing time."),
            field="closes_at",
        )
    reason = clean_line(reason)
    if not reason:
        raise ValidationError(_l("State the reason for the extension."), field="reason")
    old = referendum.closes_at
    referendum.closes_at = new_closes_at
    audit_log.record(
        session,
        actor=actor,
        action="referendum.extended",
        payload={
            "referendum": public_id,
            "from": old.isoformat(),
            "to": new_closes_at.isoformat(),
            "reason": reason,
        },
        now=now,
    )
    session.commit()
    return referendum


def due(session: Session, now: datetime) -> tuple[list[str], list[str]]:
    """(drafts due to open, open votes due to close), as public ids."""
    to_open = session.scalars(
        select(Referendum.public_id).where(
            Referendum.state == ReferendumState.DRAFT,
            Referendum.opens_at <= now,
            Referendum.closes_at > now,
        )
    ).all()
    to_close = session.scalars(
        select(Referendum.public_id).where(
            Referendum.state == ReferendumState.OPEN, Referendum.closes_at <= now
        )
    ).all()
    return list(to_open), list(to_close)


def open_if_due(session: Session, public_id: str, now: datetime) -> bool:
    """Open a draft whose time has come; False if it was not due (someone else did it)."""
    begin_write(session)
    referendum = get(session, public_id, for_update=True)
    if referendum.state is not ReferendumState.DRAFT or not (
        referendum.opens_at <= now < referendum.closes_at
    ):
        session.rollback()
        return False
    _freeze(session, referendum, actor=None, now=now)
    session.commit()
    return True
