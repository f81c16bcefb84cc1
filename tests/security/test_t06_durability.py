"""T06: SQLite runs in WAL mode with synchronous=FULL, so a commit survives a power cut."""

import pytest
from sqlalchemy import text

from deliberate.extensions import db
from tests.conftest import POSTGRES_URL


@pytest.mark.skipif(
    bool(POSTGRES_URL), reason="SQLite pragmas; PostgreSQL is configured by the server"
)
def test_every_sqlite_connection_is_wal_with_full_sync(app):
    with app.app_context():
        for _ in range(3):  # fresh pool connections, not just the first one
            with db.engine.connect() as connection:
                assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
                assert connection.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
