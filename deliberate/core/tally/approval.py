"""Approval voting: every candidate a ballot approves gets one vote from it.

An approval ballot is a single rank (the approved set); a ranked ballot
approves every candidate it ranks. Blank ballots approve no one. With ``seats``
> 1 the ``seats`` most-approved candidates win (block approval). A candidate
with no approvals is never elected. Ties are not broken: candidates level for
the last seat(s) are reported in ``tied``, only sure winners in ``winners``.
"""

from __future__ import annotations

from dataclasses import dataclass

from deliberate.core.errors import ValidationError
from deliberate.core.tally.ballots import Profile
from deliberate.core.tally.ties import top_n


@dataclass(frozen=True)
class ApprovalResult:
    """Approvals per candidate, the sure winners and any tie for the last seat(s)."""

    seats: int
    tallies: dict[str, int]
    winners: tuple[str, ...]
    tied: tuple[str, ...]
    ballots: int
    blank: int

    @property
    def is_tied(self) -> bool:
        """True when the last seat(s) cannot be filled without a tie-break."""
        return bool(self.tied)


def count(profile: Profile, seats: int = 1) -> ApprovalResult:
    """Count approvals and elect the ``seats`` most-approved candidates."""
    if seats < 1:
        raise ValidationError("Approval needs at least one seat.")
    tallies = dict.fromkeys(profile.candidates, 0)
    blank = 0
    for ballot in profile.ballots:
        approved = ballot.candidates
        if not approved:
            blank += ballot.count
        for candidate in approved:
            tallies[candidate] += ballot.count
    approved_any = {c: n for c, n in tallies.items() if n > 0}
    winners, tied = top_n(approved_any, seats, profile.candidates)
    return ApprovalResult(seats, tallies, winners, tied, profile.total, blank)
