"""The standalone verifier decides yes/no votes and most-voted winners exactly as core does.

It may not import Deliberate, so it carries its own copy of the rules; these properties
hold that copy to core.rules.evaluate_vote and core.tally.ties.top_n.
"""

from fractions import Fraction

from hypothesis import example, given
from hypothesis import strategies as st

from deliberate.core.rules import Majority, VoteRules, evaluate_vote
from deliberate.core.rules.serialise import _vote_to_dict  # the definition's "vote_rules"
from deliberate.core.rules.voting import AbstentionMode
from deliberate.core.tally.ties import top_n

votes = st.integers(min_value=0, max_value=12)
shares = st.sampled_from([Fraction(1, 2), Fraction(3, 5), Fraction(2, 3), Fraction(3, 4), 1])
quorums = st.none() | st.sampled_from([Fraction(1, 5), Fraction(1, 3), Fraction(1, 2), 1])


@st.composite
def vote_rules(draw) -> VoteRules:
    share = draw(shares)
    return VoteRules(
        majority=Majority(Fraction(share), is_strict=share != 1 and draw(st.booleans())),
        turnout_quorum=draw(quorums),
        approval_quorum=draw(quorums),
        abstentions=draw(st.sampled_from(list(AbstentionMode))),
        has_double_majority=draw(st.booleans()),
    )


class Lines:
    """A Report that keeps the lines instead of printing them."""

    def __init__(self) -> None:
        self.failures, self.lines = 0, []

    def ok(self, message: str) -> None:
        self.lines.append(f"ok {message}")

    def failed(self, message: str) -> None:
        self.failures += 1
        self.lines.append(f"FAILED {message}")

    def warn(self, message: str) -> None:
        self.lines.append(f"WARNING {message}")


def official_of(outcome) -> dict:
    """The parts of a stored yes/no result (services.counting) that the verifier reads."""
    checks = [
        ("Turnout quorum", outcome.is_turnout_met),
        ("Approval quorum", outcome.is_approval_met),
        ("Majority", outcome.is_majority_met),
    ]
    if outcome.is_group_majority_met is not None:
        checks.append(("Majority of local groups", outcome.is_group_majority_met))
    groups = [
        {"group": g.group, "is_suppressed": False, "is_approved": g.is_approved}
        | {"yes": g.yes, "no": g.no, "abstain": g.abstain}
        for g in outcome.groups
    ]
    return {
        "checks": [{"name": name, "is_met": is_met} for name, is_met in checks],
        "groups": groups,
        "is_passed": outcome.is_passed,
    }


@given(
    vote_rules(),
    st.integers(min_value=0, max_value=40),
    votes,
    votes,
    votes,
    st.lists(st.tuples(votes, votes, votes), max_size=4),
)
@example(VoteRules(turnout_quorum=Fraction(1, 2)), 10, 3, 1, 1, [])  # exactly half voted
@example(VoteRules(majority=Majority(Fraction(2, 3))), 9, 4, 2, 0, [])  # 4 of 6: not > 2/3
@example(VoteRules(majority=Majority(Fraction(2, 3), False)), 9, 4, 2, 0, [])  # but >= 2/3
@example(VoteRules(), 0, 0, 0, 0, [])  # nobody eligible
def test_the_verifier_judges_a_yes_no_vote_as_core_does(
    verifier_module, rules, electorate, yes, no, abstain, group_votes
):
    electorate = max(electorate, yes + no + abstain)
    by_group = {f"g{i}": counts for i, counts in enumerate(group_votes)}
    outcome = evaluate_vote(
        rules, electorate, yes, no, abstain, by_group if rules.has_double_majority else None
    )
    checked = verifier_module.vote_rules({"vote_rules": _vote_to_dict(rules)})
    official = official_of(outcome)
    report = Lines()
    verifier_module.check_passed(official, checked, electorate, (yes, no, abstain), report)
    assert report.failures == 0, report.lines
    official["is_passed"] = not outcome.is_passed
    verifier_module.check_passed(official, checked, electorate, (yes, no, abstain), report)
    assert report.failures == 1 and report.lines[-1].startswith("FAILED official result: is_")


def test_a_definition_without_vote_rules_is_judged_by_cores_defaults(verifier_module):
    assert verifier_module.vote_rules({"vote_rules": None}) == verifier_module.vote_rules(
        {"vote_rules": _vote_to_dict(VoteRules())}
    )


@given(st.dictionaries(st.sampled_from("ABCDEF"), votes), st.integers(min_value=1, max_value=5))
@example({"A": 3, "B": 3, "C": 1}, 1)  # tied for the only seat
@example({"A": 3, "B": 2, "C": 2}, 2)  # tied for the second seat
@example({"A": 3, "B": 0}, 2)  # no votes, never elected
def test_the_verifiers_most_voted_winners_are_cores(verifier_module, tallies, seats):
    order = sorted(tallies)
    voted = {option: n for option, n in tallies.items() if n > 0}
    winners, tied = top_n(voted, seats, order)
    assert verifier_module.top_seats(tallies, seats) == (set(winners), set(tied))
