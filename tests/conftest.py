"""Shared fixtures: a fresh database per test, a CSRF-aware client, member factories.

SQLite by default (a file per test, as in production); set TEST_DATABASE_URL to a
postgresql+psycopg:// URL to run the same suite on PostgreSQL, where the schema is built
once and every table is emptied between tests.
"""

import os
import re
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher, profiles
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text

from config import TestConfig
from deliberate import create_app
from deliberate.extensions import db
from deliberate.models import Base, Member, MembershipStatus, Role, RoleGrant
from deliberate.services import passwords

# Still argon2id, at its cheapest settings, so the suite is not dominated by hashing.
passwords._hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)
passwords._DUMMY_HASH = passwords._hasher.hash("not-a-real-password")

# CI replays the same examples every run (a red build must be reproducible); locally,
# property tests keep exploring new ones.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI", "").lower() == "true":
    hypothesis_settings.load_profile("ci")

PASSWORD = "correct horse battery"
_PASSWORD_HASH = passwords.hash_password(PASSWORD)
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
_schema_ready = False


def database_url(tmp_path) -> str:
    """The database this test runs on."""
    return POSTGRES_URL or f"sqlite:///{tmp_path / 'test.sqlite3'}"


def _reset_schema(app) -> None:
    global _schema_ready
    with app.app_context():
        if not POSTGRES_URL:
            Base.metadata.create_all(db.engine)
            return
        if not _schema_ready:
            Base.metadata.drop_all(db.engine)
            Base.metadata.create_all(db.engine)
            _schema_ready = True
        else:
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            with db.engine.begin() as connection:
                connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def app_config(tmp_path) -> dict:
    """Per-test overrides of TestConfig; tests may change it before `app` is built."""
    return {
        "SQLALCHEMY_DATABASE_URI": database_url(tmp_path),
        "INSTANCE_PATH": str(tmp_path / "instance"),
    }


@pytest.fixture
def app(app_config):
    application = create_app(type("PerTestConfig", (TestConfig,), dict(app_config)))
    _reset_schema(application)
    yield application
    with application.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture(autouse=True)
def _push_request_context():
    """Override pytest-flask's: one request context per test would hide missing commits."""
    yield


@pytest.fixture
def client(app):
    """A test client that does not keep the last request's context alive.

    pytest-flask's own client is a `with` block, which keeps the app context (and the
    signed-in user cached on g) from one request to the next.
    """
    return app.test_client()


@pytest.fixture
def session(app):
    """The database session, in an app context of its own."""
    with app.app_context():
        yield db.session


def now_utc() -> datetime:
    return datetime.now(UTC)


def make_member(
    app,
    email: str = "ann@example.org",
    *,
    name: str = "Ann Example",
    roles: tuple[Role, ...] = (),
    verified: bool = True,
    status: MembershipStatus = MembershipStatus.ACTIVE,
    joined_days_ago: int = 400,
    group_id: int | None = None,
) -> str:
    """Create a member directly in the database; returns the public id."""
    with app.app_context():
        now = now_utc()
        member = Member(
            email=email,
            display_name=name,
            password_hash=_PASSWORD_HASH,
            email_verified_at=now if verified else None,
            declaration_accepted_at=now,
            joined_on=(now - timedelta(days=joined_days_ago)).date(),
            status=status,
            local_group_id=group_id,
            created_at=now,
        )
        member.role_grants.extend(RoleGrant(role=role, granted_at=now) for role in roles)
        db.session.add(member)
        db.session.commit()
        return member.public_id


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


class AuthActions:
    """Sign in and out through the real forms, CSRF included."""

    def __init__(self, client):
        self.client = client

    def token(self, path: str = "/login") -> str:
        return csrf_from(self.client.get(path).get_data(as_text=True))

    def post(self, path: str, data: dict, *, token_from: str | None = None, **kwargs):
        data = {"csrf_token": self.token(token_from or path), **data}
        return self.client.post(path, data=data, **kwargs)

    def login(self, email: str = "ann@example.org", password: str = PASSWORD, **kwargs):
        return self.post("/login", {"email": email, "password": password, **kwargs})

    def logout(self):
        return self.post("/logout", {}, token_from="/")


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


def outbox(app) -> list:
    """Every queued or sent message, oldest first."""
    from sqlalchemy import select

    from deliberate.models import OutboxMessage

    with app.app_context():
        rows = db.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars()
        return [(m.to_address, m.subject, m.body_text, m.status.value) for m in rows]


def link_in(body: str) -> str:
    """The path of the first http link in a message body."""
    match = re.search(r"https?://[^/\s]+(/\S+)", body)
    assert match, f"no link in: {body!r}"
    return match.group(1)
