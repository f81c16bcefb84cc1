"""Real servers under real concurrency: one ballot per member, no lost votes on kill -9, busy DB.

T02 (50 parallel ballots from one member, 5 rounds), T05 (SIGKILL mid-surge: every
acknowledged receipt is present, participation == ballots, integrity ok, duplicates still
refused after restart) and T07 (a database held busy: 503 "NOT recorded", nothing written,
the retry succeeds). Run on SQLite by default and on PostgreSQL with TEST_DATABASE_URL.
"""

import os
import re
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from datetime import timedelta

import pytest
import requests
from sqlalchemy import create_engine, func, select, text

from config import TestConfig
from deliberate import create_app
from deliberate.core.ballot_chain import tracker_for
from deliberate.models import Ballot, Participation, utcnow
from tests.conftest import PASSWORD, make_member
from tests.live.servers import ROOT, free_port, fresh_database, server_env, wait_until_up
from tests.voting import make_vote

pytestmark = pytest.mark.live
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
RECEIPT = re.compile(r'<code id="receipt">([^<]+)</code>')
LIVE_ENV = {
    "RATELIMIT_LOGIN": "100000 per minute",
    "RATELIMIT_LOGIN_PER_ADDRESS": "100000 per minute",
    "MAIL_SEND_INLINE": "false",
}


def writer_app(database_url: str, tmp_path):
    config = {"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": str(tmp_path)}
    return create_app(type("Writer", (TestConfig,), config))


def open_vote(app) -> str:
    start = utcnow() - timedelta(minutes=5)
    return make_vote(app, opens_at=start, closes_at=start + timedelta(days=1), now=utcnow())


def signed_in(base: str, email: str) -> tuple[requests.Session, str]:
    """A browser session signed in as ``email``, and a CSRF token for its forms."""
    browser = requests.Session()
    token = CSRF.search(browser.get(f"{base}/login", timeout=30).text).group(1)
    answer = browser.post(
        f"{base}/login",
        data={"csrf_token": token, "email": email, "password": PASSWORD},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, answer.text[:300]
    token = CSRF.search(browser.get(f"{base}/", timeout=30).text).group(1)
    return browser, token


def vote_post(browser, token: str, base: str, vote: str, choice: str = "yes"):
    """One ballot POST on a connection of its own (a shared keep-alive pool races)."""
    return requests.post(
        f"{base}/referendums/{vote}/vote",
        data={"csrf_token": token, "choice": choice},
        cookies=browser.cookies.get_dict(),
        headers={"Connection": "close"},
        allow_redirects=False,
        timeout=60,
    )


def rows(database_url: str, vote_ids: list[int] | None = None) -> tuple[int, int]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            participation = connection.scalar(select(func.count()).select_from(Participation))
            ballots = connection.scalar(select(func.count()).select_from(Ballot))
            return participation, ballots
    finally:
        engine.dispose()


@contextmanager
def killable_gunicorn(database_url: str, instance, *, workers: int = 4, **env):
    """A gunicorn we can SIGKILL ourselves; yields (base URL, process).

    Its log goes to a file in the instance folder: an unread pipe fills up with start-up
    logging from four workers and stalls them.
    """
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(workers),
            "--threads",
            "4",
            "-b",
            f"127.0.0.1:{port}",
            "app:app",
        ],
        cwd=ROOT,
        env=server_env(database_url, instance, **env),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=(instance / f"gunicorn-{port}.log").open("wb"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + "/healthz", timeout=90)  # four workers boot slowly on a busy box
        yield base, process
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def test_fifty_parallel_ballots_from_one_member_record_exactly_one(tmp_path):
    with fresh_database(tmp_path) as database_url:
        app = writer_app(database_url, tmp_path)
        make_member(app, "ann@example.org", name="Ann")
        votes = [open_vote(app) for _ in range(5)]
        with killable_gunicorn(database_url, tmp_path, **LIVE_ENV) as (base, _):
            browser, token = signed_in(base, "ann@example.org")
            for round_number, vote in enumerate(votes, start=1):
                barrier = threading.Barrier(50)

                def one(_, barrier=barrier, vote=vote):
                    barrier.wait()
                    return vote_post(browser, token, base, vote).status_code

                with ThreadPoolExecutor(50) as pool:
                    statuses = list(pool.map(one, range(50)))
                assert statuses.count(201) == 1, (round_number, sorted(statuses))
                assert statuses.count(409) == 49, (round_number, sorted(statuses))
                assert rows(database_url) == (round_number, round_number)


def test_a_server_killed_mid_surge_loses_no_acknowledged_ballot(tmp_path):
    voters = 150
    with fresh_database(tmp_path) as database_url:
        app = writer_app(database_url, tmp_path)
        emails = [f"v{i}@example.org" for i in range(voters)]
        for email in emails:
            make_member(app, email, name=email.split("@")[0])
        vote = open_vote(app)
        acknowledged: dict[str, str] = {}
        lock = threading.Lock()
        with killable_gunicorn(database_url, tmp_path, **LIVE_ENV) as (base, process):
            with ThreadPoolExecutor(16) as pool:
                sessions = list(pool.map(lambda e: signed_in(base, e), emails))

            def one(index: int):
                browser, token = sessions[index]
                try:
                    answer = vote_post(browser, token, base, vote)
                except requests.RequestException:
                    return
                if answer.status_code == 201:
                    with lock:
                        acknowledged[emails[index]] = RECEIPT.search(answer.text).group(1)
                        if len(acknowledged) == 60:
                            os.killpg(process.pid, signal.SIGKILL)

            with ThreadPoolExecutor(32) as pool:
                list(pool.map(one, range(voters)))
        assert 60 <= len(acknowledged) < voters
        engine = create_engine(database_url)
        with engine.connect() as connection:
            trackers = set(connection.scalars(select(Ballot.tracker)))
            if engine.dialect.name == "sqlite":
                assert connection.scalar(text("PRAGMA integrity_check")) == "ok"
        engine.dispose()
        for receipt in acknowledged.values():
            assert tracker_for(vote, receipt) in trackers
        participation, ballots = rows(database_url)
        assert participation == ballots >= len(acknowledged)
        with killable_gunicorn(database_url, tmp_path, **LIVE_ENV) as (base, _):
            browser, token = signed_in(base, next(iter(acknowledged)))
            assert vote_post(browser, token, base, vote, "no").status_code == 409
        assert rows(database_url) == (participation, ballots)


@contextmanager
def database_held_busy(database_url: str):
    """Another connection holds the lock a ballot needs, until the block ends."""
    engine = create_engine(database_url)
    if engine.dialect.name == "sqlite":
        import sqlite3

        connection = sqlite3.connect(engine.url.database, isolation_level=None)
        connection.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
            engine.dispose()
        return
    with engine.connect() as connection:
        transaction = connection.begin()
        connection.execute(text("LOCK TABLE ballot IN ACCESS EXCLUSIVE MODE"))
        try:
            yield
        finally:
            transaction.rollback()
    engine.dispose()


def test_a_busy_database_answers_not_recorded_and_the_retry_succeeds(tmp_path):
    with fresh_database(tmp_path) as database_url:
        app = writer_app(database_url, tmp_path)
        make_member(app, "ann@example.org", name="Ann")
        vote = open_vote(app)
        env = {**LIVE_ENV, "DATABASE_BUSY_TIMEOUT": "1"}
        with killable_gunicorn(database_url, tmp_path, workers=2, **env) as (base, _):
            browser, token = signed_in(base, "ann@example.org")
            with database_held_busy(database_url):
                answer = vote_post(browser, token, base, vote)
            assert answer.status_code == 503, answer.text[:500]
            assert answer.headers.get("Retry-After")
            assert "Your vote was NOT recorded. Please try again." in answer.text
            assert rows(database_url) == (0, 0)
            retry = vote_post(browser, token, base, vote)
            assert retry.status_code == 201
            assert rows(database_url) == (1, 1)
