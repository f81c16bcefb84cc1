"""The schema comes from migrations: upgrading an empty database gives exactly the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from config import TestConfig
from deliberate import create_app
from deliberate.extensions import db
from deliberate.models import Base
from tests.conftest import POSTGRES_URL


def fresh_app(tmp_path):
    url = POSTGRES_URL or f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
    config = type(
        "MigrationConfig",
        (TestConfig,),
        {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(tmp_path)},
    )
    return create_app(config)


def _empty(app) -> None:
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))


def test_upgrade_from_empty_matches_the_models(tmp_path):
    app = fresh_app(tmp_path)
    _empty(app)
    try:
        with app.app_context():
            upgrade()
            with db.engine.connect() as connection:
                context = MigrationContext.configure(
                    connection, opts={"compare_type": True, "render_as_batch": True}
                )
                differences = compare_metadata(context, Base.metadata)
            assert differences == []
            tables = set(inspect(db.engine).get_table_names())
            assert {"member", "audit_entry", "outbox_message"} <= tables
            downgrade(revision="base")
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    finally:
        _empty(app)  # the PostgreSQL run shares one database with the other tests
        import tests.conftest as conftest

        conftest._schema_ready = False
