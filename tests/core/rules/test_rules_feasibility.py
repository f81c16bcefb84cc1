"""How past proposals and referendums fare under a rule set."""

from fractions import Fraction

from deliberate.core.rules import History, PastProposal, PastReferendum, assess_feasibility
from deliberate.core.rules.feasibility import NO_PROPOSALS, NO_REFERENDUMS
from deliberate.core.rules.presets import (
    madrid_consul,
    momentum_2017,
    swiss_popular_initiative,
    uk_parliament_petitions,
)

HISTORY = History(
    proposals=(
        PastProposal(signatures=800, days=30),
        PastProposal(signatures=1_500, days=60),
        PastProposal(signatures=4_500, days=90),
    ),
    referendums=(
        PastReferendum(electorate=40_000, yes=10_000, no=4_000, abstain=0),  # 35% turnout
        PastReferendum(electorate=40_000, yes=5_000, no=1_400, abstain=0),  # 16% turnout
    ),
)


def test_no_history_says_there_is_nothing_to_compare_with():
    result = assess_feasibility(momentum_2017(), History(), 40_001, {})
    assert result.sentences == (NO_PROPOSALS, NO_REFERENDUMS)
    assert result.median_signatures is None and result.best_turnout is None
    assert [tier.proposals_qualified for tier in result.tiers] == [0, 0]


def test_counts_past_proposals_that_would_qualify_per_tier():
    result = assess_feasibility(momentum_2017(), HISTORY, 40_001, {})
    assert [tier.required for tier in result.tiers] == [1_000, 4_001]
    assert [tier.proposals_qualified for tier in result.tiers] == [2, 1]
    assert result.median_signatures == 1_500 and result.best_signatures == 4_500


def test_turnout_quorum_is_compared_with_best_and_last_ballot():
    result = assess_feasibility(momentum_2017(), HISTORY, 40_001, {})
    assert result.referendums_passed == 1
    assert (result.best_turnout, result.last_turnout) == (Fraction(35, 100), Fraction(16, 100))
    assert "30% turnout needed; best ever 35%; last ballot 16%" in result.sentences
    assert "1 of 2 past referendums would have passed" in result.sentences


def test_without_a_quorum_both_past_referendums_pass():
    result = assess_feasibility(madrid_consul(), HISTORY, 40_001, {})
    assert result.referendums_passed == 2


def test_proposal_longer_than_the_window_is_counted_at_its_close():
    # At a steady pace, 20,000 over 366 days is exactly 10,000 by day 183; 19,999 is not.
    history = History(proposals=(PastProposal(signatures=20_000, days=366),))
    result = assess_feasibility(uk_parliament_petitions(), history, 1_000_000, {})
    assert result.tiers[0].proposals_qualified == 1
    history = History(proposals=(PastProposal(signatures=19_999, days=366),))
    result = assess_feasibility(uk_parliament_petitions(), history, 1_000_000, {})
    assert result.tiers[0].proposals_qualified == 0


def test_pace_needed_is_compared_with_the_fastest_ever():
    result = assess_feasibility(uk_parliament_petitions(), HISTORY, 1_000_000, {})
    assert result.fastest_per_day == 50
    assert result.tiers[0].per_day_needed == Fraction(10_000, 183)
    assert result.sentences[0] == (
        "Tier 1 (the committee must respond): 10,000 signatures needed; median past proposal "
        "1,500, best ever 4,500; 0 of 3 past proposals would have qualified. "
        "That is 55 a day over the window; the fastest ever was 50 a day"
    )


def test_double_majority_referendum_without_group_results_is_not_judged():
    result = assess_feasibility(swiss_popular_initiative(), HISTORY, 40_001, {})
    assert (result.referendums_passed, result.referendums_unjudged) == (0, 2)
    assert "2 could not be judged without results by local group" in result.sentences


def test_rule_set_without_a_vote_says_nothing_about_referendums():
    result = assess_feasibility(uk_parliament_petitions(), HISTORY, 1_000_000, {})
    assert not any("referendum" in sentence for sentence in result.sentences)
