"""The verifier checks the official result of every method, not only the exporter's totals.

Each tampered bundle is re-signed with the organisation's key, so the manifest and the
signature hold and only the recount and the vote rules can catch the change.
"""

from fractions import Fraction

import pytest

from deliberate.core.rules import Majority, VoteRules
from deliberate.core.rules.voting import AbstentionMode
from deliberate.extensions import db
from deliberate.models import VoteMethod
from deliberate.services import referendums
from tests.audit_builders import closed_vote, closed_vote_with
from tests.services.test_audit_bundle import export_bytes, run_verifier
from tests.services.test_double_yes_bundle import changed_results, failed_lines, re_signed

RANKED = (VoteMethod.IRV, VoteMethod.STV, VoteMethod.SCHULZE)
# What closed_vote's five ballots give, counted by hand (tests/audit_builders.py).
GENUINE_LINES = {
    VoteMethod.YES_NO: "ok official result: passed by the vote rules (turnout 5/7 of the "
    "electorate, no quorum; yes votes 3/7 of the electorate, no quorum; "
    "3 yes of 4 votes cast, more than 1/2 needed)",
    VoteMethod.SINGLE: "ok official result: winners ['harbour-hall'] (tied: []) "
    "are the most-voted options for 1 seat(s)",
    VoteMethod.APPROVAL: "ok official result: winners [] "
    "(tied: ['harbour-hall', 'old-mill', 'station-square']) "
    "are the most-voted options for 1 seat(s)",
    VoteMethod.IRV: "ok official result: its ballots and round 1 match the recount (irv)",
    VoteMethod.STV: "ok official result: its ballots and round 1 match the recount (stv)",
    VoteMethod.SCHULZE: "ok official result: its ballots match the recount (schulze)",
}


def slugs(app, vote: str) -> list[str]:
    """The vote's option ids in their published order."""
    with app.app_context():
        return [
            o.slug
            for o in sorted(referendums.get(db.session, vote).options, key=lambda o: o.position)
        ]


def tampered(app, tmp_path, vote: str, mutate):
    """Run the verifier on the vote's bundle with results.json changed and re-signed."""
    bundle = re_signed(export_bytes(app, vote), "results.json", changed_results(mutate))
    return run_verifier(tmp_path, bundle)


def assert_fails_with(result, expected: str) -> None:
    assert result.returncode == 1, result.stdout
    assert any(line.startswith(expected) for line in failed_lines(result.stdout)), result.stdout


@pytest.mark.parametrize("method", list(GENUINE_LINES), ids=lambda m: m.value)
def test_the_official_result_of_a_genuine_bundle_is_borne_out(app, tmp_path, method):
    result = run_verifier(tmp_path, export_bytes(app, closed_vote(app, method)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAILED" not in result.stdout and result.stdout.endswith("bundle verified\n")
    assert GENUINE_LINES[method] in result.stdout.splitlines()
    assert "ok results.json: verdict is the official result's" in result.stdout


@pytest.mark.parametrize("method", RANKED, ids=lambda m: m.value)
def test_a_ranked_bundle_is_recounted_by_the_published_order(app, tmp_path, method):
    """The verifier counts IRV, STV and Schulze itself (tests/core/bundle/
    test_verify_ranked_recount.py has the details), so the old warning is gone."""
    vote = closed_vote(app, method)
    result = run_verifier(tmp_path, export_bytes(app, vote))
    assert result.returncode == 0 and result.stdout.endswith("bundle verified\n")
    assert "WARNING official result" not in result.stdout
    label = {"irv": "IRV", "stv": "STV", "schulze": "Schulze"}[method.value]
    how = "options in" if method is VoteMethod.SCHULZE else "ties broken by"
    setup = f"ok {label} count: 1 seat(s); {how} the published option order "
    assert setup + ", ".join(slugs(app, vote)) in result.stdout.splitlines()
    assert f"ok {label} recount: " in result.stdout


# --- yes/no ------------------------------------------------------------------------------


def check(name: str, **changes):
    """A mutation of results.json: one entry of the official "checks" changed."""

    def mutate(results):
        entry = next(c for c in results["official"]["checks"] if c["name"] == name)
        entry.update(changes)

    return mutate


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda r: r["official"]["tally"].update(yes=4),
            "FAILED official result: differs from the recount (yes: 4 vs 3)",
        ),
        (
            lambda r: r["official"]["tally"].update(no=2, abstain=0),
            "FAILED official result: differs from the recount (abstain: 0 vs 1, no: 2 vs 1)",
        ),
        (
            lambda r: r["official"].update(ballots=6),
            "FAILED official result: differs from the recount (ballots: 6 vs 5)",
        ),
        (
            lambda r: r["official"].update(electorate=8),
            "FAILED official result: differs from the recount (electorate: 8 vs 7)",
        ),
        (
            lambda r: r["official"].update(is_passed=False),
            "FAILED official result: is_passed is False, but the vote rules give True "
            "(turnout 5/7 of the electorate, no quorum;",
        ),
        (
            check("Majority", is_met=False),
            "FAILED official result: Majority is_met is False, the vote rules give True "
            "(3 yes of 4 votes cast, more than 1/2 needed)",
        ),
        (
            lambda r: r.update(verdict="Failed: nobody voted"),
            "FAILED results.json: verdict differs from the official result's",
        ),
        (
            lambda r: r.pop("official"),
            "FAILED official result: results.json has a verdict but no official result",
        ),
        (
            lambda r: r["official"].pop("tally"),
            "FAILED official result: KeyError: 'tally'",
        ),
    ],
    ids=[
        "yes",
        "no-abstain",
        "ballots",
        "electorate",
        "passed",
        "check",
        "verdict",
        "none",
        "shape",
    ],
)
def test_an_altered_official_yes_no_result_fails(app, tmp_path, mutate, expected):
    result = tampered(app, tmp_path, closed_vote(app, VoteMethod.YES_NO), mutate)
    assert_fails_with(result, expected)
    assert "ok tally: recounted totals match results.json (yes_no)" in result.stdout


# Five of seven members vote; unless a case says otherwise 3 yes, 1 no, 1 abstain.
YES_NO_CASES = [
    # turnout quorum, inclusive: 5/7 meets a 5/7 quorum, not a 3/4 one
    (VoteRules(turnout_quorum=Fraction(5, 7)), None, True, "turnout 5/7 of the electorate"),
    (VoteRules(turnout_quorum=Fraction(3, 4)), None, False, "turnout 5/7 of the electorate, 3/4"),
    # abstentions ignored do not count towards turnout: 4/7 misses the 5/7 quorum
    (
        VoteRules(turnout_quorum=Fraction(5, 7), abstentions=AbstentionMode.IGNORED),
        None,
        False,
        "turnout 4/7 of the electorate, 5/7 needed",
    ),
    # approval quorum: yes votes over the whole electorate
    (VoteRules(approval_quorum=Fraction(3, 7)), None, True, "yes votes 3/7"),
    (VoteRules(approval_quorum=Fraction(1, 2)), None, False, "yes votes 3/7 of the electorate"),
    # majority: 3 of 4 is not more than 3/4, but it is at least 3/4
    (VoteRules(majority=Majority(Fraction(3, 4))), None, False, "3 yes of 4 votes cast, more"),
    (VoteRules(majority=Majority(Fraction(3, 4), is_strict=False)), None, True, "3 yes of 4"),
    # abstentions against: 2 yes of 5 cast fails where, excluded, 2 of 3 passes
    (
        VoteRules(abstentions=AbstentionMode.AGAINST),
        ["yes", "no", "abstain", "abstain", "yes"],
        False,
        "2 yes of 5 votes cast",
    ),
    (VoteRules(), ["yes", "no", "abstain", "abstain", "yes"], True, "2 yes of 3 votes cast"),
]


@pytest.mark.parametrize(("rules", "choices", "is_passed", "reason"), YES_NO_CASES)
def test_is_passed_follows_the_vote_rules_and_a_contradicting_one_fails(
    app, tmp_path, rules, choices, is_passed, reason
):
    choices = choices or ["yes", "no", "yes", "abstain", "yes"]
    vote = closed_vote_with(app, VoteMethod.YES_NO, choices, rules=rules)
    genuine = run_verifier(tmp_path, export_bytes(app, vote))
    assert genuine.returncode == 0, genuine.stdout
    verdict = "passed" if is_passed else "failed"
    assert f"ok official result: {verdict} by the vote rules (" in genuine.stdout
    assert reason in genuine.stdout

    def flip(results):
        results["official"]["is_passed"] = not is_passed

    assert_fails_with(
        tampered(app, tmp_path, vote, flip),
        f"FAILED official result: is_passed is {not is_passed}, "
        f"but the vote rules give {is_passed} (",
    )


def test_a_passed_claim_that_also_forges_the_turnout_check_and_verdict_fails(app, tmp_path):
    vote = closed_vote_with(
        app, VoteMethod.YES_NO, ["yes"] * 5, rules=VoteRules(turnout_quorum=Fraction(4, 5))
    )

    def forge(results):
        official = results["official"]
        official["is_passed"] = True
        check("Turnout quorum", is_met=True)(results)
        results["verdict"] = official["verdict"] = "Passed: 100% voted yes"

    result = tampered(app, tmp_path, vote, forge)
    assert_fails_with(
        result,
        "FAILED official result: Turnout quorum is_met is True, the vote rules give False "
        "(turnout 5/7 of the electorate, 4/5 needed)",
    )
    assert_fails_with(
        result,
        "FAILED official result: is_passed is True, but the vote rules give False "
        "(turnout 5/7 of the electorate, 4/5 needed)",
    )


def double_majority_vote(app) -> str:
    """Ten voters in two groups of five: 7 yes overall, but only the first group approves."""
    choices = ["yes"] * 5 + ["yes", "yes", "no", "no", "no"]
    rules = VoteRules(has_double_majority=True)
    return closed_vote_with(
        app, VoteMethod.YES_NO, choices, rules=rules, groups=(5, 5), ungrouped=0, prefix="dm"
    )


def test_a_double_majority_is_recomputed_from_the_groups(app, tmp_path):
    vote = double_majority_vote(app)
    genuine = run_verifier(tmp_path, export_bytes(app, vote))
    assert genuine.returncode == 0, genuine.stdout
    assert (
        "ok official result: failed by the vote rules "
        "(1 of 2 local groups approved, more than half needed)" in genuine.stdout
    )

    def approve_the_second_group(results):
        results["official"]["groups"][1]["is_approved"] = True
        check("Majority of local groups", is_met=True)(results)
        results["official"]["is_passed"] = True

    result = tampered(app, tmp_path, vote, approve_the_second_group)
    assert_fails_with(
        result, "FAILED official result: local group 'G1dm' is_approved is True, its votes give"
    )
    assert_fails_with(
        result,
        "FAILED official result: is_passed is True, but the vote rules give False "
        "(1 of 2 local groups approved, more than half needed)",
    )


def test_suppressed_groups_are_a_warning_not_a_guess(app, tmp_path):
    rules = VoteRules(has_double_majority=True)
    vote = closed_vote_with(app, VoteMethod.YES_NO, ["yes"] * 5, rules=rules)  # groups of 3, 2
    result = run_verifier(tmp_path, export_bytes(app, vote))
    assert result.returncode == 0, result.stdout
    assert (
        "WARNING official result: 2 of 2 local groups' figures are suppressed (too few voters "
        "to publish), so the majority of local groups is not recomputed; "
        "the official result's is taken as stated" in result.stdout
    )


# --- plurality and approval -------------------------------------------------------------


def official_count(**changes):
    return lambda results: results["official"]["count"].update(changes)


@pytest.mark.parametrize(
    ("method", "mutate", "expected"),
    [
        (
            VoteMethod.SINGLE,
            official_count(winners=["old-mill"]),
            "FAILED official result: names winners ['old-mill'] (tied: []); "
            "the recount gives ['harbour-hall'] (tied: [])",
        ),
        (
            VoteMethod.SINGLE,
            official_count(tallies={"harbour-hall": 2, "old-mill": 2, "station-square": 1}),
            "FAILED official result: differs from the recount (votes for harbour-hall: 2 vs 3, "
            "votes for old-mill: 2 vs 1)",
        ),
        (
            VoteMethod.SINGLE,
            official_count(ballots=4),
            "FAILED official result: differs from the recount (ballots in the count: 4 vs 5)",
        ),
        (
            VoteMethod.APPROVAL,
            official_count(winners=["harbour-hall"], tied=[]),
            "FAILED official result: names winners ['harbour-hall'] (tied: []); "
            "the recount gives [] (tied: ['harbour-hall', 'old-mill', 'station-square'])",
        ),
        (
            VoteMethod.APPROVAL,
            official_count(tallies={"harbour-hall": 3, "old-mill": 2, "station-square": 2}),
            "FAILED official result: differs from the recount (approvals of harbour-hall: 3 vs 2)",
        ),
        (
            VoteMethod.APPROVAL,
            lambda r: r.update(verdict="Chosen: Harbour Hall."),
            "FAILED results.json: verdict differs from the official result's",
        ),
    ],
    ids=["winner", "totals", "ballots", "tie", "approvals", "verdict"],
)
def test_an_altered_official_winner_or_total_fails(app, tmp_path, method, mutate, expected):
    assert_fails_with(tampered(app, tmp_path, closed_vote(app, method), mutate), expected)


@pytest.mark.parametrize(
    ("choices", "winners", "tied"),
    [
        (["approve:a,b", "approve:a", "approve:b,c", "approve:a,b", "approve:c"], "a b", ""),
        (["approve:a,b", "approve:a", "approve:b,c", "approve:a", "approve:c"], "a", "b c"),
    ],
    ids=["top-two", "tie-for-second"],
)
def test_approval_for_two_seats_elects_the_top_two_and_reports_a_tie(
    app, tmp_path, choices, winners, tied
):
    slugs = {"a": "harbour-hall", "b": "old-mill", "c": "station-square"}
    vote = closed_vote_with(app, VoteMethod.APPROVAL, choices, seats=2)
    genuine = run_verifier(tmp_path, export_bytes(app, vote))
    assert genuine.returncode == 0, genuine.stdout
    want = sorted(slugs[s] for s in winners.split()), sorted(slugs[s] for s in tied.split())
    assert (
        f"ok official result: winners {want[0]} (tied: {want[1]}) "
        "are the most-voted options for 2 seat(s)" in genuine.stdout
    )
    result = tampered(app, tmp_path, vote, official_count(winners=["station-square"], tied=[]))
    assert_fails_with(result, "FAILED official result: names winners ['station-square']")


# --- ranked -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "mutate", "expected"),
    [
        (
            VoteMethod.IRV,
            lambda r: r["official"]["count"]["rounds"][0]["tallies"].update({"old-mill": 3}),
            "FAILED official result: differs from the recount (round 1 votes for old-mill: 3 vs 2)",
        ),
        (
            VoteMethod.STV,
            official_count(valid=5),
            "FAILED official result: differs from the recount (valid ballots: 5 vs 4)",
        ),
        (
            VoteMethod.SCHULZE,
            lambda r: r["official"].update(ballots=6),
            "FAILED official result: differs from the recount (ballots: 6 vs 5)",
        ),
        (
            VoteMethod.STV,
            lambda r: r.update(verdict="Chosen: Harbour Hall."),
            "FAILED results.json: verdict differs from the official result's",
        ),
    ],
    ids=["irv-round-1", "stv-valid", "schulze-ballots", "stv-verdict"],
)
def test_an_altered_ranked_ballot_count_or_first_round_fails(
    app, tmp_path, method, mutate, expected
):
    result = tampered(app, tmp_path, closed_vote(app, method), mutate)
    assert_fails_with(result, expected)
    assert "WARNING official result" not in result.stdout  # the winners are recounted too


# --- double yes: each text is judged by the same rules ---------------------------------


def test_a_double_yes_text_whose_is_passed_contradicts_the_rules_fails(app, tmp_path):
    vote = closed_vote(app, VoteMethod.DOUBLE_YES)
    genuine = run_verifier(tmp_path, export_bytes(app, vote))
    assert "ok official result, initiative: passed by the vote rules (" in genuine.stdout

    def fail_the_initiative(results):
        results["official"]["initiative"]["is_passed"] = False  # the winner stays "counter"

    result = tampered(app, tmp_path, vote, fail_the_initiative)
    assert_fails_with(
        result,
        "FAILED official result, initiative: is_passed is False, but the vote rules give True "
        "(turnout 5/7 of the electorate, no quorum;",
    )
    assert "ok official result: counter wins by the double-yes rule" in result.stdout
