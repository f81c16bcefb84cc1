"""Hypothesis properties: rounding is minimal, outcomes are monotone, storage is exact."""

import json
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from deliberate.core.rules import (
    AbstentionMode,
    Admission,
    Combine,
    Consequence,
    Distribution,
    Eligibility,
    Majority,
    MembershipStatus,
    RuleSet,
    Threshold,
    Tier,
    VoteRules,
    canonical_json,
    evaluate_vote,
    required_signatures,
    ruleset_from_dict,
    ruleset_hash,
    ruleset_to_dict,
)

shares = st.fractions(min_value=Fraction(1, 10_000), max_value=1, max_denominator=10_000)
members = st.integers(min_value=0, max_value=10_000_000)
counts = st.integers(min_value=1, max_value=1_000_000)


@st.composite
def thresholds(draw):
    kind = draw(st.sampled_from(["count", "share", "both"]))
    if kind == "count":
        return Threshold(count=draw(counts))
    if kind == "share":
        return Threshold(share=draw(shares))
    return Threshold(draw(counts), draw(shares), draw(st.sampled_from(list(Combine))))


@st.composite
def vote_rules(draw):
    majority_share = draw(st.fractions(min_value=Fraction(1, 2), max_value=1, max_denominator=20))
    is_strict = draw(st.booleans()) and majority_share < 1
    return VoteRules(
        majority=Majority(majority_share, is_strict),
        turnout_quorum=draw(st.none() | shares),
        approval_quorum=draw(st.none() | shares),
        abstentions=draw(st.sampled_from(list(AbstentionMode))),
        has_double_majority=draw(st.booleans()),
        deliberation_days=draw(st.integers(0, 90)),
        voting_days=draw(st.integers(1, 60)),
    )


@st.composite
def ordered_tiers(draw):
    """Tiers of one form whose counts and shares both rise, so they are always in order."""
    size = draw(st.integers(1, 3))
    tier_counts = sorted(draw(st.sets(counts, min_size=size, max_size=size)))
    tier_shares = sorted(draw(st.sets(shares, min_size=size, max_size=size)))
    form = draw(st.sampled_from(["count", "share", *Combine]))
    consequences = draw(st.lists(st.sampled_from(NON_VOTE), min_size=size, max_size=size))
    if draw(st.booleans()):
        consequences[-1] = draw(st.sampled_from(VOTE))
    tiers = []
    for count, share, consequence in zip(tier_counts, tier_shares, consequences, strict=True):
        if form == "count":
            threshold = Threshold(count=count)
        elif form == "share":
            threshold = Threshold(share=share)
        else:
            threshold = Threshold(count, share, form)
        distribution = draw(st.none() | st.builds(Distribution, st.integers(1, 30), thresholds()))
        tiers.append(Tier(threshold, consequence, distribution))
    return tuple(tiers)


NON_VOTE = [c for c in Consequence if not c.leads_to_vote]
VOTE = [c for c in Consequence if c.leads_to_vote]


@st.composite
def rulesets(draw):
    tiers = draw(ordered_tiers())
    has_vote = tiers[-1].consequence.leads_to_vote or draw(st.booleans())
    return RuleSet(
        name=draw(st.sampled_from(["Policy motion", "Campaign", "Règle"])),
        tiers=tiers,
        co_sponsors=draw(st.integers(0, 50)),
        admission=Admission(True, draw(st.none() | st.integers(1, 60))),
        collection_days=draw(st.none() | st.integers(1, 730)),
        vote=draw(vote_rules()) if has_vote else None,
        eligibility=Eligibility(
            statuses=frozenset(draw(st.sets(st.sampled_from(list(MembershipStatus)), min_size=1))),
            min_membership_days=draw(st.integers(0, 365)),
            group=draw(st.none() | st.sampled_from(["Leeds", "Zürich"])),
        ),
        entrenched=frozenset(draw(st.sets(st.sampled_from(["tiers", "vote.majority", "name"])))),
    )


@given(shares, members)
def test_share_rounds_up_and_is_minimal(share, eligible):
    needed = required_signatures(Threshold(share=share), eligible)
    assert needed >= share * eligible
    assert needed - 1 < share * eligible


@given(thresholds(), members)
def test_combined_threshold_is_between_its_parts(threshold, eligible):
    needed = required_signatures(threshold, eligible)
    parts = (
        [required_signatures(Threshold(count=threshold.count), eligible)] if threshold.count else []
    )
    if threshold.share is not None:
        parts.append(required_signatures(Threshold(share=threshold.share), eligible))
    assert min(parts) <= needed <= max(parts)


@given(thresholds(), members, members)
def test_more_members_never_need_fewer_signatures(threshold, a, b):
    low, high = sorted((a, b))
    assert required_signatures(threshold, low) <= required_signatures(threshold, high)


votes = st.integers(min_value=0, max_value=2_000)


@settings(max_examples=100, deadline=None)
@given(vote_rules().filter(lambda v: not v.has_double_majority), votes, votes, votes, votes)
def test_adding_a_yes_vote_never_turns_a_pass_into_a_fail(rules, yes, no, abstain, absent):
    electorate = yes + no + abstain + absent + 1
    before = evaluate_vote(rules, electorate, yes, no, abstain)
    after = evaluate_vote(rules, electorate, yes + 1, no, abstain)
    assert not (before.is_passed and not after.is_passed)


@settings(max_examples=100, deadline=None)
@given(vote_rules().filter(lambda v: not v.has_double_majority), votes, votes, votes, votes)
def test_adding_a_no_vote_never_turns_a_fail_into_a_pass_by_majority(
    rules, yes, no, abstain, absent
):
    electorate = yes + no + abstain + absent + 1
    before = evaluate_vote(rules, electorate, yes, no, abstain)
    after = evaluate_vote(rules, electorate, yes, no + 1, abstain)
    assert not (not before.is_majority_met and after.is_majority_met)


@settings(max_examples=60, deadline=None)
@given(rulesets())
def test_rule_sets_round_trip_exactly_through_json(ruleset):
    stored = json.loads(canonical_json(ruleset_to_dict(ruleset)))
    rebuilt = ruleset_from_dict(stored)
    assert rebuilt == ruleset
    assert ruleset_hash(rebuilt) == ruleset_hash(ruleset)
    assert canonical_json(rebuilt) == canonical_json(ruleset)
