"""Signing races against a real multi-process server (T01, T04), on SQLite or PostgreSQL.

50 requests for ONE member (same cookie and CSRF token, 50 connections) fire together
behind a barrier: exactly one signature exists afterwards, in every round. Then T-1
signatures and 20 members signing at once: the crossing is recorded exactly once.
"""

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from config import TestConfig
from deliberate import create_app
from deliberate.extensions import db
from deliberate.models import (
    AuditEntry,
    Member,
    OutboxMessage,
    Proposal,
    ProposalState,
    Signature,
    ThresholdCrossing,
)
from deliberate.services import signing
from tests.conftest import PASSWORD
from tests.live.servers import fresh_database, gunicorn
from tests.proposal_builders import NOW, add_members, author, proposal, ruleset

pytestmark = pytest.mark.live
ROUNDS = 5
ENV = {
    "RATELIMIT_SIGN": "10000 per minute",
    "RATELIMIT_LOGIN": "10000 per minute",
    "RATELIMIT_LOGIN_PER_ADDRESS": "10000 per minute",
}


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """One migrated database, a writer app for setup and checks, and a 2-process gunicorn."""
    tmp_path = tmp_path_factory.mktemp("signing-race")
    with fresh_database(tmp_path) as database_url:
        app = writer_app(database_url, tmp_path)
        with gunicorn(database_url, tmp_path, workers=2, **ENV) as base:
            yield app, base
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def writer_app(database_url: str, tmp_path):
    config = {"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": str(tmp_path)}
    return create_app(type("Writer", (TestConfig,), config))


def signed_in(base: str, email: str) -> requests.Session:
    browser = requests.Session()
    page = browser.get(f"{base}/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    answer = browser.post(
        f"{base}/login",
        data={"csrf_token": token, "email": email, "password": PASSWORD},
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.text[:300]
    return browser


def fire(requests_args: list[tuple[str, dict, dict]]) -> list[int]:
    """POST every (url, headers, data) at the same moment, each on its own connection."""
    barrier = threading.Barrier(len(requests_args))

    def one(args):
        url, headers, data = args
        barrier.wait()
        return requests.post(url, headers=headers, data=data, allow_redirects=False, timeout=60)

    with ThreadPoolExecutor(len(requests_args)) as pool:
        return [r.status_code for r in pool.map(one, requests_args)]


def sign_args(base: str, browser: requests.Session, ref: str) -> tuple[str, dict, dict]:
    page = browser.get(f"{base}/proposals/{ref}").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
    return f"{base}/proposals/{ref}/sign", {"Cookie": cookie}, {"csrf_token": token}


def test_fifty_simultaneous_signatures_of_one_member_leave_exactly_one(live):
    app, base = live
    with app.app_context():
        refs = [
            proposal(db.session, ruleset(threshold=1000), title=f"Round {n}").public_id
            for n in range(ROUNDS)
        ]
        add_members(db.session, 1, prefix="racer")
        racer = db.session.scalar(select(Member.id).where(Member.email == "racer.0@example.org"))
    browser = signed_in(base, "racer.0@example.org")
    for ref in refs:
        statuses = fire([sign_args(base, browser, ref)] * 50)
        assert statuses.count(303) == 1, statuses
        assert set(statuses) <= {303, 409, 503}, statuses
        with app.app_context():
            p = db.session.scalar(select(Proposal).where(Proposal.public_id == ref))
            rows = db.session.scalar(
                select(func.count())
                .select_from(Signature)
                .where(Signature.proposal_id == p.id, Signature.member_id == racer)
            )
            assert rows == 1 and p.signature_count == 1


def test_threshold_crossed_by_twenty_at_once_is_recorded_exactly_once(live):
    app, base = live
    threshold = 10
    with app.app_context():
        p = proposal(db.session, ruleset(threshold=threshold), title="Crossing")
        ref, pid, author_email = p.public_id, p.id, author(db.session).email
        for member_id in add_members(db.session, threshold - 1, prefix="early"):
            signing.sign(db.session, proposal_id=pid, member_id=member_id, show_name=False,
                         ip=None, now=NOW)  # fmt: skip
        add_members(db.session, 20, prefix="late")
        mails_before = _mails(author_email)
    args = [sign_args(base, signed_in(base, f"late.{n}@example.org"), ref) for n in range(20)]
    statuses = fire(args)
    assert set(statuses) <= {303, 409, 503}, statuses
    with app.app_context():
        crossings = db.session.scalar(
            select(func.count())
            .select_from(ThresholdCrossing)
            .where(ThresholdCrossing.proposal_id == pid)
        )
        audits = db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "proposal.threshold_crossed")
        )
        p = db.session.get(Proposal, pid)
        assert (crossings, audits, _mails(author_email) - mails_before) == (1, 1, 1)
        assert p.state == ProposalState.DELIBERATION
        assert p.signature_count == threshold  # signing closed the moment it qualified
        assert statuses.count(303) == 1, statuses


def _mails(address: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.to_address == address)
    )
