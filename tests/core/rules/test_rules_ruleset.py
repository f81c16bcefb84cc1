"""Rule set validation: tier order, vote tier, periods, entrenchable paths."""

from fractions import Fraction

import pytest

from deliberate.core.errors import ValidationError
from deliberate.core.rules import (
    Admission,
    Combine,
    Consequence,
    Eligibility,
    Majority,
    Rulebook,
    RuleSet,
    Threshold,
    Tier,
    VoteRules,
)


def tier(consequence=Consequence.COMMITTEE_MAY_CONSIDER, **threshold):
    return Tier(Threshold(**threshold), consequence)


def test_vote_tier_is_the_one_that_leads_to_a_vote():
    vote_tier = tier(Consequence.QUALIFIES_FOR_VOTE, count=500)
    ruleset = RuleSet("Motion", (tier(count=100), vote_tier), vote=VoteRules())
    assert ruleset.vote_tier is vote_tier


def test_rule_set_without_vote_tier_has_none():
    assert RuleSet("Campaign", (tier(count=100),)).vote_tier is None


def test_tiers_must_increase():
    with pytest.raises(ValidationError, match="Tier 2 .* must never need fewer"):
        RuleSet("Motion", (tier(count=1_000), tier(Consequence.DEBATE, count=999)))


def test_share_tier_below_a_count_tier_at_small_sizes_is_refused():
    # 10% of members is fewer than 1,000 for any organisation under 10,000 members.
    with pytest.raises(ValidationError, match="with 1 member it would"):
        RuleSet("Motion", (tier(count=1_000), tier(Consequence.DEBATE, share=Fraction(1, 10))))


def test_count_tier_after_share_tier_is_refused_for_large_organisations():
    with pytest.raises(ValidationError, match="1,000,001 members"):
        RuleSet("Motion", (tier(share=Fraction(1, 10)), tier(Consequence.DEBATE, count=100_000)))


def test_higher_of_count_and_share_orders_correctly_above_lower_of_them():
    lower = tier(count=1_000, share=Fraction(5, 100), combine=Combine.LOWER)
    higher = tier(Consequence.DEBATE, count=1_000, share=Fraction(5, 100), combine=Combine.HIGHER)
    assert len(RuleSet("Motion", (lower, higher)).tiers) == 2


def test_identical_tiers_are_refused():
    with pytest.raises(ValidationError, match="exactly the same support"):
        RuleSet("Motion", (tier(count=100), tier(Consequence.DEBATE, count=100)))


def test_two_vote_tiers_are_refused():
    tiers = (
        tier(Consequence.QUALIFIES_FOR_VOTE, count=100),
        tier(Consequence.BINDING_REFERENDUM, count=200),
    )
    with pytest.raises(ValidationError, match="Only one tier"):
        RuleSet("Motion", tiers, vote=VoteRules())


def test_vote_tier_without_voting_rules_is_refused():
    with pytest.raises(ValidationError, match="voting rules must be set"):
        RuleSet("Motion", (tier(Consequence.QUALIFIES_FOR_VOTE, count=100),))


def test_empty_tier_list_is_refused():
    with pytest.raises(ValidationError, match="at least one"):
        RuleSet("Motion", ())


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: RuleSet("M", (tier(count=1),), co_sponsors=-1), "at least 0"),
        (lambda: RuleSet("M", (tier(count=1),), collection_days=0), "at least 1"),
        (lambda: RuleSet(" ", (tier(count=1),)), "must not be blank"),
        (lambda: Admission(is_required=False, silence_days=14), "only count as admission"),
        (lambda: Admission(is_required=True, silence_days=0), "at least 1"),
        (lambda: VoteRules(turnout_quorum=Fraction(3, 2)), "more than 100%"),
        (lambda: VoteRules(voting_days=0), "at least 1"),
        (lambda: Majority(Fraction(2, 5)), "at least half"),
        (lambda: Majority(Fraction(1), is_strict=True), "more than 100%"),
        (lambda: Eligibility(statuses=frozenset()), "At least one membership status"),
        (lambda: Eligibility(statuses=frozenset({"retired"})), "must be one of"),
        (lambda: Eligibility(min_membership_days=-1), "at least 0"),
        (
            lambda: Tier(Threshold(count=5), Consequence.DEBATE, respond_within_days=5),
            "only applies when the committee must respond",
        ),
    ],
)
def test_invalid_rules_are_refused_in_plain_words(build, message):
    with pytest.raises(ValidationError, match=message):
        build()


def test_unanimity_is_allowed_as_at_least_all():
    assert Majority(Fraction(1), is_strict=False).share == 1


@pytest.mark.parametrize(
    "path", ["tiers", "tiers.0.threshold", "vote.turnout_quorum", "co_sponsors"]
)
def test_known_paths_can_be_entrenched(path):
    ruleset = RuleSet("M", (tier(count=1),), entrenched=frozenset({path}))
    assert path in ruleset.entrenched


@pytest.mark.parametrize("path", ["quorum", "vote.quorum", "tiers.first", ""])
def test_unknown_paths_cannot_be_entrenched(path):
    with pytest.raises(ValidationError):
        RuleSet("M", (tier(count=1),), entrenched=frozenset({path}))


def test_rulebook_kinds_must_be_slugs():
    with pytest.raises(ValidationError, match="not a valid kind"):
        Rulebook({"Policy Motion": RuleSet("M", (tier(count=1),))})


def test_rulebook_gathers_entrenched_paths_by_kind():
    ruleset = RuleSet("M", (tier(count=1),), entrenched=frozenset({"co_sponsors"}))
    assert Rulebook({"motion": ruleset}).entrenched == {"motion.co_sponsors"}
