"""A proposal's life as an explicit state machine: which steps exist and what deadlines do.

Pure: states are plain enum values (the model's ProposalState uses the same strings),
times are aware datetimes passed in, and the frozen RuleSet decides what each deadline
means. Services apply the steps and record them; nothing here touches a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from deliberate.core.errors import PhaseError
from deliberate.core.messages import N_
from deliberate.core.rules import RuleSet

# When the rules require a committee decision but let silence count for nothing, the
# committee still has this long before the proposal is escalated to every member of it.
DEFAULT_GATE_DAYS = 14


class State(Enum):
    """The stages of a proposal; the values are the ones stored in the database."""

    DRAFT = "draft"
    SEEKING_COSPONSORS = "seeking_cosponsors"
    AWAITING_COMMITTEE = "awaiting_committee"
    COLLECTING = "collecting"
    QUALIFIED = "qualified"
    LAPSED = "lapsed"
    WITHDRAWN = "withdrawn"
    REJECTED = "rejected"
    DELIBERATION = "deliberation"
    VOTING = "voting"
    PASSED = "passed"
    FAILED = "failed"


S = State
ALLOWED: dict[State, frozenset[State]] = {
    S.DRAFT: frozenset({S.SEEKING_COSPONSORS, S.AWAITING_COMMITTEE, S.COLLECTING, S.WITHDRAWN}),
    S.SEEKING_COSPONSORS: frozenset({S.AWAITING_COMMITTEE, S.COLLECTING, S.WITHDRAWN}),
    S.AWAITING_COMMITTEE: frozenset({S.COLLECTING, S.REJECTED, S.WITHDRAWN}),
    S.COLLECTING: frozenset({S.QUALIFIED, S.LAPSED, S.WITHDRAWN}),
    # Back to COLLECTING or LAPSED: the qualification rested on signatures since
    # invalidated (after_reversal); once voting opens, the vote stands.
    S.QUALIFIED: frozenset({S.DELIBERATION, S.COLLECTING, S.LAPSED}),
    S.DELIBERATION: frozenset({S.VOTING, S.COLLECTING, S.LAPSED}),
    S.VOTING: frozenset({S.PASSED, S.FAILED}),
    # Back to QUALIFIED only when signatures the committee counts again (restored or
    # released) meet the threshold the lapse said was missed (after_restoration).
    S.LAPSED: frozenset({S.QUALIFIED}),
    S.WITHDRAWN: frozenset(),
    S.REJECTED: frozenset(),
    S.PASSED: frozenset(),
    S.FAILED: frozenset(),
}
EDITABLE = frozenset({S.DRAFT, S.SEEKING_COSPONSORS, S.AWAITING_COMMITTEE})
WITHDRAWABLE = frozenset({S.DRAFT, S.SEEKING_COSPONSORS, S.AWAITING_COMMITTEE, S.COLLECTING})
# Nothing more happens to these by itself (a lapse is undone only by after_restoration).
FINAL = frozenset({S.LAPSED, S.WITHDRAWN, S.REJECTED, S.PASSED, S.FAILED})

# What members read for each state (translated where shown: deliberate.labels).
STATE_TEXT = {
    S.DRAFT: N_("Draft"),
    S.SEEKING_COSPONSORS: N_("Seeking co-sponsors"),
    S.AWAITING_COMMITTEE: N_("Awaiting the committee"),
    S.COLLECTING: N_("Collecting signatures"),
    S.QUALIFIED: N_("Qualified"),
    S.LAPSED: N_("Lapsed"),
    S.WITHDRAWN: N_("Withdrawn"),
    S.REJECTED: N_("Rejected"),
    S.DELIBERATION: N_("In deliberation"),
    S.VOTING: N_("Voting"),
    S.PASSED: N_("Passed"),
    S.FAILED: N_("Failed"),
}


def check_transition(current: State, target: State) -> None:
    """Raise PhaseError unless ``current -> target`` is a step of the machine."""
    if target not in ALLOWED[current]:
        raise PhaseError(
            N_(
                "A proposal at the stage “%(current)s” cannot move to “%(target)s”.",
                current=STATE_TEXT[current],
                target=STATE_TEXT[target],
            )
        )


@dataclass(frozen=True)
class Step:
    """One step to take: the new state and the cause recorded on the timeline.

    The cause is stored as English text; causes without values are marked N_ so that the
    timeline can show them translated (the others stay as recorded).
    """

    to: State
    cause: str


def after_registration(ruleset: RuleSet) -> Step:
    """Where a draft goes when its author registers it."""
    if ruleset.co_sponsors:
        return Step(
            S.SEEKING_COSPONSORS,
            N_("Registered; %(n)s co-sponsors needed", n=ruleset.co_sponsors),
        )
    if ruleset.admission.is_required:
        return Step(
            S.AWAITING_COMMITTEE,
            N_("Registered; no co-sponsors needed; the committee must admit it"),
        )
    return Step(S.COLLECTING, N_("Registered; no co-sponsors needed; signatures open"))


def after_cosponsors(ruleset: RuleSet) -> Step:
    """Where a proposal goes once it has its co-sponsors: the committee gate, or signatures."""
    n = ruleset.co_sponsors
    if ruleset.admission.is_required:
        return Step(S.AWAITING_COMMITTEE, N_("%(n)s co-sponsors; the committee must admit it", n=n))
    return Step(S.COLLECTING, N_("%(n)s co-sponsors; signatures open", n=n))


def committee_deadline(ruleset: RuleSet, since: datetime) -> datetime:
    """When silence admits (if the rules say so) or the gate is escalated."""
    return since + timedelta(days=ruleset.admission.silence_days or DEFAULT_GATE_DAYS)


def collection_closes(ruleset: RuleSet, opens: datetime) -> datetime | None:
    """The end of the signature window, or None when collection has no time limit."""
    if ruleset.collection_days is None:
        return None
    return opens + timedelta(days=ruleset.collection_days)


def deliberation_ends(ruleset: RuleSet, qualified: datetime) -> datetime:
    """When deliberation is over and voting should open."""
    days = ruleset.vote.deliberation_days if ruleset.vote else 0
    return qualified + timedelta(days=days)


def is_window_open(now: datetime, opens: datetime | None, closes: datetime | None) -> bool:
    """The half-open window [opens, closes): at ``closes`` exactly it is already closed."""
    if opens is None or now < opens:
        return False
    return closes is None or now < closes


def leads_to_vote(ruleset: RuleSet) -> bool:
    """Whether this kind of proposal ever goes to a members' vote."""
    return ruleset.vote_tier is not None


def after_crossing(ruleset: RuleSet, tier_index: int) -> Step | None:
    """What crossing tier ``tier_index`` (0-based) does to a collecting proposal.

    The vote tier qualifies it; for a kind that never goes to a vote, reaching the top
    tier qualifies it (nothing more can be gained). Lower tiers change no state: their
    consequence is a notice to the committee.
    """
    tier = ruleset.tiers[tier_index]
    if tier.consequence.leads_to_vote:
        return Step(
            S.QUALIFIED, N_("Tier %(n)s reached: it goes to a members' vote", n=tier_index + 1)
        )
    if not leads_to_vote(ruleset) and tier_index == len(ruleset.tiers) - 1:
        return Step(S.QUALIFIED, N_("Tier %(n)s reached, the highest there is", n=tier_index + 1))
    return None


def after_reversal(
    state: State, ruleset: RuleSet, *, met: frozenset[int], window_open: bool
) -> Step | None:
    """What a qualified proposal does when invalidated signatures leave tiers unmet.

    ``met`` holds the tiers (0-based) the valid signatures still meet. The proposal is
    judged again as the rules would have judged it without those signatures: still
    qualified, back to collecting while the signature window is open (it keeps its
    window and electorate, and can qualify again), or lapsed once the window has
    closed. Only before voting: from VOTING on, members have voted and the vote stands.
    """
    if state not in (S.QUALIFIED, S.DELIBERATION):
        return None
    if _qualifies(ruleset, met, window_open=window_open):
        return None
    if window_open:
        return Step(
            S.COLLECTING,
            N_("Signatures invalidated: the threshold is no longer met; signatures are open again"),
        )
    return Step(
        S.LAPSED,
        N_("Signatures invalidated: the threshold is no longer met, and collection has closed"),
    )


def after_restoration(state: State, ruleset: RuleSet, *, met: frozenset[int]) -> Step | None:
    """What a lapsed proposal does when the committee counts signatures again.

    The committee restored signatures it had struck out, or released ones it held; they
    were all given while the window was open. If the valid signatures now meet the
    threshold as the rules judge it once collection has closed, the lapse rested on the
    committee's mistake and is undone: the proposal qualifies again (and, for a vote,
    deliberation starts afresh).
    """
    if state is not S.LAPSED or not _qualifies(ruleset, met, window_open=False):
        return None
    return Step(S.QUALIFIED, N_("Invalidated signatures restored: the threshold is met again"))


def _qualifies(ruleset: RuleSet, met: frozenset[int], *, window_open: bool) -> bool:
    """Whether tiers ``met`` (0-based) qualify a proposal, with its window open or shut."""
    if ruleset.vote_tier is not None:
        return ruleset.tiers.index(ruleset.vote_tier) in met
    if window_open:
        return len(ruleset.tiers) - 1 in met  # the highest tier there is
    return bool(met)  # collection closed with a tier reached


@dataclass(frozen=True)
class Clock:
    """The deadlines a proposal holds, as stored on it."""

    committee_deadline_at: datetime | None = None
    collection_closes_at: datetime | None = None
    deliberation_ends_at: datetime | None = None


def due_step(
    state: State,
    ruleset: RuleSet | None,
    clock: Clock,
    now: datetime,
    *,
    tiers_met: int = 0,
) -> Step | None:
    """The step a passed deadline (or an immediate rule) demands now, or None.

    ``tiers_met`` is how many tiers have been crossed. Escalation of a silent committee
    that must decide is not a state change; see ``gate_overdue``.
    """
    if ruleset is None:
        return None

    def passed(deadline: datetime | None) -> bool:
        return deadline is not None and now >= deadline

    if state is S.AWAITING_COMMITTEE and ruleset.admission.silence_days is not None:
        if passed(clock.committee_deadline_at):
            days = ruleset.admission.silence_days
            return Step(
                S.COLLECTING, N_("The committee was silent for %(n)s days: admitted", n=days)
            )
    elif state is S.COLLECTING and passed(clock.collection_closes_at):
        if tiers_met and not leads_to_vote(ruleset):
            return Step(
                S.QUALIFIED, N_("Collection closed with %(n)s tier(s) reached", n=tiers_met)
            )
        return Step(S.LAPSED, N_("Collection closed without reaching the threshold"))
    elif state is S.QUALIFIED and leads_to_vote(ruleset):
        return Step(S.DELIBERATION, N_("Qualified for a vote: deliberation begins"))
    elif state is S.DELIBERATION and passed(clock.deliberation_ends_at):
        return Step(S.VOTING, N_("Deliberation is over: voting opens"))
    return None


def gate_overdue(state: State, ruleset: RuleSet | None, clock: Clock, now: datetime) -> bool:
    """A committee that must decide has let its deadline pass: escalate (once)."""
    return (
        state is S.AWAITING_COMMITTEE
        and ruleset is not None
        and ruleset.admission.silence_days is None
        and clock.committee_deadline_at is not None
        and now >= clock.committee_deadline_at
    )
