"""What IRV and STV share: parcels of ballot papers, reading the next preference, rounds.

Reading a ballot onward from a position skips ranks whose candidates are all
elected or excluded. The first rank with exactly one continuing candidate gets
the paper. If that first rank has two or more continuing candidates the voter's
next preference is ambiguous (PrefLib's rendering of an over-vote), so the paper
is **exhausted** there and stays exhausted: it is set aside for good, like a
non-transferable paper in a manual count, even if one of those candidates is
later excluded.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass, field
from fractions import Fraction

from deliberate.core.tally.ballots import Ranking


@dataclass(frozen=True)
class Parcel:
    """``count`` identical papers, each worth ``value``, read up to rank ``position``."""

    ranks: Ranking
    count: int
    value: Fraction
    position: int

    @property
    def total(self) -> Fraction:
        """The combined value of the papers in this parcel."""
        return self.value * self.count


@dataclass(frozen=True)
class Round:
    """One round (IRV) or stage (STV) of a count; see each method for the exact order."""

    number: int
    tallies: dict[str, Fraction]
    elected: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    surplus_of: str | None = None
    surplus: Fraction | None = None
    exhausted: Fraction = Fraction(0)
    tie_breaks: tuple[str, ...] = field(default=())


def next_preference(ranks: Ranking, start: int, continuing: Set[str]) -> tuple[str | None, int]:
    """The continuing candidate this paper goes to from rank ``start`` on, and at which rank."""
    for position in range(start, len(ranks)):
        live = ranks[position] & continuing
        if len(live) == 1:
            (candidate,) = live
            return candidate, position
        if live:
            # Two or more continuing candidates ranked equal: ambiguous, so exhausted.
            return None, position
    return None, len(ranks)


def move(
    parcels: list[Parcel],
    continuing: Set[str],
    piles: dict[str, list[Parcel]],
    totals: dict[str, Fraction],
    ratio: Fraction = Fraction(1),
) -> Fraction:
    """Move parcels on to their next preferences at ``value * ratio``; return value exhausted."""
    # Few distinct values occur in a pile, so scale each value once and add up whole
    # counts per (candidate, value): exact Fraction arithmetic stays cheap.
    scaled: dict[Fraction, Fraction] = {}
    gained: dict[tuple[str | None, Fraction], int] = {}
    for parcel in parcels:
        value = scaled.get(parcel.value)
        if value is None:
            value = scaled[parcel.value] = parcel.value * ratio
        candidate, position = next_preference(parcel.ranks, parcel.position + 1, continuing)
        key = (candidate, value)
        gained[key] = gained.get(key, 0) + parcel.count
        if candidate is not None:
            piles[candidate].append(Parcel(parcel.ranks, parcel.count, value, position))
    exhausted = Fraction(0)
    for (candidate, value), papers in gained.items():
        if candidate is None:
            exhausted += value * papers
        else:
            totals[candidate] += value * papers
    return exhausted


def describe_tie(action: str, tied: list[str], chosen: str, rule: str) -> str:
    """A plain sentence for the published result, e.g. who was excluded from a tie and why."""
    names = ", ".join(tied)
    return f"{action}: {chosen} chosen from tied {names} by {rule}"
