"""Engine settings that make writes durable and locks explicit on both databases.

SQLite: WAL with synchronous=FULL (a committed vote survives a power cut, T06) and
foreign keys on. A transaction that only reads is a plain (deferred) BEGIN: in WAL mode
it never blocks a writer and is never blocked by one, so pages, the session's member
lookup and the rest of a request's reads run beside the writes. A transaction that will
write starts with ``begin_write(session)``, which issues BEGIN IMMEDIATE: the writer
waits out busy_timeout for the database's one write lock *before* it reads anything.
That matters because SQLite cannot safely upgrade a reading transaction to a writing
one: if another connection holds or has taken the write lock since the first read, the
upgrade fails at once with "database is locked", without waiting. Every service that
writes therefore calls begin_write() before its first read; with ``check_writes`` on
(the test suite), a request whose deferred transaction writes after reading raises
WriteAfterReadError, so a service that forgets fails its tests rather than production.

PostgreSQL: a lock timeout, so a database held busy answers "not recorded" rather than
hanging (T07). Rows a write depends on are locked with FOR UPDATE / FOR SHARE in the
services; begin_write() does nothing there, except end read_outside_transaction().
"""

import re
import sqlite3
from dataclasses import dataclass

from flask import has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, scoped_session

from deliberate.sqlite_writer_queue import QueuedConnection, WriterQueue

# Execution option on the connection of a write transaction (read by the begin hook).
WRITE_OPTION = "deliberate_write"
_STATE = "deliberate_transaction"
_READS = frozenset({"SELECT", "WITH"})
_WRITES = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER"})
# On the connection (Connection.info) while its statements commit one by one
# (read_outside_transaction, PostgreSQL); begin_write() and execute_alone() end it.
_READING_ALONE = "deliberate_reading_alone"
# What a statement outside a transaction may not do: write, or take a lock that its own
# commit would let go at once.
_LOCKS = re.compile(r"\bFOR (?:NO KEY |KEY )?(?:UPDATE|SHARE)\b|pg_advisory_xact_lock", re.I)
_WRITES_IN_WITH = re.compile(r"\b(?:INSERT|UPDATE|DELETE)\b", re.I)


class WriteAfterReadError(RuntimeError):
    """A deferred SQLite transaction wrote after reading: begin_write() was not called."""


class WriteOutsideTransactionError(RuntimeError):
    """A write or a lock came while reads ran outside a transaction, before begin_write()."""


@dataclass
class _Transaction:
    """What the current SQLite transaction on one connection has done so far."""

    is_write: bool
    has_read: bool = False
    has_written: bool = False
    queue: WriterQueue | None = None  # the database file's, when it has one


def _busy(statement: str) -> OperationalError:
    """The error SQLite gives a writer that waited out busy_timeout for the write lock."""
    return OperationalError(statement, None, sqlite3.OperationalError("database is locked"))


def engine_options(database_url: str, busy_timeout: int, base: dict) -> dict:
    """Engine options for this URL, merged over the configured ones."""
    options = dict(base)
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        options.setdefault("connect_args", {})
        options["connect_args"] = {**options["connect_args"], "timeout": busy_timeout}
        if url.database not in (None, "", ":memory:"):
            # Its COMMIT and ROLLBACK end the writer's turn in the queue (WriterQueue).
            options["connect_args"]["factory"] = QueuedConnection
        # A file database cannot drop a connection the way a server can: no ping needed.
        options.pop("pool_pre_ping", None)
    elif url.get_backend_name() == "postgresql":
        timeout_ms = busy_timeout * 1000
        options["connect_args"] = {
            **options.get("connect_args", {}),
            "options": f"-c lock_timeout={timeout_ms} -c statement_timeout={timeout_ms * 6}",
        }
    return options


def configure_engine(engine: Engine, *, busy_timeout: float, check_writes: bool = False) -> None:
    """Install the SQLite pragmas and the deferred / IMMEDIATE begin on this engine.

    ``check_writes``: raise WriteAfterReadError when, inside a request, a deferred
    transaction writes after it has read (the test suite turns it on; production only
    pays for the bookkeeping). Outside requests (tests' own setup, one-off CLI work) the
    check stays quiet.
    """
    if engine.dialect.name == "postgresql":
        _configure_postgresql(engine, check_writes=check_writes)
        return
    if engine.dialect.name != "sqlite":
        return
    queue = None
    if engine.url.database not in (None, "", ":memory:"):
        queue = WriterQueue(engine.url.database, busy_timeout)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        is_write = bool(connection.get_execution_options().get(WRITE_OPTION))
        connection.info[_STATE] = state = _Transaction(is_write=False, queue=queue)
        if is_write:
            _start_write(connection, state)
        else:
            connection.exec_driver_sql("BEGIN")

    @event.listens_for(engine, "before_cursor_execute")
    def _on_execute(connection, _cursor, statement, _parameters, _context, _executemany):
        state = connection.info.get(_STATE)
        if state is None or state.is_write or state.has_written:
            return
        words = statement[:16].split(None, 1)
        verb = words[0].upper() if words else ""
        if verb in _READS:
            state.has_read = True
        elif verb in _WRITES:
            if state.has_read and check_writes and has_request_context():
                raise WriteAfterReadError(
                    "This transaction read and then wrote without database.begin_write(): "
                    "on SQLite such a write fails at once with 'database is locked' when "
                    "another writer is active. Call begin_write(session) before the reads."
                )
            state.has_written = True

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(connection):
        connection.info.pop(_STATE, None)


def _configure_postgresql(engine: Engine, *, check_writes: bool) -> None:
    """Keep read_outside_transaction() to the request that asked for it (and to reads).

    ``check_writes`` (the test suite) refuses a write or a lock while statements commit
    alone. Only then: any statement listener on an engine puts every statement of
    every request on SQLAlchemy's slower path with events (about 100 Python calls a
    request, issue 9).
    """
    if check_writes:

        @event.listens_for(engine, "before_cursor_execute")
        def _refuse_writes_outside_transaction(connection, _cursor, statement, *_args):
            if connection.info.get(_READING_ALONE) and _writes_or_locks(statement):
                raise WriteOutsideTransactionError(
                    "A write or a lock while reads run outside a transaction: each "
                    "statement would commit by itself. Call begin_write(session) before it."
                )

    @event.listens_for(engine, "checkin")
    def _back_to_transactions(dbapi_connection, connection_record):
        # A connection goes back to the pool as it came: the next request's statements
        # must run in transactions again, whatever this one did or failed to do.
        connection_record.info.pop(_READING_ALONE, None)
        is_open = dbapi_connection is not None and not dbapi_connection.closed
        if is_open and dbapi_connection.autocommit:
            dbapi_connection.autocommit = False


def _writes_or_locks(statement: str) -> bool:
    words = statement[:16].split(None, 1)
    verb = words[0].upper() if words else ""
    if verb in _WRITES:
        return True
    if verb == "WITH" and _WRITES_IN_WITH.search(statement):
        return True
    return verb in _READS and _LOCKS.search(statement) is not None


def _start_write(connection, state: _Transaction) -> None:
    """Wait for this connection's turn in the writer queue, then BEGIN IMMEDIATE.

    The turn ends when the sqlite3 connection's COMMIT or ROLLBACK returns
    (QueuedConnection); an engine made without engine_options() does not queue.
    """
    dbapi_connection = connection.connection.dbapi_connection
    if state.queue is not None and isinstance(dbapi_connection, QueuedConnection):
        if not state.queue.join():
            raise _busy("BEGIN IMMEDIATE (waiting in the writer queue)")
        dbapi_connection.turn = state.queue
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        if isinstance(dbapi_connection, QueuedConnection):
            dbapi_connection.end_turn()
        raise
    state.is_write = True


def begin_write(session: Session) -> None:
    """Make the session's transaction a write transaction before it reads anything.

    SQLite: a read-only transaction already open (the request's member lookup, the
    view's load) is ended, then BEGIN IMMEDIATE waits for the write lock (busy_timeout,
    then OperationalError). What the read loaded stays loaded, as it would on
    PostgreSQL, where the same objects carry on into the write under READ COMMITTED:
    a service reloads under the lock the rows its decision rests on (proposals.lock,
    FOR UPDATE / FOR SHARE with populate_existing). A transaction that already writes,
    or already holds the lock, is left as it is. PostgreSQL: nothing to do, unless the
    reads ran outside a transaction (read_outside_transaction): the session's next
    statement then begins one.
    """
    if isinstance(session, scoped_session):
        session = session()
    if session.get_bind().dialect.name != "sqlite":
        if session.in_transaction():
            _end_reading_alone(session.connection())
        return
    if not session.in_transaction():
        session.connection(execution_options={WRITE_OPTION: True})
        return
    connection = session.connection()
    state = connection.info.get(_STATE)
    if state is None or state.is_write or state.has_written:
        return
    if session.new or session.dirty or session.deleted:
        return  # ending the transaction here would split the caller's unit of work
    # End the read snapshot and take the write lock on the same connection, under the
    # same SQLAlchemy transaction: a session commit here would also return the
    # connection to the pool and check it out again, for nothing (issue 9).
    connection.exec_driver_sql("COMMIT")
    _start_write(connection, state)


def commit_keeping_loaded(session: Session) -> None:
    """Commit without expiring what the session has loaded.

    For a write that changed none of the loaded objects (a ballot: new rows only), so
    the page rendered next need not reload the member and the vote it already holds.
    """
    if isinstance(session, scoped_session):
        session = session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


def execute_alone(session: Session, statement, params: dict):
    """Run one statement that commits by itself, outside any transaction; returns its row.

    PostgreSQL only. For a statement that writes all of its work or none of it and locks
    a row that many requests queue for: with no COMMIT to send after it, the lock is
    held only while the server runs the statement and flushes it, not while the server
    waits for a busy client's next message (services.signing). The session's
    transaction so far is committed first on the same connection; what it loaded stays
    loaded, and the session's next statement begins a new transaction, as after
    begin_write() on SQLite. Call it where that transaction has only read: unflushed
    changes are refused below, but writes already flushed would be committed with it.
    """
    if isinstance(session, scoped_session):
        session = session()
    if session.get_bind().dialect.name != "postgresql":
        raise RuntimeError("execute_alone is for PostgreSQL; SQLite writes under its lock")
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("the session has unflushed changes that would be split from it")
    connection = session.connection()
    dbapi_connection = connection.connection.dbapi_connection
    if not connection.info.pop(_READING_ALONE, False):
        # Below SQLAlchemy, whose transaction carries on: a session commit here would
        # return the connection to the pool and check it out (and ping it) again.
        dbapi_connection.commit()
        dbapi_connection.autocommit = True
    try:
        return connection.execute(statement, params).one()
    finally:
        dbapi_connection.autocommit = False


def read_outside_transaction(session: Session) -> None:
    """PostgreSQL: until begin_write(), each of the session's statements commits by itself.

    For a request that reads, then writes once with execute_alone() (a signature): its
    reads then cost no BEGIN and no COMMIT, two of its seven round trips to a server on
    the same cores (issue 9). Under READ COMMITTED each statement reads its own snapshot
    inside a transaction too, so plain reads lose nothing. A write or a row lock before
    begin_write() raises WriteOutsideTransactionError, since it would commit alone or
    let go of its lock at once; the connection runs transactions again once it is back
    in the pool. Call it before the session's first statement: otherwise, and on
    SQLite, whose reads are no round trips, it does nothing.
    """
    if isinstance(session, scoped_session):
        session = session()
    if session.in_transaction() or session.get_bind().dialect.name != "postgresql":
        return
    connection = session.connection()
    connection.connection.dbapi_connection.autocommit = True
    connection.info[_READING_ALONE] = True


def _end_reading_alone(connection) -> None:
    if connection.info.pop(_READING_ALONE, False):
        connection.connection.dbapi_connection.autocommit = False
