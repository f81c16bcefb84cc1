"""T27 expired form/session, T31 reset tokens, T42 no-store per route, T43 debug off."""

import re
import secrets
from datetime import timedelta

import time_machine
from sqlalchemy import select

from deliberate.extensions import db
from deliberate.models import AccountToken, utcnow
from deliberate.services import counting, referendums
from tests.conftest import AuthActions, csrf_from, link_in, make_member, outbox
from tests.voting import ballots, open_vote

# T27 -------------------------------------------------------------------------------------


def test_a_ballot_posted_after_the_csrf_token_expired_is_refused_and_not_recorded(app, auth):
    assert app.config["WTF_CSRF_TIME_LIMIT"] == 3600
    make_member(app)
    auth.login()
    vote = open_vote(app)
    token = csrf_from(auth.client.get(f"/referendums/{vote}").get_data(as_text=True))
    with time_machine.travel(utcnow() + timedelta(seconds=3601)):
        response = auth.client.post(
            f"/referendums/{vote}/vote", data={"csrf_token": token, "choice": "yes"}
        )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Form expired" in page and "nothing was saved" in page
    assert "Traceback" not in page
    assert ballots(app) == (0, 0)
    # The same token a moment before the limit still works: the test can fail.
    token = csrf_from(auth.client.get(f"/referendums/{vote}").get_data(as_text=True))
    with time_machine.travel(utcnow() + timedelta(seconds=3500)):
        ok = auth.client.post(
            f"/referendums/{vote}/vote", data={"csrf_token": token, "choice": "yes"}
        )
    assert ok.status_code == 201 and ballots(app) == (1, 1)


def test_an_expired_session_signs_out_and_a_ballot_post_records_nothing(app, auth):
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"]
    seconds = lifetime.total_seconds() if hasattr(lifetime, "total_seconds") else lifetime
    make_member(app)
    auth.login()
    vote = open_vote(app)
    token = csrf_from(auth.client.get(f"/referendums/{vote}").get_data(as_text=True))
    with time_machine.travel(utcnow() + timedelta(seconds=seconds + 60)):
        assert auth.client.get("/account").status_code == 302  # signed out
        response = auth.client.post(
            f"/referendums/{vote}/vote", data={"csrf_token": token, "choice": "yes"}
        )
        assert response.status_code == 400  # the token died with the session
        assert "nothing was saved" in response.get_data(as_text=True)
    assert ballots(app) == (0, 0)


# T31 -------------------------------------------------------------------------------------


def test_a_thousand_made_up_reset_tokens_are_all_refused(app, client):
    # The token check itself, with the per-address throttle out of the way; the throttle is
    # test_t27_t29_t31_sessions_and_limits.py::test_made_up_account_links_are_throttled_...
    app.config["RATELIMIT_ACCOUNT_LINK"] = "100000 per minute"
    make_member(app)
    for _ in range(1000):
        response = client.get(f"/reset/{secrets.token_urlsafe(32)}")
        assert response.status_code == 422
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_reset_tokens_are_long_stored_hashed_and_single_use_on_post(app, client, auth):
    make_member(app)
    auth.post("/reset", {"email": "ann@example.org"})
    path = link_in(outbox(app)[-1][2])
    raw = path.rsplit("/", 1)[-1]
    assert len(raw) >= 22  # >= 128 bits of urlsafe base64
    with app.app_context():
        stored = db.session.scalars(select(AccountToken.token_hash)).all()
    assert stored and raw not in stored  # only a digest is kept
    token = csrf_from(client.get(path).get_data(as_text=True))
    data = {
        "csrf_token": token,
        "password": "first new passphrase",
        "password_confirm": "first new passphrase",
    }
    assert client.post(path, data=data).status_code == 302
    again = app.test_client()
    token = csrf_from(again.get("/login").get_data(as_text=True))
    replay = again.post(
        path,
        data={
            "csrf_token": token,
            "password": "second new passphrase",
            "password_confirm": "second new passphrase",
        },
    )
    assert replay.status_code == 422
    assert AuthActions(app.test_client()).login(password="second new passphrase").status_code == 200
    assert AuthActions(app.test_client()).login(password="first new passphrase").status_code == 302


# T42 -------------------------------------------------------------------------------------


def test_ballot_receipt_and_export_responses_are_never_stored(app, auth):
    make_member(app)
    auth.login()
    vote = open_vote(app)
    assert auth.client.get(f"/referendums/{vote}").headers["Cache-Control"] == "no-store"
    cast = auth.post(
        f"/referendums/{vote}/vote", {"choice": "yes"}, token_from=f"/referendums/{vote}"
    )
    assert cast.headers["Cache-Control"] == "no-store"
    receipt = re.search(r'<code id="receipt">([^<]+)</code>', cast.get_data(as_text=True))
    with app.app_context():
        closes = referendums.get(db.session, vote).closes_at
        db.session.commit()
        counting.close_and_count(db.session, vote, closes)
    checked = auth.post(
        f"/referendums/{vote}/receipt",
        {"receipt": receipt.group(1)},
        token_from=f"/referendums/{vote}",
    )
    assert checked.status_code == 200 and checked.headers["Cache-Control"] == "no-store"
    for path in (f"/referendums/{vote}/ballots", f"/referendums/{vote}/ballots.csv"):
        response = auth.client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path


def test_hsts_is_sent_when_cookies_are_secure(app, client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    app.config["SESSION_COOKIE_SECURE"] = True
    assert client.get("/").headers["Strict-Transport-Security"].startswith("max-age=31536000")


# T43 -------------------------------------------------------------------------------------


def test_production_turns_debug_off_even_when_asked_for_it(tmp_path):
    from config import Config
    from deliberate import create_app

    prod = type(
        "Prod",
        (Config,),
        {
            "ENV_NAME": "production",
            "DEBUG": True,
            "SECRET_KEY": "x" * 40,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite3'}",
            "INSTANCE_PATH": str(tmp_path / "instance"),
        },
    )
    application = create_app(prod)
    assert application.debug is False and application.config["DEBUG"] is False
    assert not application.config.get("TESTING")
    assert not application.config.get("BENCH_ENDPOINTS")
