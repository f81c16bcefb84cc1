"""The Schulze method (beatpath): winner, full ranking, pairwise matrix and strongest paths.

Pairwise matrix: ``d[a][b]`` is the number of voters who rank ``a`` strictly
above ``b``. Unranked candidates are below every ranked one and equal to each
other; candidates ranked equal (or both unranked) count for neither side.

A link ``a -> b`` exists when ``d[a][b] > d[b][a]``; its strength is, by default,
``d[a][b]`` (*winning votes*, Schulze's recommended measure and Debian's) or
with ``strength="margin"`` it is ``d[a][b] - d[b][a]``. ``p[a][b]`` is the
strength of the strongest path from ``a`` to ``b`` (0 when there is none), the
widest path computed Floyd-Warshall style.

``a`` is ranked above ``b`` when ``p[a][b] > p[b][a]``; Schulze proved this
relation transitive. ``ranking`` lists the candidates in levels: the first level
is every candidate no one is above (the Schulze winners), the next is every
candidate only first-level ones are above, and so on. Ties are not broken:
several candidates can share a level. If several share the first level,
``winners`` is empty and ``tied`` lists them (as plurality reports a tie), so a
caller can never mistake a tie for a win. With no ballots every candidate is
tied. Debian's quorum and "beats None Of The Above"
rules are not applied here.
"""

from __future__ import annotations

from dataclasses import dataclass

from deliberate.core.errors import ValidationError
from deliberate.core.tally.ballots import Profile

Matrix = dict[str, dict[str, int]]
STRENGTHS = ("winning", "margin")


@dataclass(frozen=True)
class SchulzeResult:
    """The winner (or who is tied for first), the ranking in levels, the matrix and paths."""

    winners: tuple[str, ...]
    tied: tuple[str, ...]
    ranking: tuple[tuple[str, ...], ...]
    pairwise: Matrix
    paths: Matrix
    strength: str
    ballots: int

    @property
    def is_tied(self) -> bool:
        """True when more than one candidate shares first place."""
        return bool(self.tied)


def pairwise(profile: Profile) -> Matrix:
    """``d[a][b]``: how many voters rank ``a`` strictly above ``b``."""
    d = {a: dict.fromkeys(profile.candidates, 0) for a in profile.candidates}
    for ballot in profile.ballots:
        below = set(profile.candidates)
        for rank in ballot.ranks:
            below -= rank
            # Everyone in this rank beats everyone in later ranks and all the unranked.
            for a in rank:
                row = d[a]
                for b in below:
                    row[b] += ballot.count
    return d


def strongest_paths(candidates: tuple[str, ...], d: Matrix, strength: str = "winning") -> Matrix:
    """``p[a][b]``: strength of the strongest path from ``a`` to ``b`` (widest path)."""
    if strength not in STRENGTHS:
        raise ValidationError(f"Unknown Schulze strength {strength!r}; use winning or margin.")
    p = {a: dict.fromkeys(candidates, 0) for a in candidates}
    for a in candidates:
        for b in candidates:
            if a != b and d[a][b] > d[b][a]:
                p[a][b] = d[a][b] if strength == "winning" else d[a][b] - d[b][a]
    for k in candidates:
        for a in candidates:
            if a == k:
                continue
            via = p[a][k]
            for b in candidates:
                if b != a and b != k and min(via, p[k][b]) > p[a][b]:
                    p[a][b] = min(via, p[k][b])
    return p


def rank_levels(candidates: tuple[str, ...], p: Matrix) -> tuple[tuple[str, ...], ...]:
    """Group candidates into levels: each level is those beaten by no remaining candidate."""
    remaining = list(candidates)
    levels = []
    while remaining:
        level = tuple(a for a in remaining if not any(p[b][a] > p[a][b] for b in remaining))
        levels.append(level)
        remaining = [c for c in remaining if c not in level]
    return tuple(levels)


def count(profile: Profile, strength: str = "winning") -> SchulzeResult:
    """Run the Schulze method over the profile."""
    d = pairwise(profile)
    p = strongest_paths(profile.candidates, d, strength)
    ranking = rank_levels(profile.candidates, p)
    first = ranking[0] if ranking else ()
    winners, tied = (first, ()) if len(first) == 1 else ((), first)
    return SchulzeResult(winners, tied, ranking, d, p, strength, profile.total)
