"""recount() and load_profile(): the entry points behind `flask recount`."""

import json

import pytest

from deliberate.core.errors import ValidationError
from deliberate.core.tally import load_profile, recount
from deliberate.core.tally.recount import parse_csv
from deliberate.core.tally.ties import lot_order

CSV = """tracker,choice
t1,Ada>Grace=Alan
t2,Grace
t3,Ada;Alan
t4,
t5,Alan>Ada
"""


def test_csv_rankings_approval_sets_single_names_and_blanks():
    profile = parse_csv(CSV)
    assert profile.candidates == ("Ada", "Alan", "Grace")
    assert profile.total == 5
    ranks = sorted(b.ranks for b in profile.ballots)
    assert (frozenset({"Ada", "Alan"}),) in ranks  # the approval set is one rank
    assert () in ranks  # the blank ballot


def test_csv_row_order_does_not_change_the_profile():
    lines = CSV.splitlines()
    shuffled = "\n".join([lines[0], *reversed(lines[1:])])
    assert parse_csv(shuffled) == parse_csv(CSV)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("voter,choice\nt1,A\n", "header must be 'tracker,choice'"),
        ("tracker,choice\nt1,A\nt1,B\n", "line 3: tracker missing or repeated"),
        ("tracker,choice\nt1,A,B\n", "line 2: expected 2 fields"),
        ("tracker,choice\nt1,A;B>C\n", "mixes ';'"),
        ("tracker,choice\nt1,A>>B\n", "empty candidate name"),
        ("tracker,choice\nt1,A>B>A\n", "ranks a candidate twice"),
        ("tracker,choice\nt1,A;A\n", "repeated name"),
    ],
)
def test_malformed_csv_is_rejected_with_the_line(text, message):
    with pytest.raises(ValidationError, match=message):
        parse_csv(text)


def test_explicit_candidates_fix_the_order_and_must_cover_every_name():
    profile = parse_csv(CSV, candidates=["Grace", "Ada", "Alan", "Barbara"])
    assert profile.candidates == ("Grace", "Ada", "Alan", "Barbara")
    with pytest.raises(ValidationError, match="not a candidate"):
        parse_csv(CSV, candidates=["Ada", "Grace"])


@pytest.mark.parametrize("method", ["plurality", "approval", "irv", "stv", "schulze"])
def test_every_method_returns_json_with_winners(method):
    summary = recount(parse_csv(CSV), method)
    assert json.loads(json.dumps(summary)) == summary
    assert summary["method"] == method and summary["seats"] == 1 and summary["ballots"] == 5
    assert isinstance(summary["winners"], list)


def test_recount_stv_from_a_preflib_file(data_dir):
    profile = load_profile(data_dir / "00001-irish/00001-00000002.soi", "preflib")
    summary = recount(profile, "stv", seats=3)
    assert [w.split()[1] for w in summary["winners"]] == ["Lenihan", "Higgins", "Burton"]
    assert summary["quota"] == 7498
    second = summary["rounds"][1]
    assert second["surplus_of"] == "Brian Lenihan F.F." and second["surplus"] == 588
    assert isinstance(second["exhausted"], str) and "/" in second["exhausted"]  # exact p/q
    json.dumps(summary)


def test_recount_schulze_gives_ranking_and_matrix(data_dir):
    profile = load_profile(data_dir / "00002-debian/00002-00000001.soi", "preflib")
    summary = recount(profile, "schulze")
    assert summary["winners"] == ["Bdale Garbee"] and summary["tied"] == []
    assert summary["ranking"][0] == ["Bdale Garbee"]
    assert set(summary["pairwise"]) == set(profile.candidates)


def test_recount_irv_rounds(data_dir):
    profile = load_profile(data_dir / "00016-aspen/00016-00000002.toi", "preflib")
    summary = recount(profile, "irv")
    assert summary["winners"] == ["Mick Ireland"]
    assert summary["rounds"][-1]["tallies"] == {"Marilyn Marks": 1123, "Mick Ireland": 1301}


def test_load_profile_reads_the_deliberate_csv(tmp_path):
    path = tmp_path / "ballots.csv"
    path.write_text(CSV, encoding="utf-8")
    assert load_profile(path) == parse_csv(CSV)
    summary = recount(load_profile(path, "deliberate"), "plurality")
    # Ada, Alan and Grace have one first choice each; the approval set is an over-vote.
    assert summary["winners"] == [] and summary["tied"] == ["Ada", "Alan", "Grace"]


@pytest.mark.parametrize(
    ("method", "seats", "message"),
    [("borda", 1, "Unknown method"), ("irv", 2, "use stv"), ("stv", 0, "at least 1")],
)
def test_recount_rejects_bad_arguments(method, seats, message):
    with pytest.raises(ValidationError, match=message):
        recount(parse_csv(CSV), method, seats)


def test_load_profile_rejects_an_unknown_format(tmp_path):
    with pytest.raises(ValidationError, match="Unknown format"):
        load_profile(tmp_path / "x", "blt")


def test_a_published_seed_replaces_the_tie_order():
    profile = parse_csv("tracker,choice\nt1,A\nt2,B\n")
    plain = recount(profile, "irv")
    assert plain["tie_order"] == ["A", "B"] and plain["winners"] == ["A"]
    assert plain["rounds"][0]["tie_breaks"]  # the tie is on the record
    seeded = recount(profile, "irv", seed="agm-2026")
    assert seeded["seed"] == "agm-2026"
    assert seeded["tie_order"] == list(lot_order(["A", "B"], "agm-2026"))
    assert seeded["winners"] == seeded["tie_order"][:1]
