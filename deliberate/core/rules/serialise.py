"""Canonical, JSON-safe storage of rule sets and rulebooks, and their SHA-256 hashes.

Storage format (every key always present; Fractions as "n/d" strings in lowest terms)::

    {"schema": 1, "rulesets": {"policy-motion": RULESET, ...}}

    RULESET = {
      "name": "Policy motion", "co_sponsors": 5, "collection_days": 90 | null,
      "tiers": [{"threshold": THRESHOLD, "consequence": "committee_must_respond",
                 "respond_within_days": 28 | null,
                 "distribution": {"groups_needed": 7, "minimum": THRESHOLD} | null}],
      "admission": {"is_required": false, "silence_days": null},
      "vote": {"majority": {"share": "1/2", "is_strict": true},
               "turnout_quorum": "3/10" | null, "approval_quorum": null,
               "abstentions": "excluded", "has_double_majority": false,
               "deliberation_days": 14, "voting_days": 14} | null,
      "eligibility": {"statuses": ["active"], "min_membership_days": 30,
                      "counted_until": "day_of_action", "group": null},
      "entrenched": ["vote.turnout_quorum"]}

    THRESHOLD = {"count": 1000 | null, "share": "1/20" | null, "combine": "lower" | null}
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

from deliberate.core.errors import ValidationError
from deliberate.core.messages import N_
from deliberate.core.rules.eligibility import Eligibility
from deliberate.core.rules.ruleset import Admission, Rulebook, RuleSet, Tier
from deliberate.core.rules.threshold import Distribution, Threshold
from deliberate.core.rules.voting import Majority, VoteRules

SCHEMA_VERSION = 1
_FRACTION = re.compile(r"(-?\d+)/(\d+)")


def fraction_to_str(value: Fraction) -> str:
    """'n/d' in lowest terms, including whole numbers ('1/1')."""
    return f"{value.numerator}/{value.denominator}"


def fraction_from_str(text: Any, what: str) -> Fraction:
    """Parse an 'n/d' string exactly; anything else (floats included) is refused."""
    match = _FRACTION.fullmatch(text) if isinstance(text, str) else None
    if match is None or int(match.group(2)) == 0:
        raise ValidationError(f"{what} must be written as a fraction 'n/d', not {text!r}.")
    return Fraction(int(match.group(1)), int(match.group(2)))


def _optional(value: Any, convert: Callable[[Any], Any]) -> Any:
    return None if value is None else convert(value)


def _threshold_to_dict(threshold: Threshold) -> dict[str, Any]:
    return {
        "count": threshold.count,
        "share": _optional(threshold.share, fraction_to_str),
        "combine": _optional(threshold.combine, lambda c: c.value),
    }


def _tier_to_dict(tier: Tier) -> dict[str, Any]:
    distribution = tier.distribution
    return {
        "threshold": _threshold_to_dict(tier.threshold),
        "consequence": tier.consequence.value,
        "respond_within_days": tier.respond_within_days,
        "distribution": None
        if distribution is None
        else {
            "groups_needed": distribution.groups_needed,
            "minimum": _threshold_to_dict(distribution.minimum),
        },
    }


def _vote_to_dict(vote: VoteRules) -> dict[str, Any]:
    return {
        "majority": {
            "share": fraction_to_str(vote.majority.share),
            "is_strict": vote.majority.is_strict,
        },
        "turnout_quorum": _optional(vote.turnout_quorum, fraction_to_str),
        "approval_quorum": _optional(vote.approval_quorum, fraction_to_str),
        "abstentions": vote.abstentions.value,
        "has_double_majority": vote.has_double_majority,
        "deliberation_days": vote.deliberation_days,
        "voting_days": vote.voting_days,
    }


def ruleset_to_dict(ruleset: RuleSet) -> dict[str, Any]:
    """The JSON-safe storage form of a rule set (see the module docstring)."""
    eligibility = ruleset.eligibility
    return {
        "name": ruleset.name,
        "co_sponsors": ruleset.co_sponsors,
        "collection_days": ruleset.collection_days,
        "tiers": [_tier_to_dict(tier) for tier in ruleset.tiers],
        "admission": {
            "is_required": ruleset.admission.is_required,
            "silence_days": ruleset.admission.silence_days,
        },
        "vote": _optional(ruleset.vote, _vote_to_dict),
        "eligibility": {
            # Sorted so equal sets always serialise, and hash, the same way.
            "statuses": sorted(status.value for status in eligibility.statuses),
            "min_membership_days": eligibility.min_membership_days,
            "counted_until": eligibility.counted_until.value,
            "group": eligibility.group,
        },
        "entrenched": sorted(ruleset.entrenched),
    }


def _fields(data: Any, keys: tuple[str, ...], what: str) -> dict[str, Any]:
    """Check ``data`` is a mapping with exactly ``keys``; stored versions never drift silently."""
    if not isinstance(data, Mapping):
        raise ValidationError(f"{what} must be an object.")
    missing = [key for key in keys if key not in data]
    extra = sorted(str(key) for key in data if key not in keys)
    if missing:
        raise ValidationError(f"{what} is missing {', '.join(missing)}.")
    if extra:
        raise ValidationError(f"{what} has unknown fields: {', '.join(extra)}.")
    return dict(data)


def _threshold_from_dict(data: Any, what: str) -> Threshold:
    d = _fields(data, ("count", "share", "combine"), what)
    return Threshold(
        count=d["count"],
        share=_optional(d["share"], lambda s: fraction_from_str(s, f"{what}'s percentage")),
        combine=d["combine"],
    )


def _tier_from_dict(data: Any, number: int) -> Tier:
    what = f"Tier {number}"
    d = _fields(data, ("threshold", "consequence", "respond_within_days", "distribution"), what)
    distribution = None
    if d["distribution"] is not None:
        dd = _fields(d["distribution"], ("groups_needed", "minimum"), f"{what}'s distribution")
        distribution = Distribution(
            groups_needed=dd["groups_needed"],
            minimum=_threshold_from_dict(dd["minimum"], f"{what}'s group minimum"),
        )
    return Tier(
        threshold=_threshold_from_dict(d["threshold"], f"{what}'s threshold"),
        consequence=d["consequence"],
        distribution=distribution,
        respond_within_days=d["respond_within_days"],
    )


_VOTE_KEYS = (
    "majority",
    "turnout_quorum",
    "approval_quorum",
    "abstentions",
    "has_double_majority",
    "deliberation_days",
    "voting_days",
)


def _vote_from_dict(data: Any) -> VoteRules:
    d = _fields(data, _VOTE_KEYS, "The voting rules")
    m = _fields(d["majority"], ("share", "is_strict"), "The majority")
    return VoteRules(
        majority=Majority(fraction_from_str(m["share"], "The majority"), m["is_strict"]),
        turnout_quorum=_optional(
            d["turnout_quorum"], lambda s: fraction_from_str(s, "The turnout quorum")
        ),
        approval_quorum=_optional(
            d["approval_quorum"], lambda s: fraction_from_str(s, "The approval quorum")
        ),
        abstentions=d["abstentions"],
        has_double_majority=d["has_double_majority"],
        deliberation_days=d["deliberation_days"],
        voting_days=d["voting_days"],
    )


def _text_list(value: Any, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError(f"{what} must be a list of text.")
    return value


def _eligibility_from_dict(data: Any) -> Eligibility:
    keys = ("statuses", "min_membership_days", "counted_until", "group")
    d = _fields(data, keys, "The eligibility rules")
    return Eligibility(
        statuses=frozenset(_text_list(d["statuses"], "The allowed membership statuses")),
        min_membership_days=d["min_membership_days"],
        counted_until=d["counted_until"],
        group=d["group"],
    )


_RULESET_KEYS = (
    "name",
    "co_sponsors",
    "collection_days",
    "tiers",
    "admission",
    "vote",
    "eligibility",
    "entrenched",
)


def ruleset_from_dict(data: Any) -> RuleSet:
    """Rebuild a rule set from its storage form, raising ValidationError on anything amiss."""
    d = _fields(data, _RULESET_KEYS, "The rule set")
    if not isinstance(d["tiers"], list):
        raise ValidationError(N_("The tiers must be a list."))
    admission = _fields(d["admission"], ("is_required", "silence_days"), "The committee gate")
    return RuleSet(
        name=d["name"],
        co_sponsors=d["co_sponsors"],
        collection_days=d["collection_days"],
        tiers=tuple(_tier_from_dict(t, n) for n, t in enumerate(d["tiers"], start=1)),
        admission=Admission(admission["is_required"], admission["silence_days"]),
        vote=_optional(d["vote"], _vote_from_dict),
        eligibility=_eligibility_from_dict(d["eligibility"]),
        entrenched=frozenset(_text_list(d["entrenched"], "The entrenched rules")),
    )


def rulebook_to_dict(rulebook: Rulebook) -> dict[str, Any]:
    """The JSON-safe storage form of a whole rulebook."""
    rulesets = {kind: ruleset_to_dict(rs) for kind, rs in rulebook.rulesets.items()}
    return {"schema": SCHEMA_VERSION, "rulesets": rulesets}


def rulebook_from_dict(data: Any) -> Rulebook:
    """Rebuild a rulebook from its storage form, raising ValidationError on anything amiss."""
    d = _fields(data, ("schema", "rulesets"), "The rulebook")
    if d["schema"] != SCHEMA_VERSION:
        raise ValidationError(f"Unknown rulebook format version {d['schema']!r}.")
    if not isinstance(d["rulesets"], Mapping):
        raise ValidationError(N_("The rulebook's rule sets must be an object keyed by kind."))
    return Rulebook({kind: ruleset_from_dict(rs) for kind, rs in d["rulesets"].items()})


def _check_json_safe(value: Any) -> None:
    # Floats have no single canonical spelling, so they never enter canonical JSON.
    if isinstance(value, float):
        raise ValidationError(N_("Canonical JSON holds no floats; write fractions as 'n/d'."))
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValidationError(N_("Canonical JSON keys must be text."))
            _check_json_safe(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _check_json_safe(item)


def canonical_json(obj: Any) -> str:
    """One fixed JSON spelling: sorted keys, no spaces, UTF-8 text. Rule sets/rulebooks accepted."""
    if isinstance(obj, RuleSet):
        obj = ruleset_to_dict(obj)
    elif isinstance(obj, Rulebook):
        obj = rulebook_to_dict(obj)
    _check_json_safe(obj)
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _sha256(obj: Any) -> str:
    return hashlib.sha256(canonical_json(obj).encode("utf-8")).hexdigest()


def ruleset_hash(ruleset: RuleSet) -> str:
    """SHA-256 hex digest of the rule set's canonical JSON."""
    return _sha256(ruleset_to_dict(ruleset))


def rulebook_hash(rulebook: Rulebook) -> str:
    """SHA-256 hex digest of the rulebook's canonical JSON."""
    return _sha256(rulebook_to_dict(rulebook))
