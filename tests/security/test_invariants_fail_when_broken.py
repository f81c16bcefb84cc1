"""The invariant checker can fail: each check is fed a database broken on purpose.

I1 (a ballot deleted), I2 (a duplicate signature, with its UNIQUE pair dropped), I5 (a
checkpoint's digest overwritten) and I7 (bytes of an index page overwritten in the
SQLite file). Each time services.invariants names that exact failure and `flask audit
check-invariants` prints it and exits non-zero; an intact database passes first.
"""

import os

import pytest
from sqlalchemy import delete, select, text, update

import tests.conftest as conftest
from deliberate.extensions import db
from deliberate.models import Ballot, BallotCheckpoint, Proposal, Referendum, Signature
from deliberate.services import counting, invariants, referendums
from tests.conftest import POSTGRES_URL
from tests.proposal_builders import NOW, add_members, proposal, ruleset
from tests.security.naive_schema import drop_constraint
from tests.voting import cast, make_vote, make_voters


def report(app) -> dict[str, list[str]]:
    with app.app_context():
        return dict(invariants.check_all(db.session).checks)


def failing(app) -> dict[str, list[str]]:
    return {name: problems for name, problems in report(app).items() if problems}


def cli(app):
    return app.test_cli_runner().invoke(args=["audit", "check-invariants"])


def assert_cli_reports(app, check: str, problem: str) -> None:
    result = cli(app)
    assert result.exit_code != 0, result.output
    assert f"FAILED {check}" in result.output and problem in result.output, result.output
    assert "Some invariants do not hold." in result.output


def voted(app, n: int = 3, *, closed: bool = False) -> str:
    """A vote with ``n`` ballots cast, optionally closed (which seals the final checkpoint)."""
    voters = make_voters(app, n)  # before the vote opens, so they are on its electorate
    vote = make_vote(app)
    for member_id in voters:
        cast(app, vote, member_id, "yes")
    if closed:
        with app.app_context():
            closes = referendums.get(db.session, vote).closes_at
            db.session.commit()
            counting.close_and_count(db.session, vote, closes)
    return vote


def test_an_intact_database_passes_every_check(app):
    voted(app, closed=True)
    assert failing(app) == {}
    result = cli(app)
    assert result.exit_code == 0 and "FAILED" not in result.output, result.output


def test_i1_a_deleted_ballot_is_reported(app):
    vote = voted(app)
    with app.app_context():
        rid = db.session.scalar(select(Referendum.id).where(Referendum.public_id == vote))
        one = db.session.scalar(select(Ballot.id).limit(1))
        db.session.execute(delete(Ballot).where(Ballot.id == one))
        db.session.commit()
    problem = f"vote {rid}: 3 voters but 2 ballots"
    assert report(app)["I1 participation equals ballots"] == [problem]
    assert_cli_reports(app, "I1 participation equals ballots", problem)


@pytest.fixture
def naive(app):
    yield lambda table, constraint: drop_constraint(app, table, constraint)
    conftest._schema_ready = False  # PostgreSQL: the next test rebuilds the schema


def test_i2_a_duplicate_signature_is_reported(app, naive):
    with app.app_context():
        p = proposal(db.session, ruleset(threshold=50))
        (member_id,) = add_members(db.session, 1)
        pid = p.id
    naive("signature", "uq_signature_proposal_id_member_id")
    with app.app_context():
        for _ in range(2):  # raw rows, as a buggy writer or a manual fix might leave them
            db.session.add(Signature(proposal_id=pid, member_id=member_id, signed_at=NOW))
        db.session.execute(update(Proposal).where(Proposal.id == pid).values(signature_count=2))
        db.session.commit()
    problem = f"signature: member {member_id} appears 2 times in {pid}"
    assert report(app)["I2 no duplicate signature or participation"] == [problem]
    assert_cli_reports(app, "I2 no duplicate signature or participation", problem)


def test_i5_a_tampered_checkpoint_is_reported(app):
    vote = voted(app, closed=True)
    with app.app_context():
        db.session.execute(update(BallotCheckpoint).values(ballots_digest="0" * 64))
        db.session.commit()
    problems = report(app)["I5 checkpoint chains verify"]
    problem = f"vote {vote}: checkpoint 1: ballots_digest does not match its ballots"
    assert problem in problems
    assert_cli_reports(app, "I5 checkpoint chains verify", problem)


def _corrupt_index_page(path: str, index: str, needle: bytes) -> int:
    """Overwrite bytes of the keys stored in ``index``'s root page; returns how many."""
    import sqlite3

    connection = sqlite3.connect(path)
    page_size = connection.execute("PRAGMA page_size").fetchone()[0]
    (root,) = connection.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (index,))
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # every page is in the main file
    connection.close()
    with open(path, "r+b") as file:
        file.seek((root[0] - 1) * page_size)
        page = bytearray(file.read(page_size))
        changed = 0
        at = page.find(needle)
        while at != -1:
            page[at] = ord("#")
            changed += 1
            at = page.find(needle, at + 1)
        file.seek((root[0] - 1) * page_size)
        file.write(page)
        file.flush()
        os.fsync(file.fileno())
    return changed


@pytest.mark.skipif(bool(POSTGRES_URL), reason="PRAGMA integrity_check is SQLite's (I7)")
def test_i7_a_corrupted_page_in_the_sqlite_file_is_reported(app):
    with app.app_context():
        # A small indexed table of its own: its index fits in one page (the root).
        with db.engine.begin() as connection:
            connection.execute(text("CREATE TABLE scratch (id INTEGER PRIMARY KEY, k TEXT)"))
            for n in range(20):
                connection.execute(text("INSERT INTO scratch (k) VALUES (:k)"), {"k": f"key-{n}"})
            connection.execute(text("CREATE INDEX ix_scratch_k ON scratch (k)"))
        path = db.engine.url.database
        db.engine.dispose()
    assert failing(app) == {}
    assert _corrupt_index_page(path, "ix_scratch_k", b"key-1") > 0
    with app.app_context():
        db.engine.dispose()  # no connection keeps the pages it cached before
    (problem,) = report(app)["I7 database integrity"]
    assert problem.startswith("PRAGMA integrity_check: row ")
    assert problem.endswith("missing from index ix_scratch_k")
    assert_cli_reports(app, "I7 database integrity", "missing from index ix_scratch_k")
