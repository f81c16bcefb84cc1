"""Plurality (first past the post): each ballot's single first choice gets one vote.

A ballot counts for its first rank only if that rank names exactly one
candidate; a first rank naming two or more is an over-vote and a blank ballot is
blank, and neither counts. With ``seats`` > 1 the ``seats`` candidates with most
votes win (single non-transferable vote). A candidate with no votes is never
elected. Ties are not broken: candidates level for the last seat(s) are
reported in ``tied`` and only the sure winners are in ``winners``.
"""

from __future__ import annotations

from dataclasses import dataclass

from deliberate.core.errors import ValidationError
from deliberate.core.tally.ballots import Profile
from deliberate.core.tally.ties import top_n


@dataclass(frozen=True)
class PluralityResult:
    """Votes per candidate, the sure winners and any tie for the last seat(s)."""

    seats: int
    tallies: dict[str, int]
    winners: tuple[str, ...]
    tied: tuple[str, ...]
    valid: int
    invalid: int

    @property
    def is_tied(self) -> bool:
        """True when the last seat(s) cannot be filled without a tie-break."""
        return bool(self.tied)


def count(profile: Profile, seats: int = 1) -> PluralityResult:
    """Count first choices and elect the ``seats`` candidates with the most."""
    if seats < 1:
        raise ValidationError("Plurality needs at least one seat.")
    tallies = dict.fromkeys(profile.candidates, 0)
    invalid = 0
    for ballot in profile.ballots:
        if ballot.ranks and len(ballot.ranks[0]) == 1:
            (choice,) = ballot.ranks[0]
            tallies[choice] += ballot.count
        else:
            invalid += ballot.count
    voted = {c: n for c, n in tallies.items() if n > 0}
    winners, tied = top_n(voted, seats, profile.candidates)
    return PluralityResult(seats, tallies, winners, tied, profile.total - invalid, invalid)
