"""T27 back at the ballot after the session expired, T29 sign-in throttling, T31 link throttling.

The limiter's clock is the process clock (Flask-Limiter's memory storage reads
``time.time``), so time-machine moves it past a window without sleeping. Every travel is
relative to now, so nothing depends on the time of day.
"""

import logging
import re
import secrets
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import time_machine

from deliberate.models import utcnow
from tests.conftest import PASSWORD, AuthActions, csrf_from, link_in, make_member, outbox
from tests.voting import ballots, open_vote

WRONG = "not the password at all"


def client_at(app, address: str) -> AuthActions:
    """A browser on its own connection: limits per address see it as someone else."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return AuthActions(client)


def later(response):
    """A clock just past the response's Retry-After."""
    wait = int(response.headers["Retry-After"]) + 1
    return time_machine.travel(utcnow() + timedelta(seconds=wait))


# T27 -------------------------------------------------------------------------------------


def test_signing_in_again_after_the_session_expired_returns_to_the_ballot_and_records_once(
    app, auth
):
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"]
    seconds = lifetime.total_seconds() if hasattr(lifetime, "total_seconds") else lifetime
    make_member(app)
    auth.login()
    vote = open_vote(app)
    ballot = f"/referendums/{vote}"
    stale = csrf_from(auth.client.get(ballot).get_data(as_text=True))
    with time_machine.travel(utcnow() + timedelta(seconds=seconds + 60)):
        lost = auth.client.post(f"{ballot}/vote", data={"csrf_token": stale, "choice": "yes"})
        assert lost.status_code == 400 and "nothing was saved" in lost.get_data(as_text=True)
        # Reloading the ballot asks for a sign-in that remembers where the member was.
        reload = auth.client.get(ballot)
        assert reload.status_code == 302
        login_url = reload.headers["Location"]
        parts = urlsplit(login_url)
        assert parts.path == "/login" and parse_qs(parts.query)["next"] == [ballot]
        page = auth.client.get(login_url).get_data(as_text=True)
        # No action attribute: the browser posts the form back to /login?next=..., as here.
        assert "action=" not in re.search(r"<form\b[^>]*>", page).group(0)
        signed_in = auth.client.post(
            login_url,
            data={"csrf_token": csrf_from(page), "email": "ann@example.org", "password": PASSWORD},
        )
        assert signed_in.status_code == 302 and signed_in.headers["Location"] == ballot
        assert ballots(app) == (0, 0)  # the lost POST is not replayed
        form = auth.client.get(ballot)
        assert form.status_code == 200
        html = form.get_data(as_text=True)
        assert f'action="{ballot}/vote"' in html
        token = csrf_from(html[html.index(f'action="{ballot}/vote"') :])
        cast = auth.client.post(f"{ballot}/vote", data={"csrf_token": token, "choice": "yes"})
        assert cast.status_code == 201
        again = auth.client.post(f"{ballot}/vote", data={"csrf_token": token, "choice": "no"})
        assert again.status_code == 409
    assert ballots(app) == (1, 1)


# T29 -------------------------------------------------------------------------------------


def test_a_throttled_sign_in_says_when_to_retry_and_then_the_good_password_works(app):
    limit = int(app.config["RATELIMIT_LOGIN"].split()[0])  # the production setting: 10/minute
    make_member(app)
    attacker = client_at(app, "203.0.113.7")
    answers = [attacker.login(password=WRONG) for _ in range(20)]  # the matrix's 20 guesses
    assert [a.status_code for a in answers] == [200] * limit + [429] * (20 - limit)
    assert all(int(a.headers["Retry-After"]) > 0 for a in answers[limit:])
    refused = attacker.login()  # even the right password, while throttled
    assert refused.status_code == 429
    assert "Too many sign-in attempts" in refused.get_data(as_text=True)
    retry_after = int(refused.headers["Retry-After"])
    assert 0 < retry_after <= 60
    with time_machine.travel(utcnow() + timedelta(seconds=retry_after - 5)):
        assert attacker.login().status_code == 429  # not before the time it gave
    with later(refused):
        assert attacker.login().status_code == 302  # no permanent lockout


def test_throttling_one_account_leaves_other_accounts_signing_in(app):
    make_member(app)
    make_member(app, "bob@example.org", name="Bob Example")
    app.config["RATELIMIT_LOGIN"] = "3 per minute"
    # Ann's password is guessed from ever-changing addresses: the per-account limit holds.
    for n in range(3):
        assert client_at(app, f"203.0.113.{n + 1}").login(password=WRONG).status_code == 200
    assert client_at(app, "203.0.113.99").login().status_code == 429
    # Bob, on his own connection, signs in as usual while Ann's account is throttled.
    assert client_at(app, "198.51.100.20").login("bob@example.org").status_code == 302
    assert client_at(app, "198.51.100.21").login().status_code == 429


def test_a_branch_meeting_on_one_address_signs_in_while_one_account_stays_throttled(app):
    # Twelve members on the venue's wifi sign in within the minute: more than one
    # account's limit (10 a minute), well inside the address's (60).
    per_account = int(app.config["RATELIMIT_LOGIN"].split()[0])
    emails = [f"member{n}@example.org" for n in range(per_account + 2)]
    for n, email in enumerate(emails):
        make_member(app, email, name=f"Member {n}")
    answers = [client_at(app, "192.0.2.44").login(email).status_code for email in emails]
    assert answers == [302] * len(emails)
    # From that same address, guessing one member's password is still stopped.
    guesser = client_at(app, "192.0.2.44")
    guesses = [guesser.login(emails[0], WRONG).status_code for _ in range(per_account)]
    assert guesses[-1] == 429


def test_a_throttled_sign_in_is_logged_without_the_password_or_the_email(app, caplog):
    caplog.set_level(logging.DEBUG)
    make_member(app)
    app.config["RATELIMIT_LOGIN"] = "2 per minute"
    secret = "Tr0ub4dor&3-guess-4711"
    for n in range(2):
        client_at(app, f"203.0.113.{n + 1}").login(password=secret)
    assert client_at(app, "203.0.113.50").login(password=secret).status_code == 429
    records = [r for r in caplog.records if r.getMessage().startswith("rate limit ")]
    assert len(records) == 1 and records[0].levelno == logging.WARNING
    text = records[0].getMessage()
    assert "auth.login" in text and "203.0.113.50" in text and " for account " in text
    everything = " ".join(r.getMessage() for r in caplog.records)
    assert secret not in everything
    assert "ann@example.org" not in everything  # the account is named by a keyed digest
    # The same account gets the same digest, so repeated attacks can be told apart.
    client_at(app, "203.0.113.51").login(password=secret)
    again = [r.getMessage() for r in caplog.records if r.getMessage().startswith("rate limit ")]
    assert again[-1].split(" for account ")[1] == text.split(" for account ")[1]


# T31 -------------------------------------------------------------------------------------


def test_made_up_account_links_are_throttled_per_address_with_a_clear_message(app, caplog):
    caplog.set_level(logging.DEBUG)
    limit = int(app.config["RATELIMIT_ACCOUNT_LINK"].split()[0])  # production: 10/minute
    guesser = client_at(app, "203.0.113.9")
    answers = [guesser.client.get(f"/reset/{secrets.token_urlsafe(32)}") for _ in range(1000)]
    statuses = [a.status_code for a in answers]
    assert statuses[:limit] == [422] * limit  # refused by the token check
    assert set(statuses[limit:]) == {429}  # then refused before it
    throttled = answers[-1]
    assert "Too many account links" in throttled.get_data(as_text=True)
    assert "Nothing was changed" in throttled.get_data(as_text=True)
    assert int(throttled.headers["Retry-After"]) > 0
    # The budget is shared by every kind of account link, GET and POST alike.
    for kind in ("verify", "account/email", "reset"):
        path = f"/{kind}/{secrets.token_urlsafe(32)}"
        assert guesser.client.get(path).status_code == 429, path
        posted = guesser.post(path, {"password": WRONG}, token_from="/login")
        assert posted.status_code == 429, path
    # The log names the endpoint, never a path, so no token reaches it.
    tokens = [urlsplit(a.request.path).path.rsplit("/", 1)[-1] for a in answers]
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "auth.reset" in logged and not any(token in logged for token in tokens)
    # Someone else's connection is not affected.
    assert client_at(app, "198.51.100.30").client.get("/reset/madeup").status_code == 422


def test_a_real_reset_link_works_once_the_throttle_window_has_passed(app):
    make_member(app)
    AuthActions(app.test_client()).post("/reset", {"email": "ann@example.org"})
    path = link_in(outbox(app)[-1][2])
    member = client_at(app, "203.0.113.10")
    app.config["RATELIMIT_ACCOUNT_LINK"] = "3 per minute"
    for _ in range(3):
        assert member.client.get(f"/reset/{secrets.token_urlsafe(32)}").status_code == 422
    refused = member.client.get(path)
    assert refused.status_code == 429  # even the real link, from that connection, for now
    with later(refused):
        page = member.client.get(path)
        assert page.status_code == 200
        changed = member.client.post(
            path,
            data={
                "csrf_token": csrf_from(page.get_data(as_text=True)),
                "password": "a brand new passphrase",
                "password_confirm": "a brand new passphrase",
            },
        )
    assert changed.status_code == 302
    signed_in = AuthActions(app.test_client()).login(password="a brand new passphrase")
    assert signed_in.status_code == 302
