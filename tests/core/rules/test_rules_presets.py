"""A realistic scenario for each of the five real rule sets."""

from deliberate.core.rules import Consequence, evaluate_signatures, evaluate_vote
from deliberate.core.rules.presets import (
    european_citizens_initiative,
    madrid_consul,
    momentum_2017,
    swiss_popular_initiative,
    uk_parliament_petitions,
)


def test_uk_petition_with_15000_signatures_gets_a_response_but_no_debate():
    rules = uk_parliament_petitions()
    status = evaluate_signatures(rules, 15_000, {}, {}, 47_000_000)
    assert [tier.is_met for tier in status.tiers] == [True, False]
    assert status.tiers[1].still_needed == 85_000
    assert rules.co_sponsors == 5 and rules.collection_days == 183 and rules.vote is None


def test_momentum_2000_signatures_of_40001_members_meets_the_lower_1000():
    status = evaluate_signatures(momentum_2017(), 2_000, {}, {}, 40_001)
    assert status.tiers[0].required == 1_000  # 5% would be 2,001; the lower figure applies
    assert status.tiers[0].is_met
    assert status.tiers[0].consequence is Consequence.COMMITTEE_MUST_CONSIDER
    assert not status.qualifies_for_vote


def test_momentum_4001_signatures_force_an_all_member_vote():
    status = evaluate_signatures(momentum_2017(), 4_001, {}, {}, 40_001)
    assert status.qualifies_for_vote
    assert status.highest_met.consequence is Consequence.BINDING_REFERENDUM


def test_momentum_vote_with_18_percent_turnout_fails_despite_74_percent_yes():
    outcome = evaluate_vote(momentum_2017(), 40_000, 5_328, 1_872, 0)
    assert not outcome.is_passed
    assert outcome.verdict == "Failed: turnout 18% is below the 30% quorum, though 74% voted yes"


ECI_MEMBERS = {f"state-{n:02d}": 10_000_000 for n in range(27)}


def eci_status(by_group):
    total = 1_000_000
    by_group = by_group | {"state-26": total - sum(by_group.values())}
    return evaluate_signatures(
        european_citizens_initiative(), total, by_group, ECI_MEMBERS, 270_000_000
    )


def test_eci_million_signatures_in_seven_groups_past_their_minimum_qualifies():
    # 0.1% of a 10,000,000-member group is 10,000; six groups reach it, plus state-26.
    status = eci_status({f"state-{n:02d}": 10_000 for n in range(6)})
    assert status.tiers[0].distribution.groups_met == 7
    assert status.tiers[0].is_met


def test_eci_million_signatures_in_six_groups_is_not_enough():
    by_group = {f"state-{n:02d}": 10_000 for n in range(5)} | {"state-05": 9_999}
    status = eci_status(by_group)
    assert status.tiers[0].still_needed == 0
    assert status.tiers[0].distribution.groups_met == 6
    assert not status.tiers[0].is_met


def test_swiss_initiative_with_popular_majority_but_few_cantons_fails():
    rules = swiss_popular_initiative()
    assert evaluate_signatures(rules, 100_000, {}, {}, 5_500_000).qualifies_for_vote
    assert not evaluate_signatures(rules, 99_999, {}, {}, 5_500_000).qualifies_for_vote
    cantons = {"Zurich": (600, 400, 10), "Bern": (300, 350, 5), "Uri": (40, 60, 0)}
    outcome = evaluate_vote(rules, 3_000, 940, 810, 15, cantons)
    assert outcome.is_majority_met
    assert not outcome.is_passed
    assert "only 1 of 3 local groups approved" in outcome.verdict


def test_swiss_initiative_with_both_majorities_passes():
    cantons = {"Zurich": (600, 400, 0), "Bern": (360, 350, 0), "Uri": (40, 60, 0)}
    outcome = evaluate_vote(swiss_popular_initiative(), 3_000, 1_000, 810, 0, cantons)
    assert outcome.is_passed
    assert "and 2 of 3 local groups approved" in outcome.verdict


def test_madrid_one_percent_then_simple_majority_without_quorum():
    rules = madrid_consul()
    assert rules.vote.deliberation_days == 45 and rules.collection_days == 365
    assert evaluate_signatures(rules, 27_000, {}, {}, 2_700_000).qualifies_for_vote
    assert not evaluate_signatures(rules, 26_999, {}, {}, 2_700_000).qualifies_for_vote
    outcome = evaluate_vote(rules, 2_700_000, 60_000, 40_000, 5_000)
    assert outcome.is_passed
    assert outcome.verdict == (
        "Passed: 60% voted yes (a simple majority was needed) on a turnout of 3.8%"
    )
