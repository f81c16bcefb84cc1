"""Instant-runoff voting (alternative vote): one seat, majority of continuing votes.

Each round, every unexhausted ballot counts for its highest-ranked continuing
candidate (see ``transfer`` for exhaustion: a blank ballot, or one whose next
rank holds two or more continuing candidates, is exhausted for good). If a
candidate holds more than half of the votes still in play that round, they are
elected. Otherwise the candidate with fewest votes is excluded and their
ballots move on; one candidate is excluded per round, including candidates with
no votes. A tie for fewest is broken by earlier rounds, then the tie order
(``ties`` module), and recorded in the round. If every ballot is exhausted (or
none was cast) nobody is elected.

``Round`` semantics here: ``tallies`` are the continuing candidates' votes at
the start of the round; ``elected`` / ``excluded`` is what those tallies led to;
``exhausted`` is the total of exhausted ballots so far.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from deliberate.core.errors import ValidationError
from deliberate.core.tally.ballots import Profile
from deliberate.core.tally.ties import pick
from deliberate.core.tally.transfer import Parcel, Round, describe_tie, move


@dataclass(frozen=True)
class IrvResult:
    """The winner (if any) and every round of the count."""

    winners: tuple[str, ...]
    rounds: tuple[Round, ...]
    ballots: int

    @property
    def winner(self) -> str | None:
        """The single elected candidate, or None when all ballots exhausted."""
        return self.winners[0] if self.winners else None


def count(profile: Profile, tie_order: Sequence[str] | None = None) -> IrvResult:
    """Run an instant-runoff count over the profile."""
    order = tuple(profile.candidates if tie_order is None else tie_order)
    if sorted(order) != sorted(profile.candidates):
        raise ValidationError("The tie order must list every candidate exactly once.")
    continuing = set(profile.candidates)
    piles: dict[str, list[Parcel]] = {c: [] for c in profile.candidates}
    totals = dict.fromkeys(profile.candidates, Fraction(0))
    start = [Parcel(b.ranks, b.count, Fraction(1), -1) for b in profile.ballots]
    exhausted = move(start, continuing, piles, totals)
    rounds: list[Round] = []
    history: list[dict[str, Fraction]] = []
    while continuing:
        tallies = {c: totals[c] for c in profile.candidates if c in continuing}
        in_play = sum(tallies.values())
        number = len(rounds) + 1
        if in_play == 0:
            rounds.append(Round(number, tallies, exhausted=exhausted))
            return IrvResult((), tuple(rounds), profile.total)
        leader = max(tallies, key=tallies.__getitem__)
        if 2 * tallies[leader] > in_play:
            rounds.append(Round(number, tallies, elected=(leader,), exhausted=exhausted))
            return IrvResult((leader,), tuple(rounds), profile.total)
        fewest = min(tallies.values())
        tied = [c for c in tallies if tallies[c] == fewest]
        notes: tuple[str, ...] = ()
        loser = tied[0]
        if len(tied) > 1:
            loser, rule = pick(tied, history, order, lowest=True)
            notes = (describe_tie("exclusion", tied, loser, rule),)
        rounds.append(
            Round(number, tallies, excluded=(loser,), exhausted=exhausted, tie_breaks=notes)
        )
        history.append(tallies)
        continuing.discard(loser)
        exhausted += move(piles.pop(loser), continuing, piles, totals)
        del totals[loser]
    return IrvResult((), tuple(rounds), profile.total)
