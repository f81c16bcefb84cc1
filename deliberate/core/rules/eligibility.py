"""Who may take part: membership status, length of membership, local group."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum

from deliberate.core.errors import ValidationError
from deliberate.core.rules._checks import check_enum, check_int, check_text
from deliberate.core.rules._format import date_text, days_text, plural


class MembershipStatus(Enum):
    """A member's standing."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    LAPSED = "lapsed"
    EXPELLED = "expelled"


class CountedUntil(Enum):
    """The freeze date: the moment up to which length of membership is counted.

    The service turns this into the ``on`` date it passes to check_eligibility, so that
    joining after signatures open (say) cannot earn a vote.
    """

    SIGNATURES_OPEN = "signatures_open"
    VOTING_OPENS = "voting_opens"
    DAY_OF_ACTION = "day_of_action"


_STATUS_REASONS = {
    MembershipStatus.ACTIVE: "Your membership is active, but only {allowed} members may take part",
    MembershipStatus.SUSPENDED: "Your membership is suspended",
    MembershipStatus.LAPSED: "Your membership has lapsed",
    MembershipStatus.EXPELLED: "You have been expelled",
}

COUNTED_UNTIL_TEXT = {
    CountedUntil.SIGNATURES_OPEN: "the day signatures open",
    CountedUntil.VOTING_OPENS: "the day voting opens",
    CountedUntil.DAY_OF_ACTION: "the day the member signs or votes",
}


@dataclass(frozen=True)
class Eligibility:
    """Who may sign and vote: allowed statuses, minimum days of membership, optional group."""

    statuses: frozenset[MembershipStatus] = frozenset({MembershipStatus.ACTIVE})
    min_membership_days: int = 0
    counted_until: CountedUntil = CountedUntil.DAY_OF_ACTION
    group: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.statuses, str) or not self.statuses:
            raise ValidationError("At least one membership status must be allowed to take part.")
        statuses = frozenset(
            check_enum(status, MembershipStatus, "A membership status") for status in self.statuses
        )
        object.__setattr__(self, "statuses", statuses)
        check_int(self.min_membership_days, "The minimum days of membership")
        object.__setattr__(
            self, "counted_until", check_enum(self.counted_until, CountedUntil, "Counted until")
        )
        if self.group is not None:
            check_text(self.group, "The local group")


def statuses_text(statuses: frozenset[MembershipStatus]) -> str:
    """'active', 'active or suspended'."""
    names = [status.value for status in MembershipStatus if status in statuses]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def check_eligibility(
    rules: Eligibility,
    member_status: str | MembershipStatus,
    joined_on: date,
    member_group: str | None,
    on: date,
) -> list[str]:
    """The reasons, in plain words, that a member may NOT take part; empty means eligible.

    ``rules`` may also be a RuleSet, whose eligibility is used. ``on`` is the freeze date
    (see CountedUntil): membership is counted up to it.
    """
    rules = getattr(rules, "eligibility", rules)
    status = check_enum(member_status, MembershipStatus, "The membership status")
    reasons = []
    if status not in rules.statuses:
        reasons.append(_STATUS_REASONS[status].format(allowed=statuses_text(rules.statuses)))
    days = (on - joined_on).days
    if days < 0:
        reasons.append(
            f"You joined on {date_text(joined_on)}, after membership was counted on {date_text(on)}"
        )
    elif days < rules.min_membership_days:
        needed = rules.min_membership_days
        verb = "is" if needed == 1 else "are"
        reasons.append(f"You have been a member for {days_text(days)}; {needed:,} {verb} needed")
    if rules.group is not None and member_group != rules.group:
        reasons.append(f"This proposal is open only to members of {rules.group}")
    return reasons


def describe_eligibility(rules: Eligibility) -> str:
    """One sentence on who may take part."""
    who = f"{statuses_text(rules.statuses).capitalize()} members"
    if rules.group is not None:
        who += f" of {rules.group}"
    if rules.min_membership_days:
        who += (
            f" who have been members for at least {plural(rules.min_membership_days, 'day')}, "
            f"counted up to {COUNTED_UNTIL_TEXT[rules.counted_until]}"
        )
    return who + " may take part"
