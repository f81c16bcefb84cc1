"""Vote outcomes: boundary tables around every quorum and majority, and the verdict."""

from fractions import Fraction

import pytest

from deliberate.core.errors import ValidationError
from deliberate.core.rules import AbstentionMode, Majority, VoteRules, evaluate_vote

SIMPLE = VoteRules()
TWO_THIRDS = VoteRules(majority=Majority(Fraction(2, 3)))
TWO_THIRDS_AT_LEAST = VoteRules(majority=Majority(Fraction(2, 3), is_strict=False))
QUORUM = VoteRules(turnout_quorum=Fraction(30, 100))


@pytest.mark.parametrize(("yes", "passed"), [(199, False), (200, False), (201, True)])
def test_two_thirds_strict_rule_needs_more_than_two_thirds(yes, passed):
    assert evaluate_vote(TWO_THIRDS, 1_000, yes, 100, 0).is_passed is passed


def test_two_thirds_rule_fails_one_vote_short():
    outcome = evaluate_vote(TWO_THIRDS_AT_LEAST, 1_000, 199, 100, 0)
    assert not outcome.is_passed
    assert outcome.verdict.startswith("Failed: 66.5% voted yes (at least two thirds was needed)")


@pytest.mark.parametrize(("yes", "passed"), [(199, False), (200, True), (201, True)])
def test_two_thirds_inclusive_rule_passes_at_exactly_two_thirds(yes, passed):
    assert evaluate_vote(TWO_THIRDS_AT_LEAST, 1_000, yes, 100, 0).is_passed is passed


def test_tie_fails_a_simple_majority_and_says_tied():
    outcome = evaluate_vote(SIMPLE, 100, 40, 40, 0)
    assert outcome.is_tied and not outcome.is_passed
    assert outcome.verdict == (
        "Failed: the vote was tied, 40 for and 40 against (a simple majority was needed) "
        "on a turnout of 80%"
    )


def test_tie_passes_an_at_least_half_rule():
    rules = VoteRules(majority=Majority(Fraction(1, 2), is_strict=False))
    assert evaluate_vote(rules, 100, 40, 40, 0).is_passed


@pytest.mark.parametrize(("voters", "met"), [(299, False), (300, True), (301, True)])
def test_turnout_quorum_is_met_from_exactly_the_quorum(voters, met):
    outcome = evaluate_vote(QUORUM, 1_000, voters, 0, 0)
    assert outcome.is_turnout_met is met
    assert outcome.is_passed is met


def test_quorum_failure_verdict_mentions_the_yes_share():
    outcome = evaluate_vote(QUORUM, 1_000, 133, 47, 0)
    assert outcome.verdict == "Failed: turnout 18% is below the 30% quorum, though 73.8% voted yes"


def test_turnout_just_under_quorum_is_never_shown_as_the_quorum():
    outcome = evaluate_vote(QUORUM, 10_000, 2_999, 0, 0)
    assert outcome.verdict.startswith("Failed: turnout 29.9% is below the 30% quorum")


def test_share_just_over_a_threshold_gets_enough_decimals_to_show_it():
    outcome = evaluate_vote(QUORUM, 10_000, 1_501, 1_500, 0)
    assert outcome.verdict == (
        "Passed: 50.01% voted yes (a simple majority was needed) on a turnout of 30.01% "
        "(30% needed)"
    )


def test_pass_verdict_names_majority_and_quorum():
    outcome = evaluate_vote(QUORUM, 1_000, 248, 152, 10)
    assert outcome.verdict == (
        "Passed: 62% voted yes (a simple majority was needed) on a turnout of 41% (30% needed)"
    )


@pytest.mark.parametrize(
    ("mode", "turnout", "yes_share", "passed"),
    [
        (AbstentionMode.EXCLUDED, Fraction(90, 100), Fraction(30, 50), True),
        (AbstentionMode.AGAINST, Fraction(90, 100), Fraction(30, 90), False),
        (AbstentionMode.IGNORED, Fraction(50, 100), Fraction(30, 50), True),
    ],
)
def test_abstentions_count_as_their_mode_says(mode, turnout, yes_share, passed):
    rules = VoteRules(abstentions=mode, turnout_quorum=Fraction(1, 2))
    outcome = evaluate_vote(rules, 100, 30, 20, 40)
    assert (outcome.turnout, outcome.yes_share, outcome.is_passed) == (turnout, yes_share, passed)


def test_ignored_abstentions_can_sink_a_turnout_quorum():
    rules = VoteRules(abstentions=AbstentionMode.IGNORED, turnout_quorum=Fraction(1, 2))
    assert not evaluate_vote(rules, 100, 30, 19, 40).is_turnout_met
    excluded = VoteRules(abstentions=AbstentionMode.EXCLUDED, turnout_quorum=Fraction(1, 2))
    assert evaluate_vote(excluded, 100, 30, 19, 40).is_turnout_met


@pytest.mark.parametrize("mode", list(AbstentionMode))
def test_all_abstentions_never_pass(mode):
    outcome = evaluate_vote(VoteRules(abstentions=mode), 10, 0, 0, 10)
    assert not outcome.is_passed


def test_all_abstentions_verdict_says_so():
    outcome = evaluate_vote(SIMPLE, 10, 0, 0, 10)
    assert outcome.yes_share is None
    assert outcome.verdict.startswith("Failed: every vote cast was an abstention")


def test_empty_electorate_fails_without_dividing_by_zero():
    outcome = evaluate_vote(QUORUM, 0, 0, 0, 0)
    assert (outcome.turnout, outcome.is_passed) == (0, False)
    assert outcome.verdict == "Failed: nobody was eligible to vote"


@pytest.mark.parametrize(("yes", "no", "passed"), [(1, 0, True), (0, 1, False), (0, 0, False)])
def test_electorate_of_one(yes, no, passed):
    outcome = evaluate_vote(QUORUM, 1, yes, no, 0)
    assert outcome.is_passed is passed


@pytest.mark.parametrize(("yes", "met"), [(249, False), (250, True)])
def test_approval_quorum_counts_yes_against_the_whole_electorate(yes, met):
    rules = VoteRules(approval_quorum=Fraction(1, 4))
    outcome = evaluate_vote(rules, 1_000, yes, 10, 0)
    assert outcome.is_approval_met is met


def test_approval_quorum_failure_is_explained():
    outcome = evaluate_vote(VoteRules(approval_quorum=Fraction(1, 4)), 1_000, 200, 10, 0)
    assert outcome.verdict.startswith(
        "Failed: yes votes came from 20% of the electorate, below the 25% approval quorum"
    )


DOUBLE = VoteRules(has_double_majority=True)


@pytest.mark.parametrize(
    ("groups", "passed"),
    [
        ({"A": (6, 4, 0), "B": (6, 4, 0), "C": (2, 8, 0)}, True),
        ({"A": (6, 4, 0), "B": (5, 5, 0), "C": (3, 7, 0)}, False),  # B tied: not approved
        ({"A": (6, 4, 0), "B": (4, 6, 0)}, False),  # 1 of 2 is not more than half
    ],
)
def test_double_majority_needs_more_than_half_of_groups(groups, passed):
    yes = sum(g[0] for g in groups.values())
    no = sum(g[1] for g in groups.values())
    outcome = evaluate_vote(DOUBLE, 100, max(yes, no + 1), min(yes, no + 1) - 1, 0, groups)
    assert outcome.is_group_majority_met is passed


def test_majority_of_voters_without_majority_of_groups_fails_and_says_so():
    groups = {"A": (50, 10, 0), "B": (4, 6, 0), "C": (4, 6, 0)}
    outcome = evaluate_vote(DOUBLE, 100, 58, 22, 0, groups)
    assert outcome.is_majority_met and not outcome.is_passed
    assert outcome.verdict == (
        "Failed: 72.5% voted yes, but only 1 of 3 local groups approved "
        "(a majority of local groups was needed)"
    )


def test_double_majority_without_group_results_is_refused():
    with pytest.raises(ValidationError, match="by group"):
        evaluate_vote(DOUBLE, 100, 60, 30, 0)


@pytest.mark.parametrize(
    ("electorate", "yes", "no", "abstain"),
    [(10, 6, 5, 0), (10, -1, 0, 0), (-1, 0, 0, 0), (10, 1.0, 0, 0)],
)
def test_impossible_counts_are_refused(electorate, yes, no, abstain):
    with pytest.raises(ValidationError):
        evaluate_vote(SIMPLE, electorate, yes, no, abstain)
