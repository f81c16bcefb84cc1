"""Multi-seat STV: the weighted inclusive Gregory method with a Droop quota.

The rule is that of the Scottish Local Government Elections Order 2007
(SSI 2007/42, Schedule 1, Rules 45-52), as used for Scottish council elections:

- **Valid poll** (Rule 45): ballots with a first preference for exactly one
  candidate. Blank ballots and ballots whose first rank names several
  candidates (over-votes) are void and not counted.
- **Quota** (Rule 46): ``floor(valid / (seats + 1)) + 1``, fixed for the count.
- **Stage 1**: every paper goes to its first preference at value 1.
- **Election** (Rule 47): at the end of each stage every continuing candidate
  with at least the quota is elected, in descending order of votes (equal
  votes: earlier stages, then the tie order).
- **Surplus** (Rule 48): every paper of the elected candidate moves on to its
  next continuing preference at ``value * surplus / total`` (inclusive: all of
  the candidate's papers, not just the last parcel; papers with no next
  preference are non-transferable and that share of the surplus is lost).
- **Order of surpluses** (Rule 49): largest surplus first; equal surpluses by
  earlier stages, then the tie order.
- **Exclusion** (Rule 50): when no surplus is waiting, the continuing candidate
  with fewest votes is excluded and all their papers move on at their current
  value, in one stage. Ties for fewest (Rule 51): earlier stages, then tie order.
- **Last vacancies** (Rule 52): as soon as the continuing candidates are no more
  than the vacancies left, they are all elected (in descending order of votes).
  The count stops once every seat is filled; surpluses still waiting are not
  transferred.

Deviations from the Order, on purpose:

1. Transfer values are exact ``Fraction``s; the Order truncates each paper's
   value to five decimal places. Results can differ only in a count that hinges
   on a difference below 0.00001 of a vote.
2. "Decided by lot" is replaced by the published tie order of the ``ties``
   module, so a recount gives the same answer; every such decision is recorded.
3. Ballots may rank candidates equal (the Scottish paper cannot). A paper whose
   next preference is a rank with two or more continuing candidates is
   exhausted there (``transfer`` module).
4. With no valid ballots nobody is elected (the Order does not contemplate it).

``Round`` semantics here: the transfer the stage made (``surplus_of`` and
``surplus``, or ``excluded``), then ``tallies`` at its end for every candidate
not excluded (elected ones show what they keep), then who was ``elected`` at its
end. ``exhausted`` is the non-transferable value so far. Stage 1, and a closing
last-vacancies stage (Rule 52), have no transfer.
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
class StvResult:
    """Winners in order of election, the quota and every stage of the count."""

    seats: int
    quota: int
    valid: int
    invalid: int
    winners: tuple[str, ...]
    rounds: tuple[Round, ...]


def droop_quota(valid: int, seats: int) -> int:
    """Droop quota ``floor(valid / (seats + 1)) + 1``; e.g. 43,942 votes, 4 seats -> 8,789."""
    return valid // (seats + 1) + 1


class _Count:
    """The mutable state of one count; only ``count()`` below creates and drives it."""

    def __init__(self, profile: Profile, seats: int, order: tuple[str, ...]) -> None:
        self.profile, self.seats, self.order = profile, seats, order
        self.continuing = set(profile.candidates)
        self.piles: dict[str, list[Parcel]] = {c: [] for c in profile.candidates}
        self.totals = dict.fromkeys(profile.candidates, Fraction(0))
        valid = [b for b in profile.ballots if b.ranks and len(b.ranks[0]) == 1]
        self.valid = sum(b.count for b in valid)
        self.quota = droop_quota(self.valid, seats)
        move(
            [Parcel(b.ranks, b.count, Fraction(1), -1) for b in valid],
            self.continuing,
            self.piles,
            self.totals,
        )
        self.exhausted = Fraction(0)
        self.winners: list[str] = []
        self.waiting: list[str] = []  # elected, surplus not yet transferred
        self.rounds: list[Round] = []
        self.history: list[dict[str, Fraction]] = []

    def tallies(self) -> dict[str, Fraction]:
        """Votes of every candidate not excluded, in published order."""
        return {c: v for c, v in self.totals.items() if c in self.continuing or c in self.winners}

    def elect(self, candidates: list[str]) -> tuple[list[str], list[str]]:
        """Elect in descending order of votes; ties by earlier stages, then tie order."""
        elected, notes = [], []
        remaining = list(candidates)
        while remaining and len(self.winners) < self.seats:
            most = max(self.totals[c] for c in remaining)
            tied = [c for c in remaining if self.totals[c] == most]
            chosen = tied[0]
            if len(tied) > 1:
                chosen, rule = pick(tied, self.history, self.order, lowest=False)
                notes.append(describe_tie("order of election", tied, chosen, rule))
            remaining.remove(chosen)
            self.continuing.discard(chosen)
            self.winners.append(chosen)
            if self.totals[chosen] > self.quota:
                self.waiting.append(chosen)
            elected.append(chosen)
        return elected, notes

    def finish_stage(self, notes: list[str], **transfer: object) -> None:
        """Elect whoever reached the quota and record the stage."""
        reached = [
            c
            for c in self.profile.candidates
            if c in self.continuing and self.totals[c] >= self.quota
        ]
        elected, more = self.elect(reached)
        tallies = self.tallies()
        self.rounds.append(
            Round(
                len(self.rounds) + 1,
                tallies,
                elected=tuple(elected),
                exhausted=self.exhausted,
                tie_breaks=tuple(notes + more),
                **transfer,
            )
        )
        self.history.append(tallies)

    def transfer_surplus(self) -> None:
        """Transfer the largest waiting surplus (Rules 48 and 49)."""
        largest = max(self.totals[c] for c in self.waiting)
        tied = [c for c in self.waiting if self.totals[c] == largest]
        notes, source = [], tied[0]
        if len(tied) > 1:
            source, rule = pick(tied, self.history, self.order, lowest=False)
            notes.append(describe_tie("surplus order", tied, source, rule))
        self.waiting.remove(source)
        total = self.totals[source]
        surplus = total - self.quota
        # Every paper moves at (its value x surplus / total): the inclusive Gregory ratio.
        self.exhausted += move(
            self.piles[source], self.continuing, self.piles, self.totals, surplus / total
        )
        self.piles[source] = []
        self.totals[source] = Fraction(self.quota)
        self.finish_stage(notes, surplus_of=source, surplus=surplus)

    def exclude_lowest(self) -> None:
        """Exclude the continuing candidate with fewest votes (Rules 50 and 51)."""
        live = [c for c in self.profile.candidates if c in self.continuing]
        fewest = min(self.totals[c] for c in live)
        tied = [c for c in live if self.totals[c] == fewest]
        notes, loser = [], tied[0]
        if len(tied) > 1:
            loser, rule = pick(tied, self.history, self.order, lowest=True)
            notes.append(describe_tie("exclusion", tied, loser, rule))
        self.continuing.discard(loser)
        self.exhausted += move(self.piles.pop(loser), self.continuing, self.piles, self.totals)
        del self.totals[loser]
        self.finish_stage(notes, excluded=(loser,))

    def run(self) -> None:
        """Stage after stage until every seat is filled."""
        self.finish_stage([])
        while len(self.winners) < self.seats:
            vacancies = self.seats - len(self.winners)
            if len(self.continuing) <= vacancies:
                live = [c for c in self.profile.candidates if c in self.continuing]
                elected, notes = self.elect(live)
                self.rounds.append(
                    Round(
                        len(self.rounds) + 1,
                        self.tallies(),
                        elected=tuple(elected),
                        exhausted=self.exhausted,
                        tie_breaks=tuple(notes),
                    )
                )
                return
            # Rule 49 before Rule 50: a waiting surplus always moves before anyone is excluded.
            if self.waiting:
                self.transfer_surplus()
            else:
                self.exclude_lowest()


def count(profile: Profile, seats: int, tie_order: Sequence[str] | None = None) -> StvResult:
    """Count an STV election for ``seats`` seats (weighted inclusive Gregory, Droop quota)."""
    if seats < 1:
        raise ValidationError("STV needs at least one seat.")
    order = tuple(profile.candidates if tie_order is None else tie_order)
    if sorted(order) != sorted(profile.candidates):
        raise ValidationError("The tie order must list every candidate exactly once.")
    state = _Count(profile, seats, order)
    invalid = profile.total - state.valid
    if state.valid == 0:
        return StvResult(seats, state.quota, 0, invalid, (), ())
    state.run()
    return StvResult(
        seats, state.quota, state.valid, invalid, tuple(state.winners), tuple(state.rounds)
    )
