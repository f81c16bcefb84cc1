"""Yes / no / abstain counting. Whether a motion passes (quorum, majority) is decided elsewhere."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from deliberate.core.errors import ValidationError

CHOICES = ("yes", "no", "abstain")


@dataclass(frozen=True)
class YesNoTally:
    """How many chose yes, no and abstain."""

    yes: int
    no: int
    abstain: int

    @property
    def total(self) -> int:
        """Every ballot counted, abstentions included (turnout for a quorum)."""
        return self.yes + self.no + self.abstain

    @property
    def decisive(self) -> int:
        """Yes plus no: the base for a majority of votes cast."""
        return self.yes + self.no


def count(choices: Iterable[str]) -> YesNoTally:
    """Count choices, each exactly "yes", "no" or "abstain" (case-insensitive)."""
    totals = dict.fromkeys(CHOICES, 0)
    for number, choice in enumerate(choices, start=1):
        key = choice.strip().lower()
        if key not in totals:
            raise ValidationError(f"Ballot {number}: {choice!r} is not yes, no or abstain.")
        totals[key] += 1
    return YesNoTally(**totals)


def count_grouped(counts: Iterable[tuple[str, int]]) -> YesNoTally:
    """Count (choice, how many ballots) pairs, e.g. a database's GROUP BY choice.

    The same rules as count(): each distinct choice is checked once and adds its number,
    so count_grouped(Counter(choices).items()) == count(choices) for any choices.
    """
    totals = dict.fromkeys(CHOICES, 0)
    for choice, number in counts:
        key = choice.strip().lower()
        if key not in totals:
            raise ValidationError(f"{number} ballot(s): {choice!r} is not yes, no or abstain.")
        totals[key] += number
    return YesNoTally(**totals)
