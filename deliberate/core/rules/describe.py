"""Plain-language descriptions of every rule, for the rulebook page and its history.

Labels and sentences are core Messages: English here, translated where they are shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deliberate.core.messages import N_, Message, join
from deliberate.core.rules._format import counted, days_text
from deliberate.core.rules.eligibility import (
    COUNTED_UNTIL_TEXT,
    Eligibility,
    statuses_text,
)
from deliberate.core.rules.ruleset import Admission, RuleSet, describe_tier
from deliberate.core.rules.voting import (
    VoteRules,
    describe_abstentions,
    describe_approval_quorum,
    describe_deliberation_period,
    describe_double_majority,
    describe_majority_rule,
    describe_turnout_quorum,
    describe_voting_period,
)

_LABELS = {
    "name": N_("Name"),
    "co_sponsors": N_("Co-sponsors"),
    "admission": N_("Committee gate"),
    "collection_days": N_("Collection window"),
    "tiers": N_("Signature tiers"),
    "vote": N_("Members' vote"),
    "vote.majority": N_("Majority"),
    "vote.turnout_quorum": N_("Turnout quorum"),
    "vote.approval_quorum": N_("Approval quorum"),
    "vote.abstentions": N_("Abstentions"),
    "vote.has_double_majority": N_("Majority of local groups"),
    "vote.deliberation_days": N_("Deliberation period"),
    "vote.voting_days": N_("Voting period"),
    "eligibility": N_("Eligibility"),
    "eligibility.statuses": N_("Membership statuses"),
    "eligibility.min_membership_days": N_("Minimum membership"),
    "eligibility.counted_until": N_("Membership counted until"),
    "eligibility.group": N_("Local group"),
    "entrenched": N_("Entrenched rules"),
}
# Labels for a tier's own fields: 'tiers.0.threshold' -> 'Tier 1 threshold'.
_TIER_FIELDS = {
    "threshold": N_("Tier %(n)s threshold"),
    "consequence": N_("Tier %(n)s consequence"),
    "distribution": N_("Tier %(n)s distribution"),
    "respond_within_days": N_("Tier %(n)s respond within days"),
}


@dataclass(frozen=True)
class RuleText:
    """One rule in words: its field path, a short label, and a sentence."""

    path: str
    label: str
    text: str


def label_for(path: str) -> str:
    """A short human label for a field path: 'vote.turnout_quorum' -> 'Turnout quorum'."""
    if path in _LABELS:
        return _LABELS[path]
    head, _, rest = path.partition(".")
    if head == "tiers":
        index, _, detail = rest.partition(".")
        if index.isdigit():
            number = int(index) + 1
            if not detail:
                return N_("Tier %(n)s", n=number)
            if detail in _TIER_FIELDS:
                return _TIER_FIELDS[detail].with_params(n=number)
            words = detail.replace(".", " ").replace("_", " ")
            return N_("Tier %(n)s %(detail)s", n=number, detail=words)
    return path


def describe_co_sponsors(count: int) -> Message:
    """'5 co-sponsors must back a proposal before signatures open'."""
    if count == 0:
        return N_("No co-sponsors are needed before signatures open")
    return counted(
        count,
        N_("1 co-sponsor must back a proposal before signatures open"),
        N_("%(n)s co-sponsors must back a proposal before signatures open"),
    )


def describe_admission(admission: Admission) -> Message:
    """Say whether, and how, the committee admits proposals."""
    if not admission.is_required:
        return N_("Proposals open for signatures without needing the committee's approval")
    if admission.silence_days is None:
        return N_(
            "The committee must admit a proposal before signatures open; it must decide, and "
            "silence does not count as admission"
        )
    return N_(
        "The committee must admit a proposal before signatures open; silence for %(days)s "
        "counts as admission",
        days=days_text(admission.silence_days),
    )


def describe_collection(days: int | None) -> Message:
    """'Signatures are collected for 183 days'."""
    if days is None:
        return N_("There is no time limit on collecting signatures")
    return N_("Signatures are collected for %(days)s", days=days_text(days))


def describe_entrenched(paths: frozenset[str]) -> Message:
    """'Only a members' referendum can change: Turnout quorum, Signature tiers'."""
    if not paths:
        return N_("No rules are entrenched")
    names = join([label_for(path) for path in sorted(paths)], ", ")
    return N_("Only a members' referendum can change: %(names)s", names=names)


def _vote_units(vote: VoteRules | None) -> list[tuple[str, Any, str]]:
    if vote is None:
        return [("vote", None, N_("Proposals of this kind are never put to a members' vote"))]
    return [
        ("vote", True, N_("Proposals of this kind can be put to a members' vote")),
        ("vote.majority", vote.majority, describe_majority_rule(vote.majority)),
        ("vote.turnout_quorum", vote.turnout_quorum, describe_turnout_quorum(vote.turnout_quorum)),
        (
            "vote.approval_quorum",
            vote.approval_quorum,
            describe_approval_quorum(vote.approval_quorum),
        ),
        ("vote.abstentions", vote.abstentions, describe_abstentions(vote.abstentions)),
        (
            "vote.has_double_majority",
            vote.has_double_majority,
            describe_double_majority(vote.has_double_majority),
        ),
        (
            "vote.deliberation_days",
            vote.deliberation_days,
            describe_deliberation_period(vote.deliberation_days),
        ),
        ("vote.voting_days", vote.voting_days, describe_voting_period(vote.voting_days)),
    ]


def _eligibility_units(rules: Eligibility) -> list[tuple[str, Any, str]]:
    days = rules.min_membership_days
    return [
        (
            "eligibility.statuses",
            rules.statuses,
            N_("Only %(statuses)s members may take part", statuses=statuses_text(rules.statuses)),
        ),
        (
            "eligibility.min_membership_days",
            days,
            N_("Members must have belonged for at least %(days)s", days=days_text(days))
            if days
            else N_("There is no minimum length of membership"),
        ),
        (
            "eligibility.counted_until",
            rules.counted_until,
            N_(
                "Membership is counted up to %(until)s",
                until=COUNTED_UNTIL_TEXT[rules.counted_until],
            ),
        ),
        (
            "eligibility.group",
            rules.group,
            N_("Open only to members of %(group)s", group=rules.group)
            if rules.group
            else N_("Open to members of every local group"),
        ),
    ]


def rule_units(ruleset: RuleSet) -> list[tuple[str, Any, str]]:
    """Each rule as (path, comparable value, sentence); the diff compares the values."""
    units: list[tuple[str, Any, str]] = [
        ("name", ruleset.name, ruleset.name),
        ("co_sponsors", ruleset.co_sponsors, describe_co_sponsors(ruleset.co_sponsors)),
        ("admission", ruleset.admission, describe_admission(ruleset.admission)),
        ("collection_days", ruleset.collection_days, describe_collection(ruleset.collection_days)),
    ]
    units += [(f"tiers.{i}", tier, describe_tier(tier)) for i, tier in enumerate(ruleset.tiers)]
    units += _vote_units(ruleset.vote)
    units += _eligibility_units(ruleset.eligibility)
    units.append(("entrenched", ruleset.entrenched, describe_entrenched(ruleset.entrenched)))
    return units


def describe_ruleset(ruleset: RuleSet) -> tuple[RuleText, ...]:
    """Every rule of a rule set in plain words, in reading order."""
    return tuple(RuleText(path, label_for(path), text) for path, _, text in rule_units(ruleset))
