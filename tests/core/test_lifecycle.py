"""The proposal state machine: allowed steps, and what each deadline does under the rules."""

from datetime import UTC, datetime, timedelta

import pytest

from deliberate.core import lifecycle
from deliberate.core.errors import PhaseError
from deliberate.core.lifecycle import ALLOWED, Clock, State, due_step
from deliberate.core.rules import Admission, Consequence, Threshold, Tier
from deliberate.models import ProposalState
from tests.proposal_builders import ruleset

T = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
S = State


def test_core_states_match_the_stored_states():
    assert [s.value for s in State] == [s.value for s in ProposalState]


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.DRAFT, S.SEEKING_COSPONSORS),
        (S.SEEKING_COSPONSORS, S.AWAITING_COMMITTEE),
        (S.AWAITING_COMMITTEE, S.COLLECTING),
        (S.AWAITING_COMMITTEE, S.REJECTED),
        (S.COLLECTING, S.QUALIFIED),
        (S.COLLECTING, S.LAPSED),
        (S.COLLECTING, S.WITHDRAWN),
        (S.QUALIFIED, S.DELIBERATION),
        (S.QUALIFIED, S.COLLECTING),
        (S.QUALIFIED, S.LAPSED),
        (S.DELIBERATION, S.VOTING),
        (S.DELIBERATION, S.COLLECTING),
        (S.DELIBERATION, S.LAPSED),
        (S.VOTING, S.PASSED),
        (S.VOTING, S.FAILED),
        (S.LAPSED, S.QUALIFIED),
    ],
)
def test_each_step_of_the_life_is_allowed(current, target):
    lifecycle.check_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.DRAFT, S.QUALIFIED),
        (S.COLLECTING, S.REJECTED),
        (S.QUALIFIED, S.WITHDRAWN),
        (S.LAPSED, S.COLLECTING),
        (S.LAPSED, S.DELIBERATION),
        (S.REJECTED, S.COLLECTING),
        (S.PASSED, S.FAILED),
        (S.DELIBERATION, S.PASSED),
        (S.VOTING, S.COLLECTING),
        (S.VOTING, S.LAPSED),
    ],
)
def test_steps_outside_the_machine_are_refused(current, target):
    with pytest.raises(PhaseError):
        lifecycle.check_transition(current, target)


def test_final_states_have_no_way_out_but_a_lapse_undone():
    assert {S.LAPSED, S.WITHDRAWN, S.REJECTED, S.PASSED, S.FAILED} == lifecycle.FINAL
    assert {state: ALLOWED[state] for state in lifecycle.FINAL if ALLOWED[state]} == {
        S.LAPSED: {S.QUALIFIED}
    }


@pytest.mark.parametrize(
    ("co_sponsors", "admission", "expected"),
    [
        (0, Admission(), S.COLLECTING),
        (3, Admission(), S.SEEKING_COSPONSORS),
        (0, Admission(is_required=True), S.AWAITING_COMMITTEE),
    ],
)
def test_registration_goes_to_cosponsors_the_gate_or_signatures(co_sponsors, admission, expected):
    rules = ruleset(co_sponsors=co_sponsors, admission=admission)
    assert lifecycle.after_registration(rules).to is expected


def test_window_is_half_open_closed_at_the_closing_instant():
    closes = T + timedelta(days=30)
    assert lifecycle.is_window_open(T, T, closes)
    assert lifecycle.is_window_open(closes - timedelta(milliseconds=1), T, closes)
    assert not lifecycle.is_window_open(closes, T, closes)
    assert not lifecycle.is_window_open(T - timedelta(seconds=1), T, closes)
    assert lifecycle.is_window_open(T + timedelta(days=9999), T, None)


def test_collecting_lapses_at_the_deadline_not_a_moment_before():
    rules = ruleset(threshold=10)
    clock = Clock(collection_closes_at=T)
    assert due_step(S.COLLECTING, rules, clock, T - timedelta(microseconds=1)) is None
    assert due_step(S.COLLECTING, rules, clock, T).to is S.LAPSED


def test_kind_without_a_vote_qualifies_at_close_if_a_tier_was_reached():
    rules = ruleset(vote=False)
    clock = Clock(collection_closes_at=T)
    assert due_step(S.COLLECTING, rules, clock, T, tiers_met=1).to is S.QUALIFIED
    assert due_step(S.COLLECTING, rules, clock, T, tiers_met=0).to is S.LAPSED


def test_committee_silence_admits_only_when_the_rules_say_so():
    silent = ruleset(admission=Admission(is_required=True, silence_days=7))
    must_decide = ruleset(admission=Admission(is_required=True))
    clock = Clock(committee_deadline_at=T)
    assert due_step(S.AWAITING_COMMITTEE, silent, clock, T).to is S.COLLECTING
    assert due_step(S.AWAITING_COMMITTEE, must_decide, clock, T) is None
    assert lifecycle.gate_overdue(S.AWAITING_COMMITTEE, must_decide, clock, T)
    assert not lifecycle.gate_overdue(S.AWAITING_COMMITTEE, must_decide, clock, T - timedelta(1))


def test_committee_deadline_defaults_when_silence_counts_for_nothing():
    rules = ruleset(admission=Admission(is_required=True))
    assert lifecycle.committee_deadline(rules, T) == T + timedelta(days=14)


def test_qualified_moves_to_deliberation_at_once_and_voting_when_it_ends():
    rules = ruleset()
    assert due_step(S.QUALIFIED, rules, Clock(), T).to is S.DELIBERATION
    clock = Clock(deliberation_ends_at=T)
    assert due_step(S.DELIBERATION, rules, clock, T - timedelta(seconds=1)) is None
    assert due_step(S.DELIBERATION, rules, clock, T).to is S.VOTING


def test_kind_without_a_vote_stops_at_qualified():
    assert due_step(S.QUALIFIED, ruleset(vote=False), Clock(), T) is None


def test_only_the_vote_tier_or_the_top_tier_of_a_voteless_kind_changes_state():
    two_tiers = ruleset(
        tiers=(
            Tier(Threshold(count=5), Consequence.COMMITTEE_MUST_CONSIDER),
            Tier(Threshold(count=10), Consequence.QUALIFIES_FOR_VOTE),
        )
    )
    assert lifecycle.after_crossing(two_tiers, 0) is None
    assert lifecycle.after_crossing(two_tiers, 1).to is S.QUALIFIED
    voteless = ruleset(
        vote=False,
        tiers=(
            Tier(Threshold(count=5), Consequence.COMMITTEE_MUST_RESPOND),
            Tier(Threshold(count=10), Consequence.DEBATE),
        ),
    )
    assert lifecycle.after_crossing(voteless, 0) is None
    assert lifecycle.after_crossing(voteless, 1).to is S.QUALIFIED


TWO_TIERS = ruleset(
    tiers=(
        Tier(Threshold(count=5), Consequence.COMMITTEE_MUST_CONSIDER),
        Tier(Threshold(count=10), Consequence.QUALIFIES_FOR_VOTE),
    )
)
VOTELESS = ruleset(
    vote=False,
    tiers=(
        Tier(Threshold(count=5), Consequence.COMMITTEE_MUST_RESPOND),
        Tier(Threshold(count=10), Consequence.DEBATE),
    ),
)


@pytest.mark.parametrize("state", [S.QUALIFIED, S.DELIBERATION])
def test_losing_the_vote_tier_reopens_collection_while_the_window_is_open(state):
    step = lifecycle.after_reversal(state, TWO_TIERS, met=frozenset({0}), window_open=True)
    assert step.to is S.COLLECTING
    lifecycle.check_transition(state, step.to)


def test_losing_the_vote_tier_after_the_window_closed_lapses():
    step = lifecycle.after_reversal(S.QUALIFIED, TWO_TIERS, met=frozenset(), window_open=False)
    assert step.to is S.LAPSED


def test_a_proposal_that_still_meets_its_vote_tier_stays_qualified():
    met = frozenset({0, 1})
    assert lifecycle.after_reversal(S.DELIBERATION, TWO_TIERS, met=met, window_open=True) is None


def test_a_voteless_kind_needs_its_top_tier_while_open_and_any_tier_once_closed():
    lower = frozenset({0})
    assert lifecycle.after_reversal(S.QUALIFIED, VOTELESS, met=lower, window_open=True).to is (
        S.COLLECTING
    )
    assert lifecycle.after_reversal(S.QUALIFIED, VOTELESS, met=lower, window_open=False) is None
    none = frozenset()
    assert lifecycle.after_reversal(S.QUALIFIED, VOTELESS, met=none, window_open=False).to is (
        S.LAPSED
    )


@pytest.mark.parametrize("state", [S.COLLECTING, S.VOTING, S.PASSED, S.FAILED, S.LAPSED])
def test_no_state_is_judged_again_outside_qualification(state):
    # Collecting has nothing to undo; from voting on, the vote stands.
    assert lifecycle.after_reversal(state, TWO_TIERS, met=frozenset(), window_open=True) is None


def test_a_lapse_is_undone_when_the_signatures_counted_again_qualify_it():
    step = lifecycle.after_restoration(S.LAPSED, TWO_TIERS, met=frozenset({0, 1}))
    assert step.to is S.QUALIFIED
    lifecycle.check_transition(S.LAPSED, step.to)


def test_a_lapse_stays_when_the_vote_tier_is_still_missed():
    assert lifecycle.after_restoration(S.LAPSED, TWO_TIERS, met=frozenset({0})) is None


def test_a_voteless_lapse_is_undone_by_any_tier_as_when_collection_closed():
    assert lifecycle.after_restoration(S.LAPSED, VOTELESS, met=frozenset({0})).to is S.QUALIFIED
    assert lifecycle.after_restoration(S.LAPSED, VOTELESS, met=frozenset()) is None


@pytest.mark.parametrize("state", [S.COLLECTING, S.QUALIFIED, S.VOTING, S.FAILED, S.REJECTED])
def test_only_a_lapse_is_undone(state):
    assert lifecycle.after_restoration(state, TWO_TIERS, met=frozenset({0, 1})) is None
