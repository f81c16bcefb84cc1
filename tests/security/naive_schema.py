"""Break the schema on purpose, for negative controls: drop one UNIQUE or PRIMARY KEY.

PostgreSQL drops the named constraint. SQLite cannot, so the table is rebuilt from its
own CREATE statement without that constraint (and without WITHOUT ROWID, which needs a
primary key), its rows copied across. On PostgreSQL the suite shares one schema, so the
fixture that uses this makes the next test rebuild it.
"""

import re

from sqlalchemy import text

from deliberate.extensions import db


def drop_constraint(app, table: str, constraint: str) -> None:
    """Remove ``constraint`` from ``table`` in the test database."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                connection.execute(text(f'ALTER TABLE "{table}" DROP CONSTRAINT "{constraint}"'))
            return
        raw = engine.raw_connection()  # plain sqlite3, outside our BEGIN IMMEDIATE hooks
        try:
            cursor = raw.cursor()
            (sql,) = cursor.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
            ).fetchone()
            pattern = rf",\s*CONSTRAINT {constraint} (?:UNIQUE|PRIMARY KEY) \([^)]*\)"
            naive = re.sub(pattern, "", sql).replace("WITHOUT ROWID", "")
            assert naive != sql, f"{constraint} not found in {sql}"
            naive = re.sub(rf"^CREATE TABLE \"?{table}\"?", f"CREATE TABLE {table}_naive", naive)
            cursor.execute("PRAGMA foreign_keys=OFF")
            cursor.executescript(
                f"BEGIN; {naive}; INSERT INTO {table}_naive SELECT * FROM {table}; "
                f"DROP TABLE {table}; ALTER TABLE {table}_naive RENAME TO {table}; COMMIT;"
            )
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            raw.close()
        engine.dispose()  # no pooled connection keeps the old schema
