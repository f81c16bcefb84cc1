"""The rulebook: how proposals gather support, go to a vote and pass. Pure and exact.

Standard library only; every share is a fractions.Fraction and every count a whole
number, so a rule means the same thing in a test, on a form and in a stored version.
"""

from deliberate.core.rules.describe import RuleText, describe_ruleset
from deliberate.core.rules.diff import (
    Change,
    diff_rulebooks,
    diff_rulesets,
    entrenched_changes,
    rulebook_entrenched_changes,
)
from deliberate.core.rules.eligibility import (
    CountedUntil,
    Eligibility,
    MembershipStatus,
    check_eligibility,
    describe_eligibility,
)
from deliberate.core.rules.feasibility import (
    Feasibility,
    History,
    PastProposal,
    PastReferendum,
    TierFeasibility,
    assess_feasibility,
)
from deliberate.core.rules.outcome import GroupResult, VoteOutcome, evaluate_vote
from deliberate.core.rules.ruleset import (
    Admission,
    Consequence,
    Rulebook,
    RuleSet,
    Tier,
    describe_tier,
)
from deliberate.core.rules.serialise import (
    canonical_json,
    rulebook_from_dict,
    rulebook_hash,
    rulebook_to_dict,
    ruleset_from_dict,
    ruleset_hash,
    ruleset_to_dict,
)
from deliberate.core.rules.signatures import (
    DistributionStatus,
    GroupProgress,
    SignatureStatus,
    TierStatus,
    evaluate_signatures,
    fewest_signatures_to_meet_a_tier,
    signatures_per_day_needed,
)
from deliberate.core.rules.threshold import (
    Combine,
    Distribution,
    Threshold,
    describe_distribution,
    describe_threshold,
    required_signatures,
)
from deliberate.core.rules.voting import AbstentionMode, Majority, VoteRules, describe_majority

__all__ = [
    "AbstentionMode",
    "Admission",
    "Change",
    "Combine",
    "Consequence",
    "CountedUntil",
    "Distribution",
    "DistributionStatus",
    "Eligibility",
    "Feasibility",
    "GroupProgress",
    "GroupResult",
    "History",
    "Majority",
    "MembershipStatus",
    "PastProposal",
    "PastReferendum",
    "RuleSet",
    "RuleText",
    "Rulebook",
    "SignatureStatus",
    "Threshold",
    "Tier",
    "TierFeasibility",
    "TierStatus",
    "VoteOutcome",
    "VoteRules",
    "assess_feasibility",
    "canonical_json",
    "check_eligibility",
    "describe_distribution",
    "describe_eligibility",
    "describe_majority",
    "describe_ruleset",
    "describe_threshold",
    "describe_tier",
    "diff_rulebooks",
    "diff_rulesets",
    "entrenched_changes",
    "evaluate_signatures",
    "fewest_signatures_to_meet_a_tier",
    "evaluate_vote",
    "required_signatures",
    "rulebook_entrenched_changes",
    "rulebook_from_dict",
    "rulebook_hash",
    "rulebook_to_dict",
    "ruleset_from_dict",
    "ruleset_hash",
    "ruleset_to_dict",
    "signatures_per_day_needed",
]
