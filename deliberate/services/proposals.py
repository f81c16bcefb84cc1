"""A proposal's lifecycle: steps, deadlines, withdrawal, and the hook to the vote.

Every step goes through ``transition``, which checks it against core.lifecycle, records
it on the timeline with its time and cause, sets the stage's dates and sends the notices
(services.proposal_notices).
Deadlines move proposals on their own: ``advance_due`` (the `flask tick` command) and
``advance_if_due`` (called by every page that shows a proposal) take the same steps.
The committee's own decisions at its gate are in services.committee_gate.
"""

import json
from datetime import datetime
from functools import lru_cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import Session, lazyload

from deliberate.core import lifecycle
from deliberate.core.errors import NotFoundError, PhaseError
from deliberate.core.lifecycle import STATE_TEXT, State, Step
from deliberate.core.messages import N_
from deliberate.core.rules import RuleSet, ruleset_from_dict
from deliberate.database import begin_write
from deliberate.labels import lazy_label
from deliberate.models import (
    Member,
    Proposal,
    ProposalState,
    ProposalTransition,
    ThresholdCrossing,
)
from deliberate.services import audit_log, notifications, proposal_notices, referendums, rulebook


@lru_cache(maxsize=256)
def _ruleset_from_json(text: str) -> RuleSet:
    return ruleset_from_dict(json.loads(text))


def frozen_ruleset(proposal: Proposal) -> RuleSet | None:
    """The rule set frozen into the proposal when it was registered (None for a draft)."""
    return _ruleset_from_json(proposal.ruleset_json) if proposal.ruleset_json else None


def state_of(proposal: Proposal) -> State:
    """The proposal's state as the core state machine's enum."""
    return State(proposal.state.value)


def state_text(proposal: Proposal) -> str:
    """'Collecting signatures', 'Lapsed', ..."""
    return STATE_TEXT[state_of(proposal)]


def path_of(proposal: Proposal) -> str:
    """The proposal page's path, for notices."""
    return f"/proposals/{proposal.public_id}"


def lock(session: Session, proposal_id: int) -> Proposal:
    """Load the proposal for change, holding its row until commit (PostgreSQL).

    SQLite: begin_write() takes the database write lock (BEGIN IMMEDIATE) first, so
    there the FOR UPDATE is left out by SQLAlchemy and nothing is lost. The row is
    reloaded under the lock; the author and group are not (they come from the session
    when a step needs them).
    """
    begin_write(session)
    proposal = session.execute(
        select(Proposal)
        .where(Proposal.id == proposal_id)
        .options(lazyload(Proposal.author), lazyload(Proposal.local_group))
        .with_for_update(of=Proposal)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if proposal is None:
        raise NotFoundError(_l("There is no such proposal."))
    return proposal


# Built once: every proposal page and action looks the proposal up this way.
_BY_REF = select(Proposal).where(Proposal.public_id == bindparam("ref"))


def get_by_ref(session: Session, ref: str, *, viewer_id: int | None = None) -> Proposal:
    """The proposal with this public id; a draft only for its author (404 for others)."""
    proposal = session.execute(_BY_REF, {"ref": ref}).scalar_one_or_none()
    if proposal is None or (
        proposal.state == ProposalState.DRAFT and proposal.author_id != viewer_id
    ):
        raise NotFoundError(_l("There is no such proposal, or it is still a draft."))
    return proposal


def electorate_for(session: Session, proposal: Proposal) -> tuple[int, dict[str, int]]:
    """Active members who could sign, in total and per group, within the proposal's scope."""
    total, by_group = rulebook.electorate(session)
    if proposal.local_group is not None:
        name = proposal.local_group.name
        return by_group.get(name, 0), {name: by_group.get(name, 0)}
    return total, by_group


def _is_reopening(came_from: State, to: State) -> bool:
    """Back to collecting after invalidated signatures undid a qualification."""
    return to is State.COLLECTING and came_from in (State.QUALIFIED, State.DELIBERATION)


def _enter(
    session: Session, proposal: Proposal, came_from: State, to: State, ruleset: RuleSet, now
):
    """Set the dates that belong to the stage being entered."""
    if to is State.AWAITING_COMMITTEE:
        proposal.committee_deadline_at = lifecycle.committee_deadline(ruleset, now)
    elif _is_reopening(came_from, to):
        # The window and electorate it opened with stand; only the qualification goes.
        proposal.qualified_at = None
        proposal.deliberation_ends_at = None
    elif to is State.COLLECTING:
        proposal.signatures_open_at = now
        proposal.collection_closes_at = lifecycle.collection_closes(ruleset, now)
        total, by_group = electorate_for(session, proposal)
        proposal.electorate_size = total
        proposal.electorate_json = json.dumps(by_group, sort_keys=True)
    elif to is State.QUALIFIED:
        proposal.qualified_at = now
        proposal.closed_at = None  # set if a lapse is being undone (threshold_reversal.revive)
        if lifecycle.leads_to_vote(ruleset):
            proposal.deliberation_ends_at = lifecycle.deliberation_ends(ruleset, now)
    if to in lifecycle.FINAL:
        proposal.closed_at = now


def transition(
    session: Session,
    proposal: Proposal,
    step: Step,
    *,
    now: datetime,
    actor: Member | None = None,
    base_url: str = "",
) -> None:
    """Take one step of the state machine, in the caller's transaction (no commit)."""
    current = state_of(proposal)
    lifecycle.check_transition(current, step.to)
    ruleset = frozen_ruleset(proposal)
    session.add(
        ProposalTransition(
            proposal_id=proposal.id,
            from_state=proposal.state,
            to_state=ProposalState(step.to.value),
            at=now,
            cause=step.cause,  # ProposalTransition keeps its msgid and cuts it to size
            actor_id=actor.id if actor else None,
        )
    )
    proposal.state = ProposalState(step.to.value)
    if ruleset is not None:
        _enter(session, proposal, current, step.to, ruleset, now)
    session.flush()
    proposal_notices.notify_step(
        session,
        proposal,
        step.to,
        reopened=_is_reopening(current, step.to),
        path=path_of(proposal),
        now=now,
        base_url=base_url,
    )


def on_deliberation_over(session: Session, proposal: Proposal, *, now: datetime, base_url=""):
    """Deliberation has ended: voting opens, and the members' referendum opens with it.

    The step to VOTING is taken here (timeline, notices); then, when the frozen rules
    have a vote, services.referendums opens the yes/no referendum under them, with a
    rule-change proposal's amendment frozen into it. That call COMMITS the caller's
    transaction (advance() tolerates it: nothing after this step depends on the lock).
    """
    transition(
        session,
        proposal,
        Step(State.VOTING, N_("Deliberation is over: voting opens")),
        now=now,
        base_url=base_url,
    )
    ruleset = frozen_ruleset(proposal)
    if ruleset is None or ruleset.vote is None:
        return
    referendums.open_referendum_for_proposal(
        session,
        proposal.id,
        now,
        amendment=json.loads(proposal.amendment_json) if proposal.amendment_json else None,
    )


def crossings_count(session: Session, proposal_id: int) -> int:
    """How many tiers the proposal has crossed and still holds (none reversed)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(ThresholdCrossing)
            .where(
                ThresholdCrossing.proposal_id == proposal_id,
                ThresholdCrossing.reversed_at.is_(None),
            )
        )
        or 0
    )


def _clock(proposal: Proposal) -> lifecycle.Clock:
    return lifecycle.Clock(
        committee_deadline_at=proposal.committee_deadline_at,
        collection_closes_at=proposal.collection_closes_at,
        deliberation_ends_at=proposal.deliberation_ends_at,
    )


def _escalate(session: Session, proposal: Proposal, now: datetime, base_url: str) -> None:
    proposal.gate_escalated_at = now
    audit_log.record(
        session,
        actor=None,
        action="proposal.gate_overdue",
        payload={
            "proposal": proposal.public_id,
            "deadline": proposal.committee_deadline_at.isoformat(),
        },
        now=now,
    )
    notifications.notify(
        session,
        member_ids=proposal_notices.committee_ids(session),
        kind="committee_gate",
        text=_l("Overdue: the committee has not decided on “%(title)s”", title=proposal.title),
        now=now,
        proposal_id=proposal.id,
        path=path_of(proposal),
        base_url=base_url,
    )


def _due(session: Session, proposal: Proposal, now: datetime) -> Step | None:
    ruleset = frozen_ruleset(proposal)
    state = state_of(proposal)
    met = 0
    if state is State.COLLECTING and proposal.collection_closes_at is not None:
        met = crossings_count(session, proposal.id) if now >= proposal.collection_closes_at else 0
    return lifecycle.due_step(state, ruleset, _clock(proposal), now, tiers_met=met)


def _is_overdue(proposal: Proposal, now: datetime) -> bool:
    state, ruleset = state_of(proposal), frozen_ruleset(proposal)
    return proposal.gate_escalated_at is None and lifecycle.gate_overdue(
        state, ruleset, _clock(proposal), now
    )


def advance(session: Session, proposal: Proposal, *, now: datetime, base_url: str = "") -> int:
    """Take every step that is due now, in the caller's transaction; returns how many."""
    taken = 0
    for _ in range(len(State)):
        if _is_overdue(proposal, now):
            _escalate(session, proposal, now, base_url)
        step = _due(session, proposal, now)
        if step is None:
            break
        if step.to is State.VOTING:
            on_deliberation_over(session, proposal, now=now, base_url=base_url)
        else:
            transition(session, proposal, step, now=now, base_url=base_url)
        if step.to is State.COLLECTING:
            audit_log.record(
                session,
                actor=None,
                action="proposal.admitted_by_silence",
                payload={"proposal": proposal.public_id},
                now=now,
            )
        taken += 1
    return taken


def is_due(proposal: Proposal, now: datetime) -> bool:
    """A cheap check, without a query, whether anything may be due for this proposal."""
    state = state_of(proposal)
    if state is State.QUALIFIED:
        return True
    deadline = {
        State.AWAITING_COMMITTEE: proposal.committee_deadline_at,
        State.COLLECTING: proposal.collection_closes_at,
        State.DELIBERATION: proposal.deliberation_ends_at,
    }.get(state)
    if state is State.AWAITING_COMMITTEE and proposal.gate_escalated_at is not None:
        return deadline is not None and now >= deadline and _due_without_query(proposal, now)
    return deadline is not None and now >= deadline


def _due_without_query(proposal: Proposal, now: datetime) -> bool:
    ruleset = frozen_ruleset(proposal)
    return lifecycle.due_step(state_of(proposal), ruleset, _clock(proposal), now) is not None


def advance_if_due(session: Session, proposal: Proposal, now: datetime, base_url: str = "") -> bool:
    """Evaluate-on-read: move the proposal on if a deadline has passed, and commit."""
    if not is_due(proposal, now):
        return False
    locked = lock(session, proposal.id)
    taken = advance(session, locked, now=now, base_url=base_url)
    session.commit()
    return bool(taken)


def _due_filter(now: datetime):
    return or_(
        (Proposal.state == ProposalState.QUALIFIED),
        (Proposal.state == ProposalState.COLLECTING) & (Proposal.collection_closes_at <= now),
        (Proposal.state == ProposalState.AWAITING_COMMITTEE)
        & (Proposal.committee_deadline_at <= now),
        (Proposal.state == ProposalState.DELIBERATION) & (Proposal.deliberation_ends_at <= now),
    )


def advance_due(session: Session, *, now: datetime, base_url: str = "") -> int:
    """Move on every proposal whose deadline has passed (the cron job); returns steps taken."""
    ids = list(session.scalars(select(Proposal.id).where(_due_filter(now)).order_by(Proposal.id)))
    session.rollback()
    taken = 0
    for proposal_id in ids:
        proposal = lock(session, proposal_id)
        taken += advance(session, proposal, now=now, base_url=base_url)
        session.commit()
    return taken


def withdraw(
    session: Session, *, proposal_id: int, author_id: int, now: datetime, base_url: str = ""
) -> Proposal:
    """The author withdraws the proposal, at any time before it qualifies."""
    proposal = lock(session, proposal_id)
    if proposal.author_id != author_id:
        raise NotFoundError(_l("Only the proposal's author can do that."))
    advance(session, proposal, now=now, base_url=base_url)
    if state_of(proposal) not in lifecycle.WITHDRAWABLE:
        raise PhaseError(
            _l(
                "This proposal is at the stage “%(state)s” and can no longer be withdrawn.",
                state=lazy_label(proposal.state),
            )
        )
    transition(
        session,
        proposal,
        Step(State.WITHDRAWN, N_("Withdrawn by the author")),
        now=now,
        base_url=base_url,
    )
    session.commit()
    return proposal
