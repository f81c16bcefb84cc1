"""Engine settings that make writes durable and locks explicit on both databases.

SQLite: WAL with synchronous=FULL (a committed vote survives a power cut, T06), foreign
keys on, and BEGIN IMMEDIATE so a writer waits out busy_timeout instead of failing at
once (SQLAlchemy's pysqlite recipe). PostgreSQL: a lock timeout, so a database held busy
answers "not recorded" rather than hanging (T07).
"""

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url


def engine_options(database_url: str, busy_timeout: int, base: dict) -> dict:
    """Engine options for this URL, merged over the configured ones."""
    options = dict(base)
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        options.setdefault("connect_args", {})
        options["connect_args"] = {**options["connect_args"], "timeout": busy_timeout}
    elif url.get_backend_name() == "postgresql":
        timeout_ms = busy_timeout * 1000
        options["connect_args"] = {
            **options.get("connect_args", {}),
            "options": f"-c lock_timeout={timeout_ms} -c statement_timeout={timeout_ms * 6}",
        }
    return options


def configure_engine(engine: Engine) -> None:
    """Install the SQLite connection pragmas and BEGIN IMMEDIATE on this engine."""
    if engine.dialect.name != "sqlite":
        return

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
        connection.exec_driver_sql("BEGIN IMMEDIATE")
