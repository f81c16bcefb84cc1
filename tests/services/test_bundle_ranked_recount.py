"""Bundles of real closed votes: the verifier recounts IRV, STV and Schulze and checks each
local group's voters against participation.json.

Each tampered bundle is re-signed with the organisation's key (as in
test_official_result_verify), so only the verifier's own count can catch the change.
"""

import json

import pytest

from deliberate.core.rules import VoteRules
from deliberate.core.tally import Ballot, Profile, recount
from deliberate.extensions import db
from deliberate.models import Eligibility, VoteMethod
from deliberate.services import counting, referendums
from tests.audit_builders import CLOSES, closed_vote_with
from tests.services.test_audit_bundle import export_bytes, run_verifier
from tests.services.test_double_yes_bundle import changed_results, failed_lines, re_signed
from tests.voting import cast, make_group, make_vote, make_voters

# Options a, b, c are harbour-hall, old-mill, station-square, in this published order.
A, B, C = "harbour-hall", "old-mill", "station-square"
# IRV: round 1 a 2, b 2, c 3; a and b tie for fewest, b (later in the published order)
# is excluded by the tie order, its "b>c" goes to c, and c wins 4 of 6 in round 2.
IRV = ["rank:a", "rank:a", "rank:b>c", "rank:c>b", "rank:c", "rank:b", "rank:c>a"]
# STV, 2 seats, quota 3: a is elected in stage 1 with no surplus; b and c tie at 2 in
# every stage, so c is excluded by the tie order; "c>b" elects b.
STV = ["rank:a>b", "rank:a>b", "rank:a>c", "rank:b", "rank:c>b", "rank:c", "rank:b>a"]
# Schulze: a Condorcet cycle, so all three are tied first and nobody is declared winner.
CYCLE = ["rank:a>b>c", "rank:b>c>a", "rank:c>a>b"]
VOTES = {
    VoteMethod.IRV: (IRV, 1),
    VoteMethod.STV: (STV, 2),
    VoteMethod.SCHULZE: (CYCLE, 1),
}


def ranked_vote(app, method: VoteMethod) -> str:
    choices, seats = VOTES[method]
    return closed_vote_with(app, method, choices, seats=seats, groups=(5, 5))


def tampered(app, tmp_path, vote: str, mutate):
    bundle = re_signed(export_bytes(app, vote), "results.json", changed_results(mutate))
    return run_verifier(tmp_path, bundle)


def assert_fails_with(result, *expected: str) -> None:
    assert result.returncode == 1, result.stdout
    for line in expected:
        assert any(got.startswith(line) for got in failed_lines(result.stdout)), result.stdout


GENUINE = {
    VoteMethod.IRV: [
        f"ok IRV round 1: tie for exclusion between {A}, {B} broken by the published option "
        f"order: {B}, as the official count records",
        "ok IRV recount: all 2 rounds match the official count (votes, elected, excluded, "
        "transfers, exhausted, ties)",
        f"ok IRV recount: elects {C}, as the official count records",
    ],
    VoteMethod.STV: [
        "ok STV recount: quota 3 (Droop: 7 valid ballots, 2 seat(s)), as the official count "
        "records",
        f"ok STV round 2: tie for exclusion between {B}, {C} broken by the published option "
        f"order: {C}, as the official count records",
        f"ok STV recount: elects {A}, {B} in this order of election, as the official count records",
    ],
    VoteMethod.SCHULZE: [
        "ok Schulze recount: pairwise matrix as the official count records",
        "ok Schulze recount: strongest paths as the official count records",
        f"ok Schulze recount: ranking {A} = {B} = {C}; winner nobody (tied, never broken: "
        f"{A}, {B}, {C}), as the official count records",
    ],
}


@pytest.mark.parametrize("method", list(VOTES), ids=lambda m: m.value)
def test_a_closed_ranked_vote_is_recounted_by_the_verifier(app, tmp_path, method):
    result = run_verifier(tmp_path, export_bytes(app, ranked_vote(app, method)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAILED" not in result.stdout and "WARNING official" not in result.stdout
    lines = result.stdout.splitlines()
    for line in GENUINE[method]:
        assert line in lines, result.stdout


def count_change(mutate):
    return lambda results: mutate(results["official"]["count"])


def irv_elects_a(count):
    count["winners"] = [A]
    count["rounds"][-1]["elected"] = [A]


def stv_elects_c(count):
    count["winners"] = [A, C]
    count["rounds"][-1]["elected"] = [C]


@pytest.mark.parametrize(
    ("method", "mutate", "expected"),
    [
        (
            VoteMethod.IRV,
            lambda c: c["rounds"][0].update(excluded=[A], tie_breaks=[]),
            [f"FAILED IRV round 1: official excludes {A}, recount excludes {B}; "],
        ),
        (
            VoteMethod.IRV,
            irv_elects_a,
            [
                f"FAILED IRV round 2: official elects {A}, recount elects {C}",
                f"FAILED IRV recount: official elects {A}, recount elects {C}",
            ],
        ),
        (
            VoteMethod.STV,
            stv_elects_c,
            [f"FAILED STV recount: official elects {A}, {C}, recount elects {A}, {B}"],
        ),
        (
            VoteMethod.STV,
            lambda c: c["rounds"][1].update(excluded=[B]),
            [f"FAILED STV round 2: official excludes {B}, recount excludes {C}"],
        ),
        (
            VoteMethod.SCHULZE,
            lambda c: c.update(winners=[A], tied=[]),
            [f"FAILED Schulze recount: official winners {A} (tied: nobody), recount nobody"],
        ),
    ],
    ids=["irv-exclusion", "irv-winner", "stv-winner", "stv-exclusion", "schulze-winner"],
)
def test_a_re_signed_result_with_another_round_or_winner_fails(
    app, tmp_path, method, mutate, expected
):
    result = tampered(app, tmp_path, ranked_vote(app, method), count_change(mutate))
    assert_fails_with(result, *expected)


def reversed_order_count(app, vote: str):
    """A mutation that replaces the official IRV count by core's count with the options in
    the reverse of the published order (so the tie goes the other way), verdict and all."""
    with app.app_context():
        referendum = referendums.get(db.session, vote)
        order = tuple(o.slug for o in reversed(referendum.options))
        choices = counting._choice_counts(db.session, referendum)
    ballots = [
        Ballot(tuple(frozenset(level.split("=")) for level in text[5:].split(">")), n)
        for text, n in choices.items()
    ]
    forged = json.loads(json.dumps(recount(Profile(order, tuple(ballots)), "irv")))

    def mutate(results):
        results["official"]["count"] = forged
        results["official"]["verdict"] = results["verdict"] = "Chosen: forged."

    return forged, mutate


def test_a_count_by_an_order_favouring_another_option_fails(app, tmp_path):
    vote = ranked_vote(app, VoteMethod.IRV)
    forged, mutate = reversed_order_count(app, vote)
    assert forged["tie_order"] == [C, B, A] and forged["rounds"][0]["excluded"] == [A]
    result = tampered(app, tmp_path, vote, mutate)
    assert_fails_with(
        result,
        f"FAILED IRV count: candidates ['{C}', '{B}', '{A}'] (the definition gives "
        f"['{A}', '{B}', '{C}']); tie order ['{C}', '{B}', '{A}']",
        f"FAILED IRV round 1: official excludes {A}, recount excludes {B}; official tie "
        f"decisions: tie for exclusion between {A}, {B} broken by the published option order: "
        f"{A}; recount: tie for exclusion between {A}, {B} broken by the published option "
        f"order: {B}",
    )


def test_only_the_recorded_tie_order_changed_also_fails(app, tmp_path):
    vote = ranked_vote(app, VoteMethod.IRV)
    result = tampered(app, tmp_path, vote, count_change(lambda c: c.update(tie_order=[C, B, A])))
    assert_fails_with(result, f"FAILED IRV count: tie order ['{C}', '{B}', '{A}']")


# --- each local group's voters against participation.json -------------------------------


def double_majority_vote(app, groups: tuple[int, ...], prefix: str) -> str:
    """Yes/no with a double majority; every member of the groups votes yes."""
    rules = VoteRules(has_double_majority=True)
    choices = ["yes"] * sum(groups)
    return closed_vote_with(
        app, VoteMethod.YES_NO, choices, rules=rules, groups=groups, ungrouped=0, prefix=prefix
    )


def test_group_voters_match_participation(app, tmp_path):
    result = run_verifier(tmp_path, export_bytes(app, double_majority_vote(app, (5, 6), "pv")))
    assert result.returncode == 0, result.stdout
    assert (
        "ok official result: the voters of 2 local group(s) match participation.json"
        in result.stdout.splitlines()
    )
    assert (
        "ok official result: participation 11 and turnout 1/1 are participation.json's total "
        "over the electorate" in result.stdout.splitlines()
    )


def test_an_official_group_count_that_differs_from_participation_fails(app, tmp_path):
    vote = double_majority_vote(app, (5, 6), "pw")

    def more_voters(results):
        row = results["official"]["groups"][0]
        row["voters"], row["yes"] = row["voters"] + 1, row["yes"] + 1

    result = tampered(app, tmp_path, vote, more_voters)
    assert_fails_with(
        result,
        "FAILED official result: local groups differ from participation.json: "
        "'G0pw': 6 voters, participation.json 5",
    )


def test_a_re_signed_participation_that_moves_voters_between_groups_fails(app, tmp_path):
    vote = double_majority_vote(app, (5, 6), "px")

    def swap(data: bytes) -> bytes:
        participation = json.loads(data)
        participation["by_group"] = {"G0px": 6, "G1px": 5}  # the same total
        return json.dumps(participation).encode()

    result = run_verifier(tmp_path, re_signed(export_bytes(app, vote), "participation.json", swap))
    assert_fails_with(
        result,
        "FAILED official result: local groups differ from participation.json: "
        "'G0px': 5 voters, participation.json 6; 'G1px': 6 voters, participation.json 5",
    )
    assert "ok count: 11 ballots = results' ballot_count = participation by group" in result.stdout


def test_official_participation_is_participation_jsons_total(app, tmp_path):
    vote = double_majority_vote(app, (5, 6), "py")
    result = tampered(app, tmp_path, vote, lambda r: r["official"].update(participation=10))
    assert_fails_with(
        result, "FAILED official result: differs from participation.json (participation: 10 vs 11)"
    )


def test_a_suppressed_group_is_skipped_and_named_not_failed(app, tmp_path):
    result = run_verifier(tmp_path, export_bytes(app, double_majority_vote(app, (5, 2), "pz")))
    assert result.returncode == 0, result.stdout
    assert (
        "ok official result: the voters of 1 local group(s) match participation.json; "
        "1 suppressed, not compared: G1pz" in result.stdout.splitlines()
    )


def test_when_every_group_is_suppressed_nothing_is_compared_and_that_is_said(app, tmp_path):
    result = run_verifier(tmp_path, export_bytes(app, double_majority_vote(app, (3, 2), "pq")))
    assert result.returncode == 0, result.stdout
    assert (
        "WARNING official result: every local group's figures are suppressed (fewer than 5 "
        "voters), so no group's voters are compared with participation.json; 2 suppressed, "
        "not compared: G0pq, G1pq" in result.stdout.splitlines()
    )


def test_a_double_yes_checks_each_texts_groups(app, tmp_path):
    groups = [make_group(app, f"G{n}dy") for n in range(2)]
    for n, group in enumerate(groups):
        make_voters(app, 5, prefix=f"dy{n}", group_id=group)
    vote = make_vote(
        app,
        method=VoteMethod.DOUBLE_YES,
        closes_at=CLOSES,
        rules=VoteRules(has_double_majority=True),
        counter_text="A milder version",
    )
    with app.app_context():
        referendum = referendums.get(db.session, vote)
        members = sorted(
            db.session.scalars(
                db.select(Eligibility.member_id).where(Eligibility.referendum_id == referendum.id)
            )
        )
    for member in members:
        cast(app, vote, member, "double:yes,yes,counter")
    with app.app_context():
        counting.close_and_count(db.session, vote, CLOSES)
    result = run_verifier(tmp_path, export_bytes(app, vote))
    assert result.returncode == 0, result.stdout
    for text in ("initiative", "counter"):
        assert (
            f"ok official result, {text}: the voters of 2 local group(s) match participation.json"
            in result.stdout.splitlines()
        )
