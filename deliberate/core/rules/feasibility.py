"""How the organisation's own history would have fared under a rule set."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType

from deliberate.core.messages import N_, Message
from deliberate.core.rules._checks import check_int
from deliberate.core.rules._format import amount, counted, percent_text, share_text
from deliberate.core.rules.outcome import counted_votes, evaluate_vote
from deliberate.core.rules.ruleset import CONSEQUENCE_TEXT, Consequence, RuleSet
from deliberate.core.rules.signatures import evaluate_signatures

NO_PROPOSALS = N_("No past proposals yet, so there is nothing to compare with")
NO_REFERENDUMS = N_("No past referendums yet, so there is nothing to compare with")


@dataclass(frozen=True)
class PastProposal:
    """A past proposal's final signature count, reached after ``days`` days of collection."""

    signatures: int
    days: int
    by_group: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_int(self.signatures, N_("A past proposal's signatures"))
        check_int(self.days, N_("A past proposal's days of collection"), minimum=1)
        object.__setattr__(self, "by_group", MappingProxyType(dict(self.by_group)))


@dataclass(frozen=True)
class PastReferendum:
    """A past referendum's result, optionally by local group as (yes, no, abstain)."""

    electorate: int
    yes: int
    no: int
    abstain: int
    by_group: Mapping[str, tuple[int, int, int]] | None = None

    def __post_init__(self) -> None:
        check_int(self.electorate, N_("A past referendum's electorate"))
        if self.by_group is not None:
            object.__setattr__(self, "by_group", MappingProxyType(dict(self.by_group)))


@dataclass(frozen=True)
class History:
    """Past proposals and referendums, oldest first."""

    proposals: tuple[PastProposal, ...] = ()
    referendums: tuple[PastReferendum, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "proposals", tuple(self.proposals))
        object.__setattr__(self, "referendums", tuple(self.referendums))


@dataclass(frozen=True)
class TierFeasibility:
    """One tier measured against past proposals."""

    number: int
    consequence: Consequence
    required: int
    proposals_qualified: int
    per_day_needed: Fraction | None


@dataclass(frozen=True)
class Feasibility:
    """The history under the rule set, in figures and in plain sentences."""

    tiers: tuple[TierFeasibility, ...]
    proposals_count: int
    referendums_count: int
    referendums_passed: int
    referendums_unjudged: int
    median_signatures: Fraction | None
    best_signatures: int | None
    fastest_per_day: Fraction | None
    turnout_needed: Fraction | None
    best_turnout: Fraction | None
    last_turnout: Fraction | None
    sentences: tuple[Message, ...]


def median(values: list[int]) -> Fraction:
    """The exact median; the mean of the middle two for an even count."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return Fraction(ordered[middle])
    return Fraction(ordered[middle - 1] + ordered[middle], 2)


def _within_window(proposal: PastProposal, window: int | None) -> PastProposal:
    """The proposal's counts at the window's close, assuming it collected at a steady pace."""
    if window is None or proposal.days <= window:
        return proposal
    scale = Fraction(window, proposal.days)
    return PastProposal(
        signatures=int(proposal.signatures * scale),
        days=window,
        by_group={group: int(count * scale) for group, count in proposal.by_group.items()},
    )


def _qualified_counts(
    ruleset: RuleSet,
    history: History,
    eligible_members: int,
    members_by_group: Mapping[str, int],
) -> list[int]:
    counts = [0] * len(ruleset.tiers)
    for proposal in history.proposals:
        trimmed = _within_window(proposal, ruleset.collection_days)
        # Groups the organisation no longer has are dropped: they cannot count now.
        by_group = {g: n for g, n in trimmed.by_group.items() if g in members_by_group}
        status = evaluate_signatures(
            ruleset, trimmed.signatures, by_group, members_by_group, eligible_members
        )
        for index, tier in enumerate(status.tiers):
            counts[index] += tier.is_met
    return counts


def _tiers(
    ruleset: RuleSet,
    history: History,
    eligible_members: int,
    members_by_group: Mapping[str, int],
) -> tuple[TierFeasibility, ...]:
    status = evaluate_signatures(ruleset, 0, {}, members_by_group, eligible_members)
    qualified = _qualified_counts(ruleset, history, eligible_members, members_by_group)
    window = ruleset.collection_days
    return tuple(
        TierFeasibility(
            number=tier.number,
            consequence=tier.consequence,
            required=tier.required,
            proposals_qualified=qualified[index],
            per_day_needed=Fraction(tier.required, window) if window else None,
        )
        for index, tier in enumerate(status.tiers)
    )


def _proposal_sentences(
    tiers: tuple[TierFeasibility, ...], history: History, fastest: Fraction | None
) -> list[Message]:
    if not history.proposals:
        return [NO_PROPOSALS]
    counts = [p.signatures for p in history.proposals]
    total = len(history.proposals)
    sentences = []
    for tier in tiers:
        values = {
            "number": tier.number,
            "consequence": CONSEQUENCE_TEXT[tier.consequence],
            "needed": counted(tier.required, N_("1 signature"), N_("%(n)s signatures")),
            "median": amount(median(counts)),
            "best": max(counts),
            "qualified": counted(
                total,
                N_("%(qualified)s of 1 past proposal would have qualified"),
                N_("%(qualified)s of %(n)s past proposals would have qualified"),
                qualified=tier.proposals_qualified,
            ),
        }
        if tier.per_day_needed is None or fastest is None:
            sentences.append(
                N_(
                    "Tier %(number)s (%(consequence)s): %(needed)s needed; median past proposal "
                    "%(median)s, best ever %(best)s; %(qualified)s",
                    **values,
                )
            )
            continue
        sentences.append(
            N_(
                "Tier %(number)s (%(consequence)s): %(needed)s needed; median past proposal "
                "%(median)s, best ever %(best)s; %(qualified)s. That is %(per_day)s a day over "
                "the window; the fastest ever was %(fastest)s a day",
                per_day=math.ceil(tier.per_day_needed),
                fastest=amount(fastest),
                **values,
            )
        )
    return sentences


def _turnouts(ruleset: RuleSet, history: History) -> list[Fraction]:
    mode = ruleset.vote.abstentions
    return [
        Fraction(counted_votes(mode, r.yes, r.no, r.abstain)[0], r.electorate)
        for r in history.referendums
        if r.electorate
    ]


def _referendum_sentences(
    ruleset: RuleSet, history: History, passed: int, unjudged: int
) -> list[Message]:
    if ruleset.vote is None:
        return []
    if not history.referendums:
        return [NO_REFERENDUMS]
    total = len(history.referendums)
    sentences = [
        counted(
            total,
            N_("%(passed)s of 1 past referendum would have passed"),
            N_("%(passed)s of %(n)s past referendums would have passed"),
            passed=passed,
        )
    ]
    if unjudged:
        sentences.append(N_("%(n)s could not be judged without results by local group", n=unjudged))
    turnouts = _turnouts(ruleset, history)
    quorum = ruleset.vote.turnout_quorum
    if turnouts:
        best, last = percent_text(max(turnouts), quorum), percent_text(turnouts[-1], quorum)
        if quorum:
            sentences.append(
                N_(
                    "%(quorum)s turnout needed; best ever %(best)s; last ballot %(last)s",
                    quorum=share_text(quorum),
                    best=best,
                    last=last,
                )
            )
        else:
            sentences.append(
                N_(
                    "No turnout quorum; best ever %(best)s; last ballot %(last)s",
                    best=best,
                    last=last,
                )
            )
    return sentences


def _count_passed(ruleset: RuleSet, history: History) -> tuple[int, int]:
    if ruleset.vote is None:
        return 0, 0
    passed = unjudged = 0
    for r in history.referendums:
        if ruleset.vote.has_double_majority and r.by_group is None:
            unjudged += 1
            continue
        outcome = evaluate_vote(ruleset, r.electorate, r.yes, r.no, r.abstain, r.by_group)
        passed += outcome.is_passed
    return passed, unjudged


def assess_feasibility(
    ruleset: RuleSet,
    history: History,
    eligible_members: int,
    members_by_group: Mapping[str, int],
) -> Feasibility:
    """Replay past proposals and referendums under ``ruleset`` at today's membership.

    A proposal that ran longer than the collection window is counted at the window's
    close, assuming a steady pace. Signatures in groups that no longer exist are dropped.
    """
    tiers = _tiers(ruleset, history, eligible_members, members_by_group)
    counts = [p.signatures for p in history.proposals]
    fastest = max((Fraction(p.signatures, p.days) for p in history.proposals), default=None)
    passed, unjudged = _count_passed(ruleset, history)
    turnouts = _turnouts(ruleset, history) if ruleset.vote else []
    sentences = _proposal_sentences(tiers, history, fastest)
    sentences += _referendum_sentences(ruleset, history, passed, unjudged)
    return Feasibility(
        tiers=tiers,
        proposals_count=len(history.proposals),
        referendums_count=len(history.referendums),
        referendums_passed=passed,
        referendums_unjudged=unjudged,
        median_signatures=median(counts) if counts else None,
        best_signatures=max(counts, default=None),
        fastest_per_day=fastest,
        turnout_needed=ruleset.vote.turnout_quorum if ruleset.vote else None,
        best_turnout=max(turnouts, default=None),
        last_turnout=turnouts[-1] if turnouts else None,
        sentences=tuple(sentences),
    )
