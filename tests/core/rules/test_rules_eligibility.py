"""Eligibility reasons in plain words."""

from datetime import date

import pytest

from deliberate.core.errors import ValidationError
from deliberate.core.rules import Eligibility, MembershipStatus, check_eligibility

RULES = Eligibility(min_membership_days=30, group="Leeds")
ON = date(2024, 6, 30)


def test_active_long_standing_local_member_is_eligible():
    assert check_eligibility(RULES, "active", date(2024, 1, 1), "Leeds", ON) == []


@pytest.mark.parametrize(
    ("joined", "eligible"),
    [(date(2024, 5, 31), True), (date(2024, 6, 1), False)],
)
def test_minimum_membership_boundary_is_exact(joined, eligible):
    assert (check_eligibility(RULES, "active", joined, "Leeds", ON) == []) is eligible


def test_short_membership_is_explained():
    reasons = check_eligibility(RULES, "active", date(2024, 6, 18), "Leeds", ON)
    assert reasons == ["You have been a member for 12 days; 30 are needed"]


def test_joining_after_the_freeze_date_is_explained():
    reasons = check_eligibility(RULES, "active", date(2024, 7, 2), "Leeds", ON)
    assert reasons == ["You joined on 2 July 2024, after membership was counted on 30 June 2024"]


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        ("suspended", "Your membership is suspended"),
        ("lapsed", "Your membership has lapsed"),
        ("expelled", "You have been expelled"),
    ],
)
def test_disallowed_status_is_explained(status, reason):
    assert check_eligibility(RULES, status, date(2024, 1, 1), "Leeds", ON) == [reason]


def test_other_group_is_explained():
    reasons = check_eligibility(RULES, "active", date(2024, 1, 1), "York", ON)
    assert reasons == ["This proposal is open only to members of Leeds"]


def test_every_reason_is_given_at_once():
    reasons = check_eligibility(RULES, MembershipStatus.LAPSED, date(2024, 6, 29), None, ON)
    assert reasons == [
        "Your membership has lapsed",
        "You have been a member for 1 day; 30 are needed",
        "This proposal is open only to members of Leeds",
    ]


def test_allowed_suspended_member_is_eligible():
    rules = Eligibility(statuses=frozenset({MembershipStatus.ACTIVE, MembershipStatus.SUSPENDED}))
    assert check_eligibility(rules, "suspended", ON, None, ON) == []


def test_unknown_status_is_refused():
    with pytest.raises(ValidationError, match="must be one of"):
        check_eligibility(RULES, "honorary", ON, None, ON)
