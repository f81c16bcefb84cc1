"""The verifier counts IRV, STV and Schulze again and holds the official count to it.

Bundles here are written with write_bundle (as the other tests in this folder do) and
carry an official result that core.tally counted, so every file is consistent and signed;
a tampered result is simply written and signed again. The verifier's own count is also
compared with core.tally on real PrefLib elections (tests/core/tally/data, byte-identical
copies of /work/shared/data/preflib) and on random small profiles.
"""

import io
import json
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deliberate.core.ballot_chain import Checkpoint, definition_digest, electorate_hash, tracker_for
from deliberate.core.bundle import write_bundle
from deliberate.core.tally import Ballot, Profile, make_profile, preflib, recount
from deliberate.core.tally import irv as core_irv
from deliberate.core.tally import schulze as core_schulze
from deliberate.core.tally import stv as core_stv
from tests.core.bundle.conftest import MEMBERS, REFERENDUM_ID
from tests.core.bundle.test_official_result_rules import Lines

DATA = Path(__file__).parents[1] / "tally" / "data"
LABEL = {"irv": "IRV", "stv": "STV", "schulze": "Schulze"}
# Small elections with several rounds, counted by hand (and by core.tally):
# IRV excludes D, then B, and elects C; STV (2 seats, quota 5) elects A, transfers A's
# surplus of 1, excludes D and elects B; Schulze ranks B > C > A > D.
SCENARIOS = {
    "irv": ([("A>B", 4), ("B>C", 2), ("C>A", 2), ("D>C", 1), ("C", 1)], 1),
    "stv": ([("A>B", 6), ("C", 3), ("D>B", 2), ("B", 2), ("C>D", 1)], 2),
    "schulze": ([("A>B", 3), ("B>C", 2), ("C>B", 2)], 1),
}


def ranked_inputs(method, ballots, seats=1, options="ABCD", count_order=None) -> dict:
    """write_bundle's inputs for a ranked vote: ``options`` is the definition's published
    order, and the official result is core.tally's count by ``count_order`` (default the
    same order), as services.counting stores it."""
    choices = [text for text, n in ballots for _ in range(n)]
    definition = {
        "question": "Which venue?",
        "method": method,
        "seats": seats,
        "options": [
            {"slug": o, "label": f"Venue {o}", "position": i} for i, o in enumerate(options)
        ],
        "electorate": {"size": len(MEMBERS), "hash": electorate_hash(MEMBERS)},
    }
    rows = sorted(
        (tracker_for(REFERENDUM_ID, f"receipt-{i}"), f"rank:{text}", i % 2 + 1)
        for i, text in enumerate(choices)
    )
    checkpoints, prev = [], definition_digest(definition)
    for seq in (1, 2):
        batch = [(tracker, choice) for tracker, choice, s in rows if s == seq]
        checkpoints.append(Checkpoint.seal(REFERENDUM_ID, seq, prev, batch))
        prev = checkpoints[-1].digest
    first: dict[str, int] = {}
    for text in choices:
        for option in text.split(">")[0].split("=") if text else []:
            first[option] = first.get(option, 0) + 1
    profile = make_profile(count_order or options, [(text, n) for text, n in ballots])
    summary = json.loads(json.dumps(recount(profile, method, seats)))
    total = len(choices)
    turnout = Fraction(total, len(MEMBERS))
    official = {
        "method": method,
        "ballots": total,
        "participation": total,
        "electorate": len(MEMBERS),
        "turnout": f"{turnout.numerator}/{turnout.denominator}",
        "count": summary,
        "is_passed": None,
        "verdict": f"Elected: {', '.join(summary['winners'])}.",
    }
    results = {"method": method, "ballot_count": total, "first_preferences": first}
    return {
        "referendum": {"id": REFERENDUM_ID, "definition": definition},
        "results": results | {"official": official, "verdict": official["verdict"]},
        "ballots": iter(rows),
        "checkpoints": checkpoints,
        "participation_by_group": {"north": total - total // 2, "south": total // 2},
        "electorate_size": len(MEMBERS),
        "electorate_hash": electorate_hash(MEMBERS),
        "rule_version": {"id": "constitution-2025.2"},
    }


@pytest.fixture
def verify(verifier_module, signing_key, tmp_path, capsys):
    """verify(inputs, mutate=None) -> (exit status, output lines) of the signed bundle."""

    def _verify(inputs: dict, mutate=None):
        if mutate is not None:
            mutate(inputs["results"])
        out = io.BytesIO()
        write_bundle(out, **inputs, signing_key=signing_key)
        path = tmp_path / "bundle.zip"
        path.write_bytes(out.getvalue())
        status = verifier_module.main([str(path)])
        return status, capsys.readouterr().out.splitlines()

    return _verify


def count_of(mutate):
    """A mutation of results.json's official count; also keeps the verdicts equal."""

    def change(results):
        mutate(results["official"]["count"])

    return change


@pytest.mark.parametrize("method", sorted(SCENARIOS))
def test_a_genuine_ranked_bundle_is_recounted_and_verifies(verify, method):
    ballots, seats = SCENARIOS[method]
    status, lines = verify(ranked_inputs(method, ballots, seats))
    assert status == 0, "\n".join(lines)
    assert not [line for line in lines if line.startswith(("FAILED", "WARNING official"))]
    label = LABEL[method]
    expected = {
        "irv": ["ok IRV recount: all 3 rounds match the official count", "elects C, as"],
        "stv": ["ok STV recount: all 3 rounds match the official count", "elects A, B in this"],
        "schulze": ["ok Schulze recount: pairwise matrix as", "ranking B > C > A > D; winner B"],
    }[method]
    assert any(line.startswith(expected[0]) for line in lines), lines
    assert any(line.startswith(f"ok {label} ") and expected[1] in line for line in lines), lines


def irv_winner_a(count):
    count["winners"] = ["A"]
    count["rounds"][-1]["elected"] = ["A"]


def stv_elects_c(count):
    count["winners"] = ["A", "C"]
    count["rounds"][-1]["elected"] = ["C"]


@pytest.mark.parametrize(
    ("method", "mutate", "expected"),
    [
        (
            "irv",
            lambda c: c["rounds"][0].update(excluded=["B"]),
            ["FAILED IRV round 1: official excludes B, recount excludes D"],
        ),
        (
            "irv",
            irv_winner_a,
            [
                "FAILED IRV round 3: official elects A, recount elects C",
                "FAILED IRV recount: official elects A, recount elects C",
            ],
        ),
        (
            "stv",
            lambda c: c["rounds"][2].update(excluded=["C"]),
            ["FAILED STV round 3: official excludes C, recount excludes D"],
        ),
        (
            "stv",
            stv_elects_c,
            [
                "FAILED STV round 3: official elects C, recount elects B",
                "FAILED STV recount: official elects A, C, recount elects A, B",
            ],
        ),
        (
            "stv",
            lambda c: c["rounds"][1]["tallies"].update(B="7/2"),
            ["FAILED STV round 2: votes differ, official vs recount (B: 7/2 vs 3)"],
        ),
        (
            "stv",
            lambda c: c["rounds"][1].update(surplus_of="C"),
            ["FAILED STV round 2: official transfers the surplus of C (1), recount the surplus"],
        ),
        (
            "stv",
            lambda c: c.update(quota=4),
            ["FAILED STV recount: differs from the official count (quota: 4 vs 5)"],
        ),
        (
            "schulze",
            lambda c: c.update(winners=["C"]),
            ["FAILED Schulze recount: official winners C (tied: nobody), recount B (tied: nobody)"],
        ),
        (
            "schulze",
            lambda c: c["pairwise"]["A"].update(B=4),
            ["FAILED Schulze recount: pairwise matrix differs, official vs recount (A over B: 4"],
        ),
    ],
    ids=[
        "irv-exclusion",
        "irv-winner",
        "stv-exclusion",
        "stv-winner",
        "stv-votes",
        "stv-surplus",
        "stv-quota",
        "schulze-winner",
        "schulze-pairwise",
    ],
)
def test_a_signed_result_with_another_round_or_winner_fails(verify, method, mutate, expected):
    ballots, seats = SCENARIOS[method]
    status, lines = verify(ranked_inputs(method, ballots, seats), count_of(mutate))
    assert status == 1
    for line in expected:
        assert any(got.startswith(line) for got in lines), "\n".join(lines)


# --- ties broken by the published option order ---------------------------------------

THREE_WAY = [("A", 1), ("B", 1), ("C>A", 1)]  # IRV: all level; C is excluded, A then wins
TIE_LINE = (
    "ok IRV round 1: tie for exclusion between A, B, C broken by the published option "
    "order: C, as the official count records"
)


def test_an_irv_tie_is_broken_by_the_published_order_as_officially(verify):
    status, lines = verify(ranked_inputs("irv", THREE_WAY, options="ABC"))
    assert status == 0, "\n".join(lines)
    assert TIE_LINE in lines
    assert "ok IRV recount: elects A, as the official count records" in lines


def test_a_changed_published_order_no_longer_bears_out_the_tie(verify):
    """The definition (and so the chain) now lists C, B, A, so A is the one excluded."""
    inputs = ranked_inputs("irv", THREE_WAY, options="CBA", count_order="ABC")
    status, lines = verify(inputs)
    assert status == 1
    assert (
        "FAILED IRV count: candidates ['A', 'B', 'C'] (the definition gives ['C', 'B', 'A']); "
        "tie order ['A', 'B', 'C'] (the definition gives ['C', 'B', 'A'])" in lines
    )
    assert any(
        line.startswith("FAILED IRV round 1: official excludes C, recount excludes A; ")
        and "recount: tie for exclusion between A, B, C broken by the published option order: A"
        in line
        for line in lines
    ), lines
    assert "FAILED IRV recount: official elects A, recount elects C" in lines


def test_an_official_count_made_by_another_order_fails(verify):
    """The result claims the order C, B, A (and counts by it); the definition says A, B, C."""
    status, lines = verify(ranked_inputs("irv", THREE_WAY, options="ABC", count_order="CBA"))
    assert status == 1
    assert any(line.startswith("FAILED IRV count: candidates ['C', 'B', 'A']") for line in lines)
    assert "FAILED IRV recount: official elects C, recount elects A" in lines


def test_an_stv_tie_in_the_order_of_election_follows_the_published_order(verify):
    level = [("A", 2), ("B", 2), ("C", 1)]  # quota 2: A and B both reach it in stage 1
    status, lines = verify(ranked_inputs("stv", level, seats=2, options="ABC"))
    assert status == 0, "\n".join(lines)
    assert (
        "ok STV round 1: tie in the order of election between A, B broken by the published "
        "option order: A, as the official count records" in lines
    )
    status, lines = verify(ranked_inputs("stv", level, seats=2, options="BAC", count_order="ABC"))
    assert status == 1
    assert any(
        line.startswith("FAILED STV round 1: official elects A, B, recount elects B, A")
        for line in lines
    )


def test_a_tie_settled_by_an_earlier_round_says_so(verify):
    # Round 1: A 4, B 2, C 3, D 1; D's ballot goes to B, so B and C are level at 3 in
    # round 2. B had fewer in round 1, so B is excluded (the published order would say C).
    ballots = [("A", 4), ("B", 2), ("C", 3), ("D>B", 1)]
    status, lines = verify(ranked_inputs("irv", ballots))
    assert status == 0, "\n".join(lines)
    assert (
        "ok IRV round 2: tie for exclusion between B, C broken by the earlier rounds: B, "
        "as the official count records" in lines
    )

    def official_excludes_c(count):
        count["rounds"][1]["excluded"] = ["C"]
        count["rounds"][1]["tie_breaks"] = ["exclusion: C chosen from tied B, C by tie order"]

    status, lines = verify(ranked_inputs("irv", ballots), count_of(official_excludes_c))
    assert status == 1
    assert any(
        line.startswith("FAILED IRV round 2: official excludes C, recount excludes B")
        and "official tie decisions: tie for exclusion between B, C broken by the published "
        "option order: C; recount: tie for exclusion between B, C broken by the earlier "
        "rounds: B"
        in line
        for line in lines
    ), lines


def test_an_old_result_without_rounds_is_warned_about_not_failed(verify):
    ballots, seats = SCENARIOS["stv"]
    status, lines = verify(
        ranked_inputs("stv", ballots, seats), count_of(lambda c: c.pop("rounds"))
    )
    assert status == 0, "\n".join(lines)
    assert "WARNING STV recount: the official count records no rounds; not compared" in lines
    assert (
        "ok STV recount: elects A, B in this order of election, as the official count records"
        in (lines)
    )


# --- the verifier's count against core.tally and real elections -----------------------


def ballots_of(profile: Profile) -> tuple[list, list[str]]:
    """A core profile as the verifier's (levels, number) list and published order."""
    return [(tuple(b.ranks), b.count) for b in profile.ballots], list(profile.candidates)


def same_rounds(rounds: list[dict], official) -> bool:
    """The verifier's rounds equal core's Round objects, field by field."""
    return len(rounds) == len(official) and all(
        (mine["tallies"], mine["elected"], mine["excluded"], mine["exhausted"])
        == (theirs.tallies, list(theirs.elected), list(theirs.excluded), theirs.exhausted)
        and (mine["surplus_of"], mine["surplus"]) == (theirs.surplus_of, theirs.surplus)
        for mine, theirs in zip(rounds, official, strict=True)
    )


@pytest.mark.parametrize(
    ("name", "seats", "quota", "official"),
    [
        (
            "00001-irish/00001-00000001.soi",  # Dublin North 2002
            4,
            8789,
            {"Trevor Sargent G.P.", "Sean Ryan Lab", "Jim Glennon F.F.", "G.V. Wright F.F."},
        ),
        (
            "00001-irish/00001-00000002.soi",  # Dublin West 2002
            3,
            7498,
            {"Brian Lenihan F.F.", "Joe Higgins S.P.", "Joan Burton Lab"},
        ),
    ],
    ids=["dublin-north-2002", "dublin-west-2002"],
)
def test_the_verifiers_stv_elects_the_official_winners(
    verifier_module, name, seats, quota, official
):
    profile = preflib.load(DATA / name)
    ballots, order = ballots_of(profile)
    count = verifier_module.StvCount(ballots, order, seats).run()
    assert set(count.elected) == official
    assert count.quota == quota  # the published quota of the official count
    core = core_stv.count(profile, seats)
    assert count.elected == list(core.winners)
    assert same_rounds(count.rounds, core.rounds)


def test_the_verifiers_checks_accept_cores_count_of_dublin_north(verifier_module):
    profile = preflib.load(DATA / "00001-irish/00001-00000001.soi")
    ballots, order = ballots_of(profile)
    summary = json.loads(json.dumps(recount(profile, "stv", 4)))
    report = Lines()
    verifier_module.check_rounds(
        "STV", summary, verifier_module.StvCount(ballots, order, 4).run().rounds, report
    )
    assert report.failures == 0 and report.lines[-1].startswith("ok STV recount: all 11 rounds")


@pytest.mark.parametrize(
    ("name", "winner"),
    [
        ("00005-burlington/00005-00000001.toi", "Bob Kiss"),  # 2006
        ("00005-burlington/00005-00000002.toi", "Bob Kiss"),  # 2009
        ("00016-aspen/00016-00000002.toi", "Mick Ireland"),  # 2009
    ],
    ids=["burlington-2006", "burlington-2009", "aspen-2009"],
)
def test_the_verifiers_irv_agrees_with_core_on_real_elections(verifier_module, name, winner):
    profile = preflib.load(DATA / name)
    winners, rounds = verifier_module.count_irv(*ballots_of(profile))
    core = core_irv.count(profile)
    assert winners == list(core.winners) == [winner]
    assert same_rounds(rounds, core.rounds)


@pytest.mark.parametrize("number", range(1, 9))
def test_the_verifiers_schulze_agrees_with_core_on_debian_votes(verifier_module, number):
    profile = preflib.load(DATA / f"00002-debian/00002-0000000{number}.soi")
    ballots, order = ballots_of(profile)
    d = verifier_module.schulze_pairwise(ballots, order)
    p = verifier_module.schulze_paths(d, order)
    core = core_schulze.count(profile)
    assert d == core.pairwise and p == core.paths
    assert [tuple(level) for level in verifier_module.schulze_ranking(p, order)] == list(
        core.ranking
    )


OPTIONS = "ABCD"


@st.composite
def profiles(draw) -> Profile:
    """Up to 12 small ballots over up to four options, with equal ranks and blanks."""
    order = OPTIONS[: draw(st.integers(1, 4))]
    ballots = []
    for _ in range(draw(st.integers(0, 12))):
        ranked = draw(st.permutations(order))[: draw(st.integers(0, len(order)))]
        levels, i = [], 0
        while i < len(ranked):
            width = draw(st.sampled_from([1, 1, 1, 2]))
            levels.append(frozenset(ranked[i : i + width]))
            i += width
        ballots.append(Ballot(tuple(levels), draw(st.integers(1, 3))))
    return Profile(tuple(order), tuple(ballots))


@settings(max_examples=300, deadline=None)
@given(profiles(), st.sampled_from(["irv", "stv", "schulze"]), st.integers(1, 3))
def test_the_verifier_accepts_every_count_core_makes(verifier_module, profile, method, seats):
    """Every round, tie decision and winner of core.tally's count is the verifier's."""
    seats = seats if method == "stv" else 1
    summary = json.loads(json.dumps(recount(profile, method, seats)))
    ballots, order = ballots_of(profile)
    sole: dict[str, int] = {}
    for levels, n in ballots:
        if levels and len(levels[0]) == 1:
            (option,) = levels[0]
            sole[option] = sole.get(option, 0) + n
    recounted = {"ballots": profile.total, "sole": sole, "rankings": ballots}
    official = {"ballots": profile.total, "count": summary}
    report = Lines()
    definition = {"options": order, "seats": seats}
    verifier_module.check_ranked(official, method, definition, recounted, report)
    assert report.failures == 0, report.lines
    assert any(line.startswith(f"ok {LABEL[method]} recount: ") for line in report.lines)
