"""Where a proposal stands against its signature tiers, and the pace it still needs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction

from deliberate.core.errors import ValidationError
from deliberate.core.messages import N_
from deliberate.core.rules._checks import check_int
from deliberate.core.rules.ruleset import Consequence, RuleSet, Tier
from deliberate.core.rules.threshold import Distribution, group_minimum, required_signatures

_SECONDS_PER_DAY = 24 * 60 * 60


@dataclass(frozen=True)
class GroupProgress:
    """One local group against a distribution minimum."""

    group: str
    signatures: int
    members: int
    needed: int
    is_met: bool


@dataclass(frozen=True)
class DistributionStatus:
    """How many local groups have reached their minimum, out of how many are needed."""

    groups_met: int
    groups_needed: int
    groups: tuple[GroupProgress, ...]

    @property
    def is_met(self) -> bool:
        """Whether enough groups have reached their minimum."""
        return self.groups_met >= self.groups_needed


@dataclass(frozen=True)
class TierStatus:
    """One tier: signatures required and still needed, and the spread across groups."""

    number: int
    consequence: Consequence
    required: int
    still_needed: int
    distribution: DistributionStatus | None
    leads_to_vote: bool

    @property
    def is_met(self) -> bool:
        """Whether both the count and any spread requirement are met."""
        spread_ok = self.distribution is None or self.distribution.is_met
        return self.still_needed == 0 and spread_ok


@dataclass(frozen=True)
class SignatureStatus:
    """Every tier's status for a proposal's current signatures."""

    total: int
    tiers: tuple[TierStatus, ...]

    @property
    def highest_met(self) -> TierStatus | None:
        """The highest tier reached, or None."""
        return next((tier for tier in reversed(self.tiers) if tier.is_met), None)

    @property
    def qualifies_for_vote(self) -> bool:
        """Whether the tier that leads to a vote has been reached."""
        return any(tier.is_met and tier.leads_to_vote for tier in self.tiers)


def _check_counts(
    total: int, by_group: Mapping[str, int], members_by_group: Mapping[str, int]
) -> None:
    check_int(total, N_("The number of signatures"))
    for group, count in by_group.items():
        check_int(count, f"The signatures in {group}")
        if group not in members_by_group:
            raise ValidationError(
                f"Signatures were counted for {group}, which has no member count."
            )
    for group, members in members_by_group.items():
        check_int(members, f"The members of {group}")
    if sum(by_group.values()) > total:
        raise ValidationError(N_("The signatures by group add up to more than the total."))


def distribution_status(
    distribution: Distribution,
    signatures_by_group: Mapping[str, int],
    members_by_group: Mapping[str, int],
) -> DistributionStatus:
    """Each local group's progress towards its own minimum, sorted by group name."""
    groups = []
    for group in sorted(members_by_group):
        signatures = signatures_by_group.get(group, 0)
        needed = group_minimum(distribution, members_by_group[group])
        groups.append(
            GroupProgress(group, signatures, members_by_group[group], needed, signatures >= needed)
        )
    met = sum(1 for progress in groups if progress.is_met)
    return DistributionStatus(met, distribution.groups_needed, tuple(groups))


def _tier_status(
    number: int,
    tier: Tier,
    total: int,
    signatures_by_group: Mapping[str, int],
    members_by_group: Mapping[str, int],
    eligible_members: int,
) -> TierStatus:
    required = required_signatures(tier.threshold, eligible_members)
    distribution = None
    if tier.distribution is not None:
        distribution = distribution_status(tier.distribution, signatures_by_group, members_by_group)
    return TierStatus(
        number=number,
        consequence=tier.consequence,
        required=required,
        still_needed=max(0, required - total),
        distribution=distribution,
        leads_to_vote=tier.consequence.leads_to_vote,
    )


def evaluate_signatures(
    ruleset: RuleSet,
    total_signatures: int,
    signatures_by_group: Mapping[str, int],
    members_by_group: Mapping[str, int],
    eligible_members: int,
) -> SignatureStatus:
    """Every tier met or not, signatures still needed, and each group's progress.

    A group with no member count may not hold signatures; a group's minimum is at least
    one signature, so a group nobody signed in never counts towards a spread.
    """
    _check_counts(total_signatures, signatures_by_group, members_by_group)
    check_int(eligible_members, N_("The number of eligible members"))
    tiers = tuple(
        _tier_status(
            number,
            tier,
            total_signatures,
            signatures_by_group,
            members_by_group,
            eligible_members,
        )
        for number, tier in enumerate(ruleset.tiers, start=1)
    )
    return SignatureStatus(total_signatures, tiers)


def fewest_signatures_to_meet_a_tier(ruleset: RuleSet, eligible_members: int) -> int:
    """No tier can be met with fewer signatures than this (spread requirements only add).

    Signing checks it first: below it, the per-group counts need not even be read.
    """
    check_int(eligible_members, N_("The number of eligible members"))
    return min(
        (required_signatures(tier.threshold, eligible_members) for tier in ruleset.tiers),
        default=0,
    )


def signatures_per_day_needed(
    needed: int, now: date | datetime, deadline: date | datetime
) -> Fraction:
    """Signatures a day still needed to reach ``needed`` by ``deadline``, exactly.

    Round up for display (math.ceil): 100 needed in 3 days is 100/3, i.e. 34 a day.
    Raises ValidationError once the deadline has passed with signatures still needed.
    """
    check_int(needed, N_("The signatures needed"))
    if isinstance(now, datetime) != isinstance(deadline, datetime):
        raise ValidationError(N_("Give both times as dates, or both as date-times."))
    if needed == 0:
        return Fraction(0)
    remaining = deadline - now
    seconds = Fraction(
        (remaining.days * _SECONDS_PER_DAY + remaining.seconds) * 10**6 + remaining.microseconds,
        10**6,
    )
    if seconds <= 0:
        raise ValidationError(N_("The collection window has closed."))
    return needed / (seconds / _SECONDS_PER_DAY)
