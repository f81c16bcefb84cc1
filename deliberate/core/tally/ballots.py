"""Ballot profiles: the candidates and the ballots cast, in one immutable value.

A ballot is a tuple of ranks, best first; each rank is a frozenset of candidate
names, so ``A>B=C`` is ``(frozenset({"A"}), frozenset({"B", "C"}))`` (B and C
equal second). Candidates a ballot does not mention are unranked: below every
ranked candidate and equal to each other. An approval ballot is a ballot with a
single rank (the approved set). A blank ballot has no ranks at all.

Identical ballots are stored once with a multiplicity ``count``, as PrefLib does
(``800: 12,6,4`` is 800 voters casting the same ranking).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from deliberate.core.errors import ValidationError

Rank = frozenset[str]
Ranking = tuple[Rank, ...]


@dataclass(frozen=True)
class Ballot:
    """One ranking and how many voters cast exactly it."""

    ranks: Ranking
    count: int = 1

    @property
    def candidates(self) -> frozenset[str]:
        """Every candidate the ballot ranks (for approval: approves)."""
        return frozenset().union(*self.ranks)


@dataclass(frozen=True)
class Profile:
    """The candidates, in their published order, and the ballots cast."""

    candidates: tuple[str, ...]
    ballots: tuple[Ballot, ...]

    def __post_init__(self) -> None:
        if len(set(self.candidates)) != len(self.candidates):
            raise ValidationError("Candidate names must be unique.")
        known = set(self.candidates)
        for number, ballot in enumerate(self.ballots, start=1):
            _check_ballot(ballot, known, number)

    @property
    def total(self) -> int:
        """Number of ballots cast, blank ones included."""
        return sum(ballot.count for ballot in self.ballots)

    def index(self, candidate: str) -> int:
        """Position of a candidate in the published order (used by tie rules)."""
        return self.candidates.index(candidate)


def _check_ballot(ballot: Ballot, known: set[str], number: int) -> None:
    """Raise ValidationError unless the ballot is well formed for these candidates."""
    if not isinstance(ballot.count, int) or isinstance(ballot.count, bool) or ballot.count < 1:
        raise ValidationError(f"Ballot {number}: count must be a positive whole number.")
    seen: set[str] = set()
    for rank in ballot.ranks:
        if not rank:
            raise ValidationError(f"Ballot {number}: a rank is empty.")
        unknown = rank - known
        if unknown:
            raise ValidationError(f"Ballot {number}: unknown candidate {sorted(unknown)[0]!r}.")
        if rank & seen:
            raise ValidationError(f"Ballot {number}: {sorted(rank & seen)[0]!r} is ranked twice.")
        seen |= rank


def make_profile(candidates: Iterable[str], ballots: Iterable[tuple[str, int] | str]) -> Profile:
    """Build a profile from ranking strings such as ``"A>B=C"`` or ``("A>B", 3)``."""
    parsed = []
    for item in ballots:
        text, count = (item, 1) if isinstance(item, str) else item
        parsed.append(Ballot(parse_ranking(text), count))
    return Profile(tuple(candidates), tuple(parsed))


def parse_ranking(text: str) -> Ranking:
    """Parse ``"A>B=C"`` (``>`` separates ranks, ``=`` joins equals); ``""`` is blank."""
    text = text.strip()
    if not text:
        return ()
    ranks = []
    for part in text.split(">"):
        names = [name.strip() for name in part.split("=")]
        if any(not name for name in names):
            raise ValidationError(f"Ranking {text!r} has an empty candidate name.")
        ranks.append(frozenset(names))
    return tuple(ranks)


def format_ranking(ranks: Ranking, order: tuple[str, ...]) -> str:
    """Inverse of parse_ranking; equal candidates are listed in the published order."""
    return ">".join("=".join(c for c in order if c in rank) for rank in ranks)
