"""Judging a proposal again when invalidated signatures leave a reached tier unmet (T33).

A tier reached is recorded once, as a ThresholdCrossing (services.thresholds). When the
committee later invalidates signatures the tier rested on, what happens depends on how
far the proposal has gone:

- before the vote (collecting, qualified, in deliberation), the crossing is marked
  reversed and the proposal is judged as the rules would have judged it without those
  signatures (core.lifecycle.after_reversal): still qualified, back to collecting in
  the window and electorate it opened with, or lapsed once that window has closed;
- from voting on, members have voted on it and the vote stands; the tier is only shown
  as no longer met.

A reversed crossing is claimed again, and its consequence fires again, when the tier
is met again (more signatures, or the invalidation restored). When the committee counts
signatures again (a restored invalidation, released held signatures) and they qualify
a proposal that lapsed without them, the lapse is undone (``after_counting_again``).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from deliberate.core import lifecycle
from deliberate.core.lifecycle import State
from deliberate.models import Proposal, ThresholdCrossing
from deliberate.services import audit_log, proposals, thresholds

# Where a reached tier can still be undone; later, the vote it led to stands.
REVERSIBLE = frozenset({State.COLLECTING, State.QUALIFIED, State.DELIBERATION})


@dataclass(frozen=True)
class Reversal:
    """What the invalidation undid on one proposal.

    ``reversed`` are the tiers (1-based) whose crossing was undone; ``unmet`` the tiers
    still recorded as reached that the valid signatures no longer meet (after voting
    opened); ``step`` the state the proposal moved to, if it moved.
    """

    proposal: str
    reversed: tuple[int, ...] = ()
    unmet: tuple[int, ...] = ()
    step: State | None = None


@dataclass(frozen=True)
class Unmet:
    """A proposal with reached tiers its valid signatures no longer meet."""

    proposal: Proposal
    met: frozenset[int]  # the tiers (0-based) still met
    crossings: tuple[ThresholdCrossing, ...]  # held crossings of tiers no longer met

    def describe(self) -> list[str]:
        """'P-123 tier 2', one per tier no longer met (for the audit log and the page)."""
        return [f"{self.proposal.public_id} tier {c.tier_index + 1}" for c in self.crossings]


def find_unmet(
    session: Session, proposal: Proposal, *, without: Mapping[str | None, int] | None = None
) -> Unmet | None:
    """The proposal's held crossings that the valid signatures no longer meet, if any.

    ``without``: as if these signatures (per local group name) were struck out too.
    """
    current = thresholds.status(session, proposal, without=without)
    if current is None:
        return None
    met = frozenset(index for index, tier in enumerate(current.tiers) if tier.is_met)
    held = session.scalars(
        select(ThresholdCrossing)
        .where(
            ThresholdCrossing.proposal_id == proposal.id,
            ThresholdCrossing.reversed_at.is_(None),
        )
        .order_by(ThresholdCrossing.tier_index)
    )
    lost = tuple(crossing for crossing in held if crossing.tier_index not in met)
    return Unmet(proposal, met, lost) if lost else None


def judge(unmet: Unmet, now: datetime) -> tuple[Reversal, lifecycle.Step | None]:
    """What the rules make of ``unmet`` now, and the step they demand (nothing is changed).

    Before the vote the tiers are undone and the proposal is judged again
    (core.lifecycle.after_reversal); from voting on they are only reported as unmet.
    """
    proposal, tiers = unmet.proposal, tuple(c.tier_index + 1 for c in unmet.crossings)
    state = proposals.state_of(proposal)
    if state not in REVERSIBLE:
        return Reversal(proposal.public_id, unmet=tiers), None
    window_open = lifecycle.is_window_open(
        now, proposal.signatures_open_at, proposal.collection_closes_at
    )
    step = lifecycle.after_reversal(
        state, proposals.frozen_ruleset(proposal), met=unmet.met, window_open=window_open
    )
    return Reversal(proposal.public_id, reversed=tiers, step=step.to if step else None), step


def forecast(
    session: Session, removed: Mapping[int, Mapping[str | None, int]], *, now: datetime
) -> list[Reversal]:
    """What striking out these signatures would undo, before anything is struck out.

    ``removed`` maps proposal ids to how many signatures would go, per local group name.
    The answer reads as ``reverse`` would report it, for the committee's preview.
    """
    outcomes = []
    for proposal_id in sorted(removed):
        proposal = session.get(Proposal, proposal_id)
        unmet = find_unmet(session, proposal, without=removed[proposal_id])
        if unmet is not None:
            outcomes.append(judge(unmet, now)[0])
    return outcomes


def reverse(session: Session, unmet: Unmet, *, now: datetime, base_url: str = "") -> Reversal:
    """Undo the crossings ``find_unmet`` found before the vote; audited, no commit.

    The proposal is locked by the caller and its counts already moved.
    """
    result, step = judge(unmet, now)
    if not result.reversed:
        return result  # voting has opened: the vote stands
    for crossing in unmet.crossings:
        crossing.reversed_at = now
    proposal = unmet.proposal
    audit_log.record(
        session,
        actor=None,
        action="proposal.threshold_reversed",
        payload={
            "proposal": proposal.public_id,
            "tiers": list(result.reversed),
            "signatures": proposal.signature_count,
            "to": step.to.value if step else None,
        },
        now=now,
    )
    if step is not None:
        proposals.transition(session, proposal, step, now=now, base_url=base_url)
    return result


@dataclass(frozen=True)
class CountedAgain:
    """What counting signatures again did to one proposal: tiers crossed, lapse undone."""

    tiers_crossed: tuple[int, ...] = ()
    is_revived: bool = False


def after_counting_again(
    session: Session, proposal: Proposal, *, now: datetime, base_url: str = ""
) -> CountedAgain:
    """Judge a proposal again once the committee counts signatures again; no commit.

    For a restored invalidation and for released held signatures: the proposal is
    locked by the caller and its counts already moved. A lapsed proposal that the
    valid signatures now qualify is qualified again (``revive``); before the vote,
    every tier they meet that is not held is crossed, once (I9).
    """
    revived = revive(session, proposal, now=now, base_url=base_url)
    crossed: tuple[int, ...] = ()
    if proposals.state_of(proposal) in REVERSIBLE:
        crossed = thresholds.evaluate_tiers(session, proposal, now=now, base_url=base_url)
    if revived:
        proposals.advance(session, proposal, now=now, base_url=base_url)  # to deliberation
    return CountedAgain(crossed, revived)


def revive(session: Session, proposal: Proposal, *, now: datetime, base_url: str = "") -> bool:
    """Qualify again a lapsed proposal whose valid signatures now meet its threshold.

    A lapse means the valid signatures fell short when collection closed. Signatures
    the committee counts again were given in the window, so when they meet the
    threshold the lapse rested on the committee's mistake and is undone. Audited.
    """
    if proposals.state_of(proposal) is not State.LAPSED:
        return False
    current = thresholds.status(session, proposal)
    tiers = current.tiers if current is not None else ()
    met = frozenset(index for index, tier in enumerate(tiers) if tier.is_met)
    step = lifecycle.after_restoration(State.LAPSED, proposals.frozen_ruleset(proposal), met=met)
    if step is None:
        return False
    audit_log.record(
        session,
        actor=None,
        action="proposal.lapse_undone",
        payload={"proposal": proposal.public_id, "signatures": proposal.signature_count},
        now=now,
    )
    proposals.transition(session, proposal, step, now=now, base_url=base_url)
    return True
