"""Signature tiers: one signature either side of each threshold, spreads, pace."""

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest

from deliberate.core.errors import ValidationError
from deliberate.core.rules import (
    Consequence,
    Distribution,
    RuleSet,
    Threshold,
    Tier,
    evaluate_signatures,
    signatures_per_day_needed,
)
from deliberate.core.rules.presets import momentum_2017, uk_parliament_petitions


@pytest.mark.parametrize(
    ("signatures", "met", "still_needed"),
    [
        (9_999, [False, False], [1, 90_001]),
        (10_000, [True, False], [0, 90_000]),
        (99_999, [True, False], [0, 1]),
        (100_000, [True, True], [0, 0]),
        (100_001, [True, True], [0, 0]),
    ],
)
def test_each_tier_is_met_from_its_exact_count(signatures, met, still_needed):
    status = evaluate_signatures(uk_parliament_petitions(), signatures, {}, {}, 1_000_000)
    assert [tier.is_met for tier in status.tiers] == met
    assert [tier.still_needed for tier in status.tiers] == still_needed


def test_highest_met_tier_is_reported():
    status = evaluate_signatures(uk_parliament_petitions(), 10_000, {}, {}, 1_000_000)
    assert status.highest_met.consequence is Consequence.COMMITTEE_MUST_RESPOND
    assert not status.qualifies_for_vote


def test_no_tier_met_has_no_highest():
    assert evaluate_signatures(uk_parliament_petitions(), 0, {}, {}, 10).highest_met is None


@pytest.mark.parametrize(("signatures", "qualifies"), [(4_000, False), (4_001, True)])
def test_momentum_vote_needs_ten_percent_rounded_up(signatures, qualifies):
    status = evaluate_signatures(momentum_2017(), signatures, {}, {}, 40_001)
    assert status.tiers[1].required == 4_001
    assert status.qualifies_for_vote is qualifies


def spread_rules():
    distribution = Distribution(groups_needed=2, minimum=Threshold(share=Fraction(1, 10)))
    return RuleSet(
        "Campaign", (Tier(Threshold(count=30), Consequence.DEBATE, distribution=distribution),)
    )


MEMBERS = {"Leeds": 100, "York": 50, "Hull": 21}


@pytest.mark.parametrize(
    ("by_group", "groups_met", "met"),
    [
        ({"Leeds": 10, "York": 4, "Hull": 16}, 2, True),  # Hull needs 3 (10% of 21, up)
        ({"Leeds": 10, "York": 4, "Hull": 2}, 1, False),
        ({"Leeds": 9, "York": 5, "Hull": 16}, 2, True),
        ({"Leeds": 9, "York": 4, "Hull": 17}, 1, False),
    ],
)
def test_spread_counts_groups_at_their_own_minimum(by_group, groups_met, met):
    status = evaluate_signatures(spread_rules(), 30, by_group, MEMBERS, 171)
    tier = status.tiers[0]
    assert tier.distribution.groups_met == groups_met
    assert tier.is_met is met


def test_group_progress_shows_each_groups_minimum():
    status = evaluate_signatures(spread_rules(), 30, {"Leeds": 30}, MEMBERS, 171)
    progress = {
        g.group: (g.signatures, g.needed, g.is_met) for g in status.tiers[0].distribution.groups
    }
    assert progress == {"Hull": (0, 3, False), "Leeds": (30, 10, True), "York": (0, 5, False)}


def test_enough_signatures_without_spread_does_not_meet_tier():
    status = evaluate_signatures(spread_rules(), 1_000, {"Leeds": 1_000}, MEMBERS, 171)
    assert status.tiers[0].still_needed == 0
    assert not status.tiers[0].is_met


def test_empty_group_never_counts_towards_a_spread():
    rules = spread_rules()
    status = evaluate_signatures(rules, 30, {"Leeds": 30}, {"Leeds": 100, "Ghost": 0}, 100)
    assert status.tiers[0].distribution.groups_met == 1


def test_signatures_in_an_unknown_group_are_refused():
    with pytest.raises(ValidationError, match="no member count"):
        evaluate_signatures(spread_rules(), 5, {"Atlantis": 5}, MEMBERS, 171)


def test_group_signatures_beyond_the_total_are_refused():
    with pytest.raises(ValidationError, match="more than the total"):
        evaluate_signatures(spread_rules(), 5, {"Leeds": 6}, MEMBERS, 171)


def test_pace_is_exact_over_whole_days():
    assert signatures_per_day_needed(100, date(2024, 5, 1), date(2024, 5, 4)) == Fraction(100, 3)


def test_pace_counts_part_days():
    now = datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert signatures_per_day_needed(100, now, now + timedelta(hours=12)) == 200


def test_nothing_needed_needs_no_pace_even_after_the_deadline():
    assert signatures_per_day_needed(0, date(2024, 5, 5), date(2024, 5, 4)) == 0


def test_pace_after_the_deadline_is_refused():
    with pytest.raises(ValidationError, match="closed"):
        signatures_per_day_needed(1, date(2024, 5, 4), date(2024, 5, 4))
