"""T39(c): guessing receipts is throttled per address (RATELIMIT_RECEIPT), answering 429.

A receipt carries 128 bits, so guessing one is hopeless anyway; the limit keeps a
script from even trying at scale, and it holds per address, not per session.
"""

import secrets
from datetime import timedelta

import time_machine

from deliberate.models import utcnow
from tests.conftest import AuthActions, csrf_from, make_member
from tests.voting import make_vote

NOT_FOUND = "No ballot has this receipt code"


def open_vote(app) -> str:
    start = utcnow() - timedelta(hours=1)
    return make_vote(app, opens_at=start, closes_at=start + timedelta(days=1), now=utcnow())


def member_client(app, email: str):
    make_member(app, email, name=email.split("@")[0].title())
    client = app.test_client()
    AuthActions(client).login(email)
    return client


def check(client, vote: str, receipt: str):
    token = csrf_from(client.get(f"/referendums/{vote}").get_data(as_text=True))
    return client.post(
        f"/referendums/{vote}/receipt", data={"csrf_token": token, "receipt": receipt}
    )


def test_made_up_receipts_are_refused_then_throttled_with_429(app):
    app.config["RATELIMIT_RECEIPT"] = "10 per minute;100 per hour"
    guesser = member_client(app, "guesser@example.org")
    vote = open_vote(app)
    answers = [check(guesser, vote, secrets.token_urlsafe(16)) for _ in range(12)]
    assert [a.status_code for a in answers] == [200] * 10 + [429] * 2
    assert all(NOT_FOUND in a.get_data(as_text=True) for a in answers[:10])
    limited = answers[-1]
    assert "Too many attempts" in limited.get_data(as_text=True)
    assert int(limited.headers["Retry-After"]) > 0
    # The limit is the address's: a second account on the same connection is refused too.
    other = member_client(app, "accomplice@example.org")
    assert check(other, vote, secrets.token_urlsafe(16)).status_code == 429


def test_the_limit_lifts_after_its_window(app):
    app.config["RATELIMIT_RECEIPT"] = "3 per minute"
    with time_machine.travel(utcnow(), tick=False) as traveller:
        guesser = member_client(app, "guesser@example.org")
        vote = open_vote(app)
        statuses = [check(guesser, vote, secrets.token_urlsafe(16)).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        traveller.shift(timedelta(seconds=61))
        assert check(guesser, vote, secrets.token_urlsafe(16)).status_code == 200
