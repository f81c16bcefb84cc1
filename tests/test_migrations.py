"""The schema comes from migrations: upgrading an empty database gives exactly the models."""

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
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


def test_upgrading_to_0016_finds_the_one_kind_an_existing_amendment_changes(tmp_path):
    from dataclasses import replace

    from deliberate.services import amendment_drafting, drafting, rulebook
    from tests.proposal_builders import NOW, author

    app = fresh_app(tmp_path)
    _empty(app)
    try:
        with app.app_context():
            upgrade()
            by = author(db.session)
            draft = drafting.create_draft(
                db.session, author=by, kind="rule-change", title="Longer motions",
                summary="More time.", body="Sixty days.", local_group_id=None, now=NOW,
            )  # fmt: skip
            policy = rulebook.current_rulebook(db.session).rulesets["policy-motion"]
            amendment_drafting.set_amendment(
                db.session, proposal_id=draft.id, author_id=by.id, kind="policy-motion",
                ruleset=replace(policy, collection_days=(policy.collection_days or 30) + 30),
                now=NOW,
            )  # fmt: skip
            drafting.register(db.session, proposal_id=draft.id, author_id=by.id, now=NOW)
            db.session.remove()
            downgrade(revision="0015_transition_cause_message")  # as recorded before
            upgrade()
            with db.engine.connect() as connection:
                kind = connection.execute(text("SELECT amendment_kind FROM proposal")).scalar_one()
            assert kind == "policy-motion"
            downgrade(revision="base")
    finally:
        _empty(app)
        import tests.conftest as conftest

        conftest._schema_ready = False


def test_every_revision_id_fits_alembic_version_column():
    # alembic_version.version_num is VARCHAR(32): PostgreSQL refuses a longer id, while
    # SQLite would store it, so the SQLite run would not notice.
    app = create_app(TestConfig)
    migrations = Config()
    migrations.set_main_option("script_location", str(app.extensions["migrate"].directory))
    ids = [script.revision for script in ScriptDirectory.from_config(migrations).walk_revisions()]
    assert ids and [i for i in ids if len(i) > 32] == []
