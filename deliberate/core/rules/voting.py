"""How a members' vote is decided: quorums, the majority, abstentions, double majorities."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from fractions import Fraction

from deliberate.core.errors import ValidationError
from deliberate.core.messages import N_, Message
from deliberate.core.rules._checks import (
    check_bool,
    check_enum,
    check_int,
    check_optional_share,
    check_share,
)
from deliberate.core.rules._format import days_text, share_text, share_words


class AbstentionMode(Enum):
    """How abstentions count."""

    # Counted for turnout but left out of the majority's denominator.
    EXCLUDED = "excluded"
    # Counted as votes cast, so in effect they count against.
    AGAINST = "against"
    # Ignored entirely: neither turnout nor majority sees them.
    IGNORED = "ignored"


@dataclass(frozen=True)
class Majority:
    """The share of votes cast that must be yes: more than it (strict) or at least it."""

    share: Fraction = Fraction(1, 2)
    is_strict: bool = True

    def __post_init__(self) -> None:
        share = check_share(self.share, N_("A majority"))
        check_bool(self.is_strict, N_("Whether the majority is strict"))
        if share < Fraction(1, 2):
            raise ValidationError(N_("A majority must be at least half of the votes cast."))
        if share == 1 and self.is_strict:
            raise ValidationError(
                N_("Nobody can win 'more than 100%' of the votes; use 'at least'.")
            )
        object.__setattr__(self, "share", share)


@dataclass(frozen=True)
class VoteRules:
    """Everything that decides a vote, plus how long deliberation and voting last.

    Quorums are inclusive: a 30% turnout quorum is met by exactly 30%.
    """

    majority: Majority = Majority()
    turnout_quorum: Fraction | None = None
    approval_quorum: Fraction | None = None
    abstentions: AbstentionMode = AbstentionMode.EXCLUDED
    has_double_majority: bool = False
    deliberation_days: int = 0
    voting_days: int = 14

    def __post_init__(self) -> None:
        if not isinstance(self.majority, Majority):
            raise ValidationError(N_("The majority rule is missing."))
        for name, what in (
            ("turnout_quorum", N_("A turnout quorum")),
            ("approval_quorum", N_("An approval quorum")),
        ):
            object.__setattr__(self, name, check_optional_share(getattr(self, name), what))
        object.__setattr__(
            self, "abstentions", check_enum(self.abstentions, AbstentionMode, N_("Abstentions"))
        )
        check_bool(self.has_double_majority, N_("Whether a double majority is needed"))
        check_int(self.deliberation_days, N_("The deliberation period in days"))
        check_int(self.voting_days, N_("The voting period in days"), minimum=1)


def describe_majority(majority: Majority) -> Message:
    """'a simple majority', 'more than two thirds', 'at least 60%'."""
    if majority.share == Fraction(1, 2) and majority.is_strict:
        return N_("a simple majority")
    if majority.share == 1:
        return N_("every vote")
    if majority.is_strict:
        return N_("more than %(share)s", share=share_words(majority.share))
    return N_("at least %(share)s", share=share_words(majority.share))


def describe_majority_rule(majority: Majority) -> Message:
    """A whole sentence on the majority, e.g. 'More than two thirds of votes cast must be yes'."""
    if majority.share == Fraction(1, 2) and majority.is_strict:
        return N_("A simple majority: more yes votes than no votes")
    if majority.share == 1:
        return N_("Every vote cast must be yes")
    share = share_words(majority.share)
    if majority.is_strict:
        return N_("More than %(share)s of votes cast must be yes", share=share)
    return N_("At least %(share)s of votes cast must be yes", share=share)


def describe_turnout_quorum(quorum: Fraction | None) -> Message:
    """'At least 30% of the electorate must vote' or 'No turnout quorum'."""
    if quorum is None:
        return N_("No turnout quorum")
    return N_("At least %(share)s of the electorate must vote", share=share_text(quorum))


def describe_approval_quorum(quorum: Fraction | None) -> Message:
    """'Yes votes must come from at least 25% of the electorate' or 'No approval quorum'."""
    if quorum is None:
        return N_("No approval quorum")
    return N_(
        "Yes votes must come from at least %(share)s of the whole electorate",
        share=share_text(quorum),
    )


def describe_abstentions(mode: AbstentionMode) -> Message:
    """Say how abstentions count in plain words."""
    return {
        AbstentionMode.EXCLUDED: N_(
            "Abstentions count towards turnout but not towards the majority"
        ),
        AbstentionMode.AGAINST: N_(
            "Abstentions count as votes cast, so in effect they count against"
        ),
        AbstentionMode.IGNORED: N_(
            "Abstentions are ignored entirely, for turnout and majority alike"
        ),
    }[mode]


def describe_double_majority(has_double_majority: bool) -> Message:
    """Say whether local groups must also approve."""
    if has_double_majority:
        return N_("A majority of local groups must also approve, each judged by its own vote")
    return N_("No majority of local groups is needed")


def describe_deliberation_period(days: int) -> Message:
    """'Deliberation before the vote lasts 14 days'."""
    if days == 0:
        return N_("No minimum deliberation before the vote")
    return N_("Deliberation before the vote lasts %(days)s", days=days_text(days))


def describe_voting_period(days: int) -> Message:
    """'Voting lasts 14 days'."""
    if days == 0:
        return N_("No minimum voting")
    return N_("Voting lasts %(days)s", days=days_text(days))
