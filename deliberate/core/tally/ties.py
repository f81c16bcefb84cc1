"""How ties are settled, in one place, so every method follows the same written rule.

Rule for a tie that must be broken (IRV/STV exclusion, order of surpluses, order
of election within one stage):

1. **Earlier rounds (backwards tie-breaking).** Look at the tallies at the end of
   the most recent preceding round at which the tied candidates' values were not
   all equal; the candidate with the lowest value there is the one excluded (the
   highest, when choosing whose surplus goes first). Candidates still equal at
   that round stay tied and the search goes further back. This is Rules 49 and 51
   of the Scottish Local Government Elections Order 2007.
2. **Tie order.** If they were equal at every earlier round, the statute says
   "by lot". Here the lot is a *tie order* fixed before the count: a tuple of
   all candidates, the earlier the more favoured. The candidate that comes
   *latest* in the tie order is excluded; the *earliest* is chosen when picking a
   winner. The default tie order is the published candidate order (so, by
   default, among equals the highest-indexed candidate is excluded). A returning
   officer who wants a real lot publishes a seed and uses
   ``lot_order(candidates, seed)``: candidates sorted by SHA-256 of
   ``"<seed>\\n<name>"``, which anyone can recompute.

Every tie settled by either step is recorded in the round it happened in, so the
published result shows it. Methods without rounds (plurality, approval, Schulze)
never break ties: they report the tied candidates instead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction

BY_EARLIER_ROUND = "earlier round"
BY_TIE_ORDER = "tie order"


def lot_order(candidates: Iterable[str], seed: str) -> tuple[str, ...]:
    """Tie order drawn by a published seed: candidates sorted by SHA-256(seed, name)."""

    def key(name: str) -> tuple[str, str]:
        digest = hashlib.sha256(f"{seed}\n{name}".encode()).hexdigest()
        return digest, name

    return tuple(sorted(candidates, key=key))


def pick(
    tied: Iterable[str],
    history: Sequence[Mapping[str, Fraction | int]],
    tie_order: Sequence[str],
    *,
    lowest: bool,
) -> tuple[str, str]:
    """Choose one of several tied candidates per the module rule; return it and the step used."""
    remaining = list(tied)
    for tallies in reversed(history):
        values = {c: tallies.get(c, 0) for c in remaining}
        extreme = min(values.values()) if lowest else max(values.values())
        narrowed = [c for c in remaining if values[c] == extreme]
        if len(narrowed) < len(remaining):
            remaining = narrowed
            if len(remaining) == 1:
                return remaining[0], BY_EARLIER_ROUND
    position = {c: i for i, c in enumerate(tie_order)}
    ordered = sorted(remaining, key=position.__getitem__)
    return (ordered[-1] if lowest else ordered[0]), BY_TIE_ORDER


def top_n(
    tallies: Mapping[str, int], seats: int, order: Sequence[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split candidates into sure winners and those tied for the last seats (no tie-break)."""
    if seats <= 0 or not tallies:
        return (), ()
    position = {c: i for i, c in enumerate(order)}
    # Sort by votes; the published order only lists equals, it never decides between them.
    ranked = sorted(tallies, key=lambda c: (-tallies[c], position[c]))
    if seats >= len(ranked):
        return tuple(ranked), ()
    cutoff = tallies[ranked[seats - 1]]
    if tallies[ranked[seats]] != cutoff:
        return tuple(ranked[:seats]), ()
    winners = tuple(c for c in ranked if tallies[c] > cutoff)
    tied = tuple(c for c in ranked if tallies[c] == cutoff)
    return winners, tied
