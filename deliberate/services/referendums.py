"""Referendums, elections and polls: opening (freezing), extending, deadlines.

Opening freezes everything a vote is judged by: the electorate (Eligibility rows, their
size and hash), and the definition (question, options, eligibility rules, times, vote
rules), whose digest is checkpoint 0 of the ballot chain. After that only an audited
extension of the closing time is allowed (T13). The committee creates elections and
polls in services.vote_drafts; counting is in services.counting and casting in
services.voting.
"""

import json
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from deliberate.core.ballot_chain import definition_digest, electorate_hash
from deliberate.core.errors import NotFoundError, PhaseError, ValidationError
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


def freeze(session: Session, referendum: Referendum, *, actor: Member | None, now: datetime):
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
    freeze(session, referendum, actor=actor, now=now)
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
    freeze(session, referendum, actor=None, now=now)
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
    freeze(session, referendum, actor=None, now=now)
    session.commit()
    return True
