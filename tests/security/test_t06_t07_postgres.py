"""T06 and T07 on PostgreSQL: durable commits, and a database held busy by a table lock.

T06: the server's ``fsync``, ``synchronous_commit`` and ``full_page_writes`` are on, and
the invariant checker warns (on either database) when the connection it runs on would
not make a commit survive a power cut; ``flask audit check-invariants`` prints the
warning and still exits 0 (a setting, not broken data). T07: another connection holds
``LOCK TABLE … IN ACCESS EXCLUSIVE MODE`` on the ballot or the signature table; a vote
and a signature through the web app wait out the app's ``lock_timeout``, answer 503
with ``Retry-After`` and "NOT recorded", write nothing, and the retry after the lock is
released succeeds. (SQLite's variant, ``BEGIN EXCLUSIVE``, is in tests/live.)
"""

import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.orm import Session

from deliberate.extensions import db
from deliberate.models import AuditEntry, Ballot, Participation, Proposal, Signature, utcnow
from deliberate.services import invariants
from tests.conftest import POSTGRES_URL, AuthActions, csrf_from, make_member
from tests.proposal_builders import add_members, proposal, ruleset
from tests.voting import make_vote

on_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL only (TEST_DATABASE_URL)")
LOCK_TIMEOUT = 1  # seconds: DATABASE_BUSY_TIMEOUT, which the app turns into lock_timeout


@pytest.fixture
def app_config(app_config):
    return {**app_config, "DATABASE_BUSY_TIMEOUT": LOCK_TIMEOUT}


@on_postgres
def test_the_postgres_server_flushes_every_commit_to_disk(app):
    with app.app_context(), db.engine.connect() as connection:
        shown = {
            name: connection.execute(text(f"SHOW {name}")).scalar()
            for name in ("fsync", "synchronous_commit", "full_page_writes")
        }
    assert shown == {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}


def test_the_checker_is_quiet_on_durable_settings_and_warns_when_a_commit_is_not_flushed(app):
    with app.app_context():
        assert invariants.check_all(db.session).warnings == []
        # One connection set up the way a server or a connection tuned for speed would be.
        with db.engine.connect() as connection:
            if db.engine.dialect.name == "postgresql":
                connection.execute(text("SET LOCAL synchronous_commit = off"))
                expected = "PostgreSQL synchronous_commit is off"
            else:  # SQLite refuses to change it inside a transaction: before the first BEGIN
                connection.connection.dbapi_connection.execute("PRAGMA synchronous=NORMAL")
                expected = "SQLite synchronous is 1, below 2 (FULL)"
            report = invariants.check_all(Session(bind=connection))
            connection.invalidate()  # never back into the pool with that setting
    assert report.holds  # a warning, not a broken invariant
    assert report.warnings and all(w.startswith(expected) for w in report.warnings)


def test_the_invariant_command_prints_the_warning_and_still_exits_zero(app):
    with app.app_context():
        engine = db.engine

        def relaxed(dbapi_connection, _record):  # after the app's own connect hook
            if engine.dialect.name == "postgresql":
                dbapi_connection.execute("SET synchronous_commit = off")
                dbapi_connection.commit()
            else:
                dbapi_connection.execute("PRAGMA synchronous=NORMAL")

        event.listen(engine, "connect", relaxed)
        engine.dispose()  # every connection from here on is opened with the hook
    try:
        result = app.test_cli_runner().invoke(args=["audit", "check-invariants"])
    finally:
        event.remove(engine, "connect", relaxed)
        engine.dispose()
    assert result.exit_code == 0, result.output
    warning = "synchronous_commit is off" if engine.dialect.name == "postgresql" else "is 1"
    assert any(
        line.startswith("WARNING ") and warning in line for line in result.output.splitlines()
    ), result.output


@contextmanager
def table_locked(table: str):
    """Another connection holds ACCESS EXCLUSIVE on ``table`` until the block ends."""
    engine = create_engine(POSTGRES_URL)
    try:
        with engine.connect() as holder:
            holder.execute(text(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE'))
            try:
                yield
            finally:
                holder.rollback()
    finally:
        engine.dispose()


def timed_post(client, path: str, data: dict):
    started = time.monotonic()
    response = client.post(path, data=data)
    return response, time.monotonic() - started


def rows(app, *models) -> tuple[int, ...]:
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in models)


def assert_busy_answer(response, elapsed: float, message: str) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)[:500]
    # The busy handler's 2 seconds, kept over the reset of the rate limiter's window.
    assert response.headers["Retry-After"] == "2"
    assert message in response.get_data(as_text=True)
    # It waited for the lock (so the lock is what refused it) and no longer than that.
    assert LOCK_TIMEOUT * 0.9 <= elapsed < LOCK_TIMEOUT + 4, elapsed


@on_postgres
def test_a_vote_while_the_ballot_table_is_locked_is_not_recorded_and_the_retry_is(app, auth):
    make_member(app)
    start = utcnow() - timedelta(hours=1)
    vote = make_vote(app, opens_at=start, closes_at=start + timedelta(days=1), now=utcnow())
    auth.login()
    path = f"/referendums/{vote}"
    data = {"csrf_token": csrf_from(auth.client.get(path).get_data(as_text=True)), "choice": "yes"}
    before = rows(app, AuditEntry)
    with table_locked("ballot"):
        response, elapsed = timed_post(auth.client, path + "/vote", data)
    assert_busy_answer(response, elapsed, "Your vote was NOT recorded. Please try again.")
    assert rows(app, Participation, Ballot) == (0, 0)
    assert rows(app, AuditEntry) == before
    retry = auth.client.post(path + "/vote", data=data)
    assert retry.status_code == 201
    assert rows(app, Participation, Ballot) == (1, 1)


@on_postgres
def test_a_signature_while_the_signature_table_is_locked_is_not_recorded_and_the_retry_is(app):
    with app.app_context():
        p = proposal(db.session, ruleset(threshold=50))
        add_members(db.session, 1, prefix="signer")
        path, pid = f"/proposals/{p.public_id}", p.id
    client = app.test_client()
    AuthActions(client).login("signer.0@example.org")
    data = {"csrf_token": csrf_from(client.get(path).get_data(as_text=True))}
    before = rows(app, AuditEntry)
    with table_locked("signature"):
        response, elapsed = timed_post(client, path + "/sign", data)
    assert_busy_answer(response, elapsed, "Your signature was NOT recorded, please try again.")
    assert rows(app, Signature, AuditEntry) == (0, before[0])
    with app.app_context():
        assert db.session.get(Proposal, pid).signature_count == 0
    retry = client.post(path + "/sign", data=data)
    assert retry.status_code == 303
    with app.app_context():
        assert rows(app, Signature) == (1,)
        assert db.session.get(Proposal, pid).signature_count == 1
