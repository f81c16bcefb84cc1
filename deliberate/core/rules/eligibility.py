"""Who may take part: membership status, length of membership, local group."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum

from deliberate.core.errors import ValidationError
from deliberate.core.messages import N_, Message, join
from deliberate.core.rules._checks import check_enum, check_int, check_text
from deliberate.core.rules._format import counted, date_text, days_text


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
    MembershipStatus.ACTIVE: N_(
        "Your membership is active, but only %(allowed)s members may take part"
    ),
    MembershipStatus.SUSPENDED: N_("Your membership is suspended"),
    MembershipStatus.LAPSED: N_("Your membership has lapsed"),
    MembershipStatus.EXPELLED: N_("You have been expelled"),
}

# The statuses as adjectives inside a sentence ("Only active members may take part").
STATUS_WORDS = {
    MembershipStatus.ACTIVE: N_("active"),
    MembershipStatus.SUSPENDED: N_("suspended"),
    MembershipStatus.LAPSED: N_("lapsed"),
    MembershipStatus.EXPELLED: N_("expelled"),
}

COUNTED_UNTIL_TEXT = {
    CountedUntil.SIGNATURES_OPEN: N_("the day signatures open"),
    CountedUntil.VOTING_OPENS: N_("the day voting opens"),
    CountedUntil.DAY_OF_ACTION: N_("the day the member signs or votes"),
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
            raise ValidationError(
                N_("At least one membership status must be allowed to take part.")
            )
        statuses = frozenset(
            check_enum(status, MembershipStatus, N_("A membership status"))
            for status in self.statuses
        )
        object.__setattr__(self, "statuses", statuses)
        check_int(self.min_membership_days, N_("The minimum days of membership"))
        object.__setattr__(
            self, "counted_until", check_enum(self.counted_until, CountedUntil, N_("Counted until"))
        )
        if self.group is not None:
            check_text(self.group, N_("The local group"))


def statuses_text(statuses: frozenset[MembershipStatus]) -> Message:
    """'active', 'active or suspended'."""
    names = [STATUS_WORDS[status] for status in MembershipStatus if status in statuses]
    if len(names) == 1:
        return names[0]
    return N_("%(some)s or %(last)s", some=join(names[:-1], ", "), last=names[-1])


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
    status = check_enum(member_status, MembershipStatus, N_("The membership status"))
    reasons: list[str] = []
    if status not in rules.statuses:
        reason = _STATUS_REASONS[status]
        reasons.append(N_(reason.msgid, allowed=statuses_text(rules.statuses)))
    days = (on - joined_on).days
    if days < 0:
        reasons.append(
            N_(
                "You joined on %(joined)s, after membership was counted on %(counted)s",
                joined=date_text(joined_on),
                counted=date_text(on),
            )
        )
    elif days < rules.min_membership_days:
        needed = rules.min_membership_days
        reasons.append(
            counted(
                needed,
                N_("You have been a member for %(days)s; 1 is needed"),
                N_("You have been a member for %(days)s; %(n)s are needed"),
                days=days_text(days),
            )
        )
    if rules.group is not None and member_group != rules.group:
        reasons.append(N_("This proposal is open only to members of %(group)s", group=rules.group))
    return reasons


def describe_eligibility(rules: Eligibility) -> Message:
    """One sentence on who may take part."""
    statuses = statuses_text(rules.statuses)
    group, days = rules.group, rules.min_membership_days
    if not days:
        if group is None:
            return N_("Only %(statuses)s members may take part", statuses=statuses)
        return N_(
            "Only %(statuses)s members of %(group)s may take part", statuses=statuses, group=group
        )
    values = {
        "statuses": statuses,
        "days": days_text(days),
        "until": COUNTED_UNTIL_TEXT[rules.counted_until],
    }
    if group is None:
        return N_(
            "Only %(statuses)s members who have been members for at least %(days)s, counted up "
            "to %(until)s, may take part",
            **values,
        )
    return N_(
        "Only %(statuses)s members of %(group)s who have been members for at least %(days)s, "
        "counted up to %(until)s, may take part",
        group=group,
        **values,
    )
