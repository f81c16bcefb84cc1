"""Five real-world rule sets, offered to committees as starting points.

Each follows its source as closely as the model allows; where it cannot, the docstring
says what was simplified. Collection windows in months are converted to days.
"""

from __future__ import annotations

from fractions import Fraction

from deliberate.core.rules.eligibility import Eligibility
from deliberate.core.rules.ruleset import Admission, Consequence, RuleSet, Tier
from deliberate.core.rules.threshold import Combine, Distribution, Threshold
from deliberate.core.rules.voting import AbstentionMode, Majority, VoteRules


def uk_parliament_petitions() -> RuleSet:
    """UK Parliament e-petitions: 5 supporters; 10,000 for a response, 100,000 for a debate.

    Petitions run for 6 months (183 days); the Petitions Committee checks each one
    before it is published. No vote follows.
    """
    return RuleSet(
        name="UK Parliament petitions",
        co_sponsors=5,
        admission=Admission(is_required=True),
        collection_days=183,
        tiers=(
            Tier(Threshold(count=10_000), Consequence.COMMITTEE_MUST_RESPOND),
            Tier(Threshold(count=100_000), Consequence.DEBATE),
        ),
    )


def momentum_2017() -> RuleSet:
    """Momentum's 2017 constitution as its critics described it.

    5% of members or 1,000, whichever is lower, obliges the committee to consider a
    proposal; 10% of members forces an all-member vote, which needs a 30% turnout.
    The constitution set no collection window, so none is set here.
    """
    return RuleSet(
        name="Momentum 2017",
        tiers=(
            Tier(
                Threshold(count=1_000, share=Fraction(5, 100), combine=Combine.LOWER),
                Consequence.COMMITTEE_MUST_CONSIDER,
            ),
            Tier(Threshold(share=Fraction(10, 100)), Consequence.BINDING_REFERENDUM),
        ),
        vote=VoteRules(turnout_quorum=Fraction(30, 100), deliberation_days=14, voting_days=14),
    )


def european_citizens_initiative() -> RuleSet:
    """European Citizens' Initiative: 1,000,000 signatures within 12 months, spread over 7 groups.

    The real rule asks 7 of 27 member states to each pass a minimum of 720 times their
    number of MEPs. Here each local group's minimum is 0.1% of its own members, which
    keeps the idea (every group has its own minimum) for an organisation's groups.
    The Commission (the committee) registers initiatives first and must answer within
    6 months (180 days). The organising committee of 7 is the proposer plus 6.
    """
    return RuleSet(
        name="European Citizens' Initiative",
        co_sponsors=6,
        admission=Admission(is_required=True),
        collection_days=365,
        tiers=(
            Tier(
                Threshold(count=1_000_000),
                Consequence.COMMITTEE_MUST_RESPOND,
                distribution=Distribution(
                    groups_needed=7, minimum=Threshold(share=Fraction(1, 1000))
                ),
                respond_within_days=180,
            ),
        ),
    )


def swiss_popular_initiative() -> RuleSet:
    """Swiss federal popular initiative: 100,000 signatures in 18 months, then a binding vote.

    It passes only with a majority of voters and a majority of cantons (local groups).
    Blank ballots count for turnout but not for the majority. The committee of 7 to 27
    citizens is the proposer plus at least 6; the Federal Chancellery checks the form first.
    """
    return RuleSet(
        name="Swiss popular initiative",
        co_sponsors=6,
        admission=Admission(is_required=True),
        collection_days=548,
        tiers=(Tier(Threshold(count=100_000), Consequence.BINDING_REFERENDUM),),
        vote=VoteRules(
            majority=Majority(Fraction(1, 2), is_strict=True),
            abstentions=AbstentionMode.EXCLUDED,
            has_double_majority=True,
            voting_days=28,
        ),
    )


def madrid_consul() -> RuleSet:
    """Madrid's Decide Madrid (Consul): 1% of the census within 12 months, then a vote.

    The proposal is published for 45 days of deliberation before the vote; a simple
    majority of votes cast decides, with no quorum.
    """
    return RuleSet(
        name="Madrid / Consul",
        collection_days=365,
        tiers=(Tier(Threshold(share=Fraction(1, 100)), Consequence.QUALIFIES_FOR_VOTE),),
        vote=VoteRules(deliberation_days=45, voting_days=7),
        eligibility=Eligibility(),
    )


PRESETS = {
    "uk-parliament-petitions": uk_parliament_petitions,
    "momentum-2017": momentum_2017,
    "european-citizens-initiative": european_citizens_initiative,
    "swiss-popular-initiative": swiss_popular_initiative,
    "madrid-consul": madrid_consul,
}
