"""Plain-English descriptions of every rule, for the rulebook page and its history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deliberate.core.rules._format import days_text, plural
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
    describe_double_majority,
    describe_majority_rule,
    describe_period,
    describe_turnout_quorum,
)

_LABELS = {
    "name": "Name",
    "co_sponsors": "Co-sponsors",
    "admission": "Committee gate",
    "collection_days": "Collection window",
    "tiers": "Signature tiers",
    "vote": "Members' vote",
    "vote.majority": "Majority",
    "vote.turnout_quorum": "Turnout quorum",
    "vote.approval_quorum": "Approval quorum",
    "vote.abstentions": "Abstentions",
    "vote.has_double_majority": "Majority of local groups",
    "vote.deliberation_days": "Deliberation period",
    "vote.voting_days": "Voting period",
    "eligibility": "Eligibility",
    "eligibility.statuses": "Membership statuses",
    "eligibility.min_membership_days": "Minimum membership",
    "eligibility.counted_until": "Membership counted until",
    "eligibility.group": "Local group",
    "entrenched": "Entrenched rules",
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
            label = f"Tier {int(index) + 1}"
            return f"{label} {detail.replace('.', ' ').replace('_', ' ')}" if detail else label
    return path


def describe_co_sponsors(count: int) -> str:
    """'5 co-sponsors must back a proposal before signatures open'."""
    if count == 0:
        return "No co-sponsors are needed before signatures open"
    return f"{plural(count, 'co-sponsor')} must back a proposal before signatures open"


def describe_admission(admission: Admission) -> str:
    """Say whether, and how, the committee admits proposals."""
    if not admission.is_required:
        return "Proposals open for signatures without needing the committee's approval"
    text = "The committee must admit a proposal before signatures open"
    if admission.silence_days is None:
        return text + "; it must decide, and silence does not count as admission"
    return text + f"; silence for {days_text(admission.silence_days)} counts as admission"


def describe_collection(days: int | None) -> str:
    """'Signatures are collected for 183 days'."""
    if days is None:
        return "There is no time limit on collecting signatures"
    return f"Signatures are collected for {days_text(days)}"


def describe_entrenched(paths: frozenset[str]) -> str:
    """'Only a members' referendum can change: Turnout quorum, Signature tiers'."""
    if not paths:
        return "No rules are entrenched"
    names = ", ".join(label_for(path) for path in sorted(paths))
    return f"Only a members' referendum can change: {names}"


def _vote_units(vote: VoteRules | None) -> list[tuple[str, Any, str]]:
    if vote is None:
        return [("vote", None, "Proposals of this kind are never put to a members' vote")]
    return [
        ("vote", True, "Proposals of this kind can be put to a members' vote"),
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
            describe_period(vote.deliberation_days, "deliberation before the vote"),
        ),
        ("vote.voting_days", vote.voting_days, describe_period(vote.voting_days, "voting")),
    ]


def _eligibility_units(rules: Eligibility) -> list[tuple[str, Any, str]]:
    days = rules.min_membership_days
    return [
        (
            "eligibility.statuses",
            rules.statuses,
            f"Only {statuses_text(rules.statuses)} members may take part",
        ),
        (
            "eligibility.min_membership_days",
            days,
            f"Members must have belonged for at least {days_text(days)}"
            if days
            else "There is no minimum length of membership",
        ),
        (
            "eligibility.counted_until",
            rules.counted_until,
            f"Membership is counted up to {COUNTED_UNTIL_TEXT[rules.counted_until]}",
        ),
        (
            "eligibility.group",
            rules.group,
            f"Open only to members of {rules.group}"
            if rules.group
            else "Open to members of every local group",
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
    """Every rule of a rule set in plain English, in reading order."""
    return tuple(RuleText(path, label_for(path), text) for path, _, text in rule_units(ruleset))
