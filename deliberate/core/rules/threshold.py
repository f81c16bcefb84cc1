"""Signature thresholds: an absolute count, a share of members, or both combined."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from fractions import Fraction

from deliberate.core.errors import ValidationError
from deliberate.core.messages import N_, Message
from deliberate.core.rules._checks import (
    check_enum,
    check_int,
    check_optional_int,
    check_share,
)
from deliberate.core.rules._format import counted, share_text, signatures_text


class Combine(Enum):
    """How an absolute count and a share of members combine when a threshold has both."""

    LOWER = "lower"
    HIGHER = "higher"


def share_of(share: Fraction, whole: int) -> int:
    """The fewest whole members that make up at least ``share`` of ``whole`` (rounded up).

    Boundary example: 5% of 40,001 members is 2,000.05, so 2,001 are needed.
    """
    return -((-share.numerator * whole) // share.denominator)


@dataclass(frozen=True)
class Threshold:
    """How many signatures are needed: a count, a share of eligible members, or both.

    With both, ``combine`` says whether the lower or the higher of the two applies.
    """

    count: int | None = None
    share: Fraction | None = None
    combine: Combine | None = None

    def __post_init__(self) -> None:
        check_optional_int(self.count, N_("A signature count"), minimum=1)
        if self.share is not None:
            object.__setattr__(
                self, "share", check_share(self.share, N_("A percentage of members"))
            )
        if self.count is None and self.share is None:
            raise ValidationError(
                N_("A threshold needs a number of signatures, a percentage, or both.")
            )
        has_both = self.count is not None and self.share is not None
        if has_both and self.combine is None:
            raise ValidationError(
                N_(
                    "A threshold with both a number and a percentage must say whether the lower "
                    "or the higher of the two applies."
                )
            )
        if not has_both and self.combine is not None:
            raise ValidationError(
                N_(
                    "'Whichever is lower/higher' only applies when there is both a number and a "
                    "percentage."
                )
            )
        if self.combine is not None:
            object.__setattr__(self, "combine", check_enum(self.combine, Combine, N_("Combine")))


@dataclass(frozen=True)
class Distribution:
    """A spread requirement: at least ``groups_needed`` local groups must each reach ``minimum``.

    The minimum is measured against each group's own membership, so a percentage gives
    every group its own minimum.
    """

    groups_needed: int
    minimum: Threshold

    def __post_init__(self) -> None:
        check_int(self.groups_needed, N_("The number of local groups needed"), minimum=1)
        if not isinstance(self.minimum, Threshold):
            raise ValidationError(N_("A distribution minimum must be a threshold."))


def required_signatures(threshold: Threshold, eligible_members: int) -> int:
    """The whole number of signatures ``threshold`` demands among ``eligible_members``.

    Percentages round up to whole members: 5% of 40,001 is 2,001, not 2,000.
    """
    check_int(eligible_members, N_("The number of eligible members"))
    parts = []
    if threshold.count is not None:
        parts.append(threshold.count)
    if threshold.share is not None:
        parts.append(share_of(threshold.share, eligible_members))
    if len(parts) == 1:
        return parts[0]
    return min(parts) if threshold.combine is Combine.LOWER else max(parts)


def group_minimum(distribution: Distribution, group_members: int) -> int:
    """Signatures one local group must reach; at least one, so an empty group never counts."""
    return max(1, required_signatures(distribution.minimum, group_members))


def describe_threshold(threshold: Threshold, *, of_group: bool = False) -> Message:
    """Say a threshold in words: '5% of members or 1,000, whichever is lower'.

    ``of_group``: the share is of each local group's members, not of all members.
    """
    if threshold.share is None:
        return signatures_text(threshold.count)
    share = share_text(threshold.share)
    if of_group:
        share = N_("%(share)s of the group's members", share=share)
    else:
        share = N_("%(share)s of members", share=share)
    if threshold.count is None:
        return share
    if threshold.combine is Combine.LOWER:
        return N_("%(share)s or %(n)s, whichever is lower", share=share, n=threshold.count)
    return N_("%(share)s or %(n)s, whichever is higher", share=share, n=threshold.count)


def describe_distribution(distribution: Distribution | None) -> Message:
    """Say a spread requirement in words, e.g. 'at least 7 local groups each reaching 50'."""
    if distribution is None:
        return N_("no spread across local groups is required")
    minimum = describe_threshold(distribution.minimum, of_group=True)
    groups = counted(distribution.groups_needed, N_("1 local group"), N_("%(n)s local groups"))
    return N_("at least %(groups)s must each reach %(minimum)s", groups=groups, minimum=minimum)


def raw_requirement(threshold: Threshold, members: Fraction) -> Fraction:
    """The requirement before rounding, for any (even fractional) membership size."""
    parts = []
    if threshold.count is not None:
        parts.append(Fraction(threshold.count))
    if threshold.share is not None:
        parts.append(threshold.share * members)
    if len(parts) == 1:
        return parts[0]
    return min(parts) if threshold.combine is Combine.LOWER else max(parts)


def first_size_needing_fewer(lower: Threshold, higher: Threshold) -> int | None:
    """A membership size at which ``higher`` would need fewer signatures than ``lower``, if any.

    Both requirements are piecewise linear in the membership size, bending only where a
    count meets its percentage, so checking the bends and the slope beyond them is exact.
    Rounding up is monotone, so an order that holds before rounding holds after it.
    """
    bends = {Fraction(0)}
    for threshold in (lower, higher):
        if threshold.count is not None and threshold.share is not None:
            bends.add(threshold.count / threshold.share)
    beyond = max(bends) + 1
    for size in sorted(bends) + [beyond]:
        if raw_requirement(higher, size) < raw_requirement(lower, size):
            return -(-size.numerator // size.denominator)
    gap = raw_requirement(higher, beyond) - raw_requirement(lower, beyond)
    slope = (raw_requirement(higher, beyond + 1) - raw_requirement(lower, beyond + 1)) - gap
    if slope >= 0:
        return None
    size = beyond + gap / -slope + 1
    return -(-size.numerator // size.denominator)
