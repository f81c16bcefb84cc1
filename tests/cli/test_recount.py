"""`flask recount` reproduces the official outcomes of real elections, and our own exports."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskCliRunner

from deliberate.extensions import db
from deliberate.models import VoteMethod, utcnow
from deliberate.services import ballot_export, counting, referendums
from tests.voting import T0, cast, make_vote, make_voters

DATA = Path(__file__).resolve().parents[1] / "core" / "tally" / "data"


def run(app, *args: str) -> dict:
    result = FlaskCliRunner(app).invoke(args=["recount", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def surnames(names: list[str]) -> list[str]:
    return [name.split()[1] for name in names]


def test_dublin_north_stv_elects_the_official_four(app):
    out = run(app, str(DATA / "00001-irish/00001-00000001.soi"), "--method", "stv", "--seats", "4")
    assert set(surnames(out["winners"])) == {"Sargent", "Ryan", "Glennon", "Wright"}
    assert out["quota"] == 8789 and out["rounds"][0]["round"] == 1


def test_dublin_west_stv_elects_lenihan_higgins_burton_in_order(app):
    path = str(DATA / "00001-irish/00001-00000002.soi")
    out = run(app, path, "--method", "stv", "--seats", "3", "--format", "preflib")
    assert surnames(out["winners"]) == ["Lenihan", "Higgins", "Burton"]


@pytest.mark.parametrize("name", ["00005-00000001.toi", "00005-00000002.toi"])
def test_burlington_irv_elects_kiss(app, name):
    out = run(app, str(DATA / "00005-burlington" / name), "--method", "irv")
    assert out["winners"] == ["Bob Kiss"] and len(out["rounds"]) >= 2


def test_debian_schulze_ranking_is_printed(app):
    out = run(app, str(DATA / "00002-debian/00002-00000007.soi"), "--method", "schulze")
    assert out["winners"] == ["Stefano Zacchiroli"]
    assert out["ranking"][0] == ["Stefano Zacchiroli"] and len(out["ranking"]) >= 2


def test_a_bad_method_or_file_fails_cleanly(app, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("who,what\n", encoding="utf-8")
    result = FlaskCliRunner(app).invoke(args=["recount", str(bad), "--method", "irv"])
    assert result.exit_code != 0 and "header" in result.output


def closed_and_exported(app, tmp_path, rankings, **vote) -> tuple[list[str], Path]:
    """A vote cast with these rankings, counted: its stored winners and its ballot CSV."""
    voters = make_voters(app, len(rankings), prefix=f"v{len(rankings)}")
    public_id = make_vote(app, **vote)
    for member, ranking in zip(voters, rankings, strict=True):
        cast(app, public_id, member, "rank:" + ranking)
    with app.app_context():
        closed = counting.close_and_count(db.session, public_id, T0 + timedelta(days=7))
        stored = counting.result(closed)["count"]["winners"]
        export = tmp_path / "ballots.csv"
        export.write_text(
            ballot_export.ballots_csv(db.session, referendums.get(db.session, public_id))
        )
    return stored, export


def test_an_exported_election_recounts_to_the_stored_winners(app, tmp_path):
    rankings = [
        "ada>grace",
        "ada>alan",
        "ada>grace>alan",
        "grace>ada",
        "grace",
        "alan>edsger",
        "edsger>alan",
        "alan>grace",
        "ada",
    ]
    candidates = ("Ada", "Grace", "Alan", "Edsger")
    stored, export = closed_and_exported(
        app, tmp_path, rankings, method=VoteMethod.STV, options=candidates, seats=2
    )
    out = run(app, str(export), "--method", "stv", "--seats", "2", "--format", "deliberate")
    assert out["winners"] == stored and len(stored) == 2
    assert out["ballots"] == 9


def test_referendums_verify_reports_a_tampered_ballot(app):
    from sqlalchemy import text

    voters = make_voters(app, 3)
    vote = make_vote(app)
    for member in voters:
        cast(app, vote, member, "yes")
    with app.app_context():
        counting.close_and_count(db.session, vote, T0 + timedelta(days=7))
    runner = FlaskCliRunner(app)
    ok = runner.invoke(args=["referendums", "verify", vote])
    assert ok.exit_code == 0 and "verifies" in ok.output
    with app.app_context():
        db.session.execute(text("UPDATE ballot SET choice = 'no'"))
        db.session.commit()
    broken = runner.invoke(args=["referendums", "verify", vote])
    assert broken.exit_code != 0 and "does not verify" in broken.output


def test_tick_opens_and_closes_on_time(app):
    make_voters(app, 2)
    start = utcnow()
    due_to_open = make_vote(
        app,
        opens_at=start - timedelta(hours=1),
        closes_at=start + timedelta(days=1),
        now=start - timedelta(hours=2),
    )
    due_to_close = make_vote(
        app, opens_at=start - timedelta(days=8), closes_at=start - timedelta(days=1)
    )
    out = FlaskCliRunner(app).invoke(args=["referendums", "tick"])
    assert out.exit_code == 0, out.output
    assert f"opened {due_to_open}" in out.output and f"closed {due_to_close}" in out.output
    with app.app_context():
        assert referendums.get(db.session, due_to_open).state.value == "open"
        assert referendums.get(db.session, due_to_close).verdict.startswith("Failed")


def test_a_tie_settled_by_the_published_order_recounts_the_same_given_that_order(app, tmp_path):
    stored, export = closed_and_exported(
        app, tmp_path, ["zoe", "adam"], method=VoteMethod.IRV, options=("Zoe", "Adam")
    )  # the published order is not alphabetical
    assert stored == ["zoe"]  # one vote each: the later in the published order is excluded

    with_order = run(app, str(export), "--method", "irv", "--candidates", "zoe,adam")
    alphabetical = run(app, str(export), "--method", "irv")

    assert with_order["winners"] == stored
    assert alphabetical["winners"] == ["adam"]  # why the order must be given
    refused = FlaskCliRunner(app).invoke(
        args=["recount", str(export), "--method", "irv", "--candidates", "zoe"]
    )
    assert refused.exit_code != 0 and "'adam' is not a candidate" in refused.output
