"""Thresholds: rounding up, combining, describing, refusing nonsense."""

from fractions import Fraction

import pytest

from deliberate.core.errors import ValidationError
from deliberate.core.rules import (
    Combine,
    Distribution,
    Threshold,
    describe_distribution,
    describe_threshold,
    required_signatures,
)

FIVE_PERCENT = Fraction(5, 100)


@pytest.mark.parametrize(
    ("members", "needed"),
    [
        (0, 0),
        (1, 1),
        (19, 1),
        (20, 1),
        (21, 2),
        (40_000, 2_000),
        (40_001, 2_001),
        (40_020, 2_001),
        (40_021, 2_002),
    ],
)
def test_percentage_rounds_up_to_whole_members(members, needed):
    assert required_signatures(Threshold(share=FIVE_PERCENT), members) == needed


@pytest.mark.parametrize(
    ("combine", "members", "needed"),
    [
        (Combine.LOWER, 19_999, 1_000),
        (Combine.LOWER, 20_000, 1_000),
        (Combine.LOWER, 19_980, 999),
        (Combine.LOWER, 40_001, 1_000),
        (Combine.HIGHER, 19_980, 1_000),
        (Combine.HIGHER, 20_000, 1_000),
        (Combine.HIGHER, 20_001, 1_001),
        (Combine.HIGHER, 40_001, 2_001),
    ],
)
def test_combined_threshold_takes_lower_or_higher(combine, members, needed):
    threshold = Threshold(count=1_000, share=FIVE_PERCENT, combine=combine)
    assert required_signatures(threshold, members) == needed


def test_absolute_count_ignores_membership():
    assert required_signatures(Threshold(count=10_000), 3) == 10_000


@pytest.mark.parametrize(
    ("threshold", "text"),
    [
        (Threshold(count=1_000), "1,000 signatures"),
        (Threshold(count=1), "1 signature"),
        (Threshold(share=FIVE_PERCENT), "5% of members"),
        (Threshold(share=Fraction(1, 40)), "2.5% of members"),
        (Threshold(share=Fraction(1, 3)), "1/3 (about 33.3%) of members"),
        (
            Threshold(count=1_000, share=FIVE_PERCENT, combine=Combine.LOWER),
            "5% of members or 1,000, whichever is lower",
        ),
        (
            Threshold(count=1_000, share=FIVE_PERCENT, combine=Combine.HIGHER),
            "5% of members or 1,000, whichever is higher",
        ),
    ],
)
def test_threshold_described_in_plain_words(threshold, text):
    assert describe_threshold(threshold) == text


def test_distribution_described_in_plain_words():
    distribution = Distribution(groups_needed=7, minimum=Threshold(count=50))
    assert (
        describe_distribution(distribution)
        == "at least 7 local groups must each reach 50 signatures"
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "a number of signatures, a percentage, or both"),
        ({"share": Fraction(101, 100)}, "more than 100%"),
        ({"share": Fraction(0)}, "more than 0%"),
        ({"share": Fraction(-1, 10)}, "more than 0%"),
        ({"share": 0.05}, "exact fraction"),
        ({"count": -5}, "at least 1"),
        ({"count": 0}, "at least 1"),
        ({"count": True}, "whole number"),
        ({"count": 1_000, "share": FIVE_PERCENT}, "lower or the higher"),
        ({"count": 1_000, "combine": Combine.LOWER}, "only applies"),
    ],
)
def test_invalid_threshold_is_refused_in_plain_words(kwargs, message):
    with pytest.raises(ValidationError, match=message):
        Threshold(**kwargs)


def test_distribution_needs_at_least_one_group():
    with pytest.raises(ValidationError, match="at least 1"):
        Distribution(groups_needed=0, minimum=Threshold(count=5))


def test_negative_membership_is_refused():
    with pytest.raises(ValidationError):
        required_signatures(Threshold(count=5), -1)
