"""Two-factor sign-in (TOTP): enrol, sign in with a code, no replay, required by role."""

from datetime import timedelta

import pyotp
import time_machine
from sqlalchemy import select

from deliberate.extensions import db
from deliberate.models import Member, Role
from tests.conftest import PASSWORD, make_member, now_utc


def secret_of(app, email="ann@example.org") -> str:
    with app.app_context():
        return db.session.scalar(select(Member.totp_secret).where(Member.email == email))


def enrol(app, auth) -> str:
    auth.post("/account/two-factor", {"action": "start"})
    secret = secret_of(app)
    code = pyotp.TOTP(secret).now()
    response = auth.post("/account/two-factor", {"action": "confirm", "code": code})
    assert response.status_code == 302
    return secret


def test_enrolment_needs_a_right_code(app, auth):
    make_member(app)
    auth.login()
    auth.post("/account/two-factor", {"action": "start"})
    page = auth.post("/account/two-factor", {"action": "confirm", "code": "000000"})
    assert "That code is not right" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Member.totp_enabled_at)) is None


def test_sign_in_asks_for_the_code_after_the_password(app, client, auth):
    make_member(app)
    auth.login()
    secret = enrol(app, auth)
    auth.logout()
    response = auth.login()
    assert response.location.endswith("/login/code")
    assert client.get("/account").status_code == 302  # not signed in yet
    with time_machine.travel(now_utc() + timedelta(seconds=60)):
        code = pyotp.TOTP(secret).now()
        assert auth.post("/login/code", {"code": code}).status_code == 302
        assert client.get("/account").status_code == 200


def test_a_code_cannot_be_used_twice(app, client, auth):
    make_member(app)
    auth.login()
    secret = enrol(app, auth)
    auth.logout()
    with time_machine.travel(now_utc() + timedelta(seconds=90), tick=False):
        code = pyotp.TOTP(secret).now()
        auth.login()
        auth.post("/login/code", {"code": code})
        auth.logout()
        auth.login()
        page = auth.post("/login/code", {"code": code})
    assert page.status_code == 200 and "That code is not right" in page.get_data(as_text=True)


def test_configured_roles_must_enrol_before_privileged_pages(app, auth):
    app.config["REQUIRE_TWO_FACTOR_ROLES"] = "committee,auditor"
    make_member(app, roles=(Role.COMMITTEE,))
    auth.login()
    response = auth.client.get("/admin/members")
    assert response.status_code == 302 and response.location.endswith("/account/two-factor")
    enrol(app, auth)
    assert auth.client.get("/admin/members").status_code == 200


def test_turning_it_off_needs_the_password(app, auth):
    make_member(app)
    auth.login()
    enrol(app, auth)
    page = auth.post("/account/two-factor", {"action": "disable", "password": "wrong one!"})
    assert "not correct" in page.get_data(as_text=True)
    auth.post("/account/two-factor", {"action": "disable", "password": PASSWORD})
    with app.app_context():
        assert db.session.scalar(select(Member.totp_enabled_at)) is None
