"""database.read_outside_transaction: reads that commit alone, and nothing else does.

A signature in a surge reads the member and the proposal, then writes with one
statement that commits by itself (execute_alone). On PostgreSQL its reads then need no
BEGIN and no COMMIT (issue 9). What must never follow from that: a write or a row lock
committing on its own before begin_write(), or a connection going back to the pool
still committing statement by statement.
"""

import pytest
from sqlalchemy import insert, select, text

from deliberate.database import (
    WriteOutsideTransactionError,
    begin_write,
    execute_alone,
    read_outside_transaction,
)
from deliberate.extensions import db
from deliberate.models import LocalGroup
from tests.conftest import POSTGRES_URL

on_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL only (TEST_DATABASE_URL)")
_groups = LocalGroup.__table__


def _commits_alone(session) -> bool:
    return session.connection().connection.dbapi_connection.autocommit


def _group(name: str):
    return insert(_groups).values(slug=name.lower(), name=name)


def _groups_named(name: str) -> int:
    """Committed groups of this name, as another connection sees them."""
    with db.engine.connect() as connection:
        return len(connection.execute(select(_groups.c.id).where(_groups.c.name == name)).all())


@on_postgres
def test_reads_run_without_a_transaction_until_begin_write(session):
    read_outside_transaction(session)
    session.execute(select(_groups.c.id)).all()
    status = session.connection().connection.dbapi_connection.info.transaction_status
    assert _commits_alone(session) and status.name == "IDLE"  # no BEGIN was sent
    begin_write(session)
    session.execute(_group("Leeds"))
    assert not _commits_alone(session)
    session.rollback()  # a transaction again: the insert goes with it
    assert _groups_named("Leeds") == 0


@on_postgres
@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO local_group (slug, name) VALUES ('leeds', 'Leeds')",
        "WITH made AS (INSERT INTO local_group (slug, name) VALUES ('leeds', 'Leeds') "
        "RETURNING id) "
        "SELECT id FROM made",
        "SELECT id FROM local_group FOR UPDATE",
        "SELECT id FROM local_group FOR NO KEY UPDATE",
    ],
)
def test_a_write_or_a_lock_before_begin_write_is_refused_and_writes_nothing(session, statement):
    read_outside_transaction(session)
    with pytest.raises(WriteOutsideTransactionError):
        session.execute(text(statement))
    session.rollback()
    assert _groups_named("Leeds") == 0


@on_postgres
def test_execute_alone_after_reads_alone_commits_its_statement_and_then_transactions_resume(
    session,
):
    read_outside_transaction(session)
    session.execute(select(_groups.c.id)).all()
    made = _group("Leeds").returning(_groups.c.id)
    assert execute_alone(session, made, {}).id
    assert _groups_named("Leeds") == 1  # committed by itself
    assert not _commits_alone(session)
    session.execute(_group("York"))
    session.rollback()
    assert _groups_named("York") == 0


@on_postgres
def test_a_connection_goes_back_to_the_pool_running_transactions(app):
    with app.app_context():
        read_outside_transaction(db.session)
        db.session.execute(select(_groups.c.id)).all()
        db.session.rollback()  # an error path: neither begin_write nor execute_alone ran
        db.session.remove()
        # The pool holds one idle connection now; whichever comes out is in transactions.
        db.session.execute(_group("Leeds"))
        assert not _commits_alone(db.session)
        db.session.rollback()
        assert _groups_named("Leeds") == 0


@on_postgres
def test_a_session_that_has_already_read_stays_in_its_transaction(session):
    session.execute(select(_groups.c.id)).all()
    read_outside_transaction(session)  # too late to leave it: nothing changes
    assert not _commits_alone(session)
    session.execute(_group("Leeds"))
    session.rollback()
    assert _groups_named("Leeds") == 0


def test_on_sqlite_it_changes_nothing(session):
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite's case")
    read_outside_transaction(session)
    assert not session().in_transaction()  # no connection was even taken
    begin_write(session)
    session.execute(_group("Leeds"))
    session.rollback()
    assert _groups_named("Leeds") == 0
