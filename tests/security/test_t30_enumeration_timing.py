"""T30: the time a sign-in, registration or reset takes does not tell whether the email is known.

Signing in with an unknown email still runs one argon2 verify, against a dummy hash made
with the same parameters as real ones; registering a known email still hashes the
password once. Counting the argon2 calls on both paths is exact and never flaky; one
test also times both paths with the production parameters, comparing medians of CPU
time with a wide margin (the difference it guards against is a factor of a hundred).

A reset request for a known address queues a mail; with MAIL_SEND_INLINE the request
sends it over SMTP only once the answer is out (the WSGI server closes the response
after its last byte), so neither answer waits for a mail server. The tests count SMTP
connections before and after the close, which is exact too.
"""

import importlib.util
import statistics
import time

import argon2
import pytest

from deliberate.extensions import db
from deliberate.mailer import transports
from deliberate.services import accounts, passwords
from tests.conftest import PASSWORD, AuthActions, make_member, outbox

WRONG = "not the password at all"


class CountingHasher:
    """The real hasher, counting what it is asked to do."""

    def __init__(self, real: argon2.PasswordHasher):
        self.real = real
        self.verified: list[str] = []
        self.hashed = 0

    def verify(self, hash: str, password: str) -> bool:
        self.verified.append(hash)
        return self.real.verify(hash, password)

    def hash(self, password: str) -> str:
        self.hashed += 1
        return self.real.hash(password)


@pytest.fixture
def hasher(monkeypatch) -> CountingHasher:
    counting = CountingHasher(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", counting)
    return counting


def test_unknown_email_and_wrong_password_each_run_exactly_one_verify(app, auth, hasher):
    make_member(app)
    known = auth.login("ann@example.org", WRONG)
    assert hasher.verified[-1] != passwords._DUMMY_HASH  # the member's own hash
    unknown = auth.login("ghost@example.org", WRONG)
    assert hasher.verified[-1] == passwords._DUMMY_HASH
    assert len(hasher.verified) == 2  # one each, not zero for the unknown address
    assert known.status_code == unknown.status_code == 200
    message = "That email and password do not match an account."
    assert message in known.get_data(as_text=True) and message in unknown.get_data(as_text=True)


def test_registering_a_known_or_a_new_email_hashes_the_password_once_each(app, auth, hasher):
    make_member(app)
    form = {
        "display_name": "Somebody",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        "accept_declaration": "y",
        "local_group": "0",
    }
    known = auth.post("/register", form | {"email": "ann@example.org"})
    assert hasher.hashed == 1
    new = auth.post("/register", form | {"email": "new@example.org"})
    assert hasher.hashed == 2
    assert known.status_code == new.status_code == 302
    assert known.headers["Location"] == new.headers["Location"]


def _production_passwords_module():
    """A fresh copy of services/passwords.py, with argon2's real (production) parameters."""
    spec = importlib.util.spec_from_file_location("_real_passwords", passwords.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_dummy_hash_has_the_production_parameters():
    real = _production_passwords_module()
    dummy = argon2.extract_parameters(real._DUMMY_HASH)
    assert dummy == argon2.extract_parameters(real.hash_password("any password at all"))
    defaults = argon2.PasswordHasher()
    assert (dummy.time_cost, dummy.memory_cost, dummy.parallelism) == (
        defaults.time_cost,
        defaults.memory_cost,
        defaults.parallelism,
    )
    assert dummy.memory_cost >= 19 * 1024  # OWASP's minimum for argon2id, not the test's


def _median_cpu_seconds(call, runs: int = 7) -> float:
    samples = []
    for _ in range(runs):
        start = time.process_time()
        call()
        samples.append(time.process_time() - start)
    return statistics.median(samples)


def test_with_production_parameters_both_paths_take_comparable_time(app, monkeypatch):
    real = _production_passwords_module()
    monkeypatch.setattr(passwords, "_hasher", real._hasher)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", real._DUMMY_HASH)
    make_member(app)
    with app.app_context():
        from deliberate.models import Member

        member = db.session.query(Member).one()
        member.password_hash = real.hash_password(PASSWORD)
        db.session.commit()
        known = _median_cpu_seconds(
            lambda: accounts.authenticate(db.session, "ann@example.org", WRONG)
        )
        unknown = _median_cpu_seconds(
            lambda: accounts.authenticate(db.session, "ghost@example.org", WRONG)
        )
    # Without the dummy verify the unknown path is about a hundred times faster.
    assert 0.5 < unknown / known < 2.0, (known, unknown)


class RecordingSMTP:
    """Stands in for smtplib.SMTP: records every connection and message, or refuses."""

    events: list[tuple[str, str]] = []
    is_down = False

    def __init__(self, host: str, port: int, timeout: float | None = None):
        self.events.append(("connect", host))
        if self.is_down:
            raise ConnectionRefusedError("mail server down")

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def starttls(self, context=None):
        self.events.append(("starttls", ""))

    def login(self, username: str, password: str):
        self.events.append(("login", username))

    def send_message(self, message):
        self.events.append(("sent", message["To"]))


@pytest.fixture
def smtp(app, monkeypatch) -> type[RecordingSMTP]:
    """Production-like mail: SMTP, delivered inline by the request that queued it."""
    recorder = type("Recorder", (RecordingSMTP,), {"events": [], "is_down": False})
    monkeypatch.setattr(transports.smtplib, "SMTP", recorder)
    app.config.update(MAIL_SERVER="smtp.example.invalid", MAIL_USE_TLS=False)
    assert app.config["MAIL_SEND_INLINE"] is True  # the default the bug lived under
    return recorder


def statuses(app) -> list[str]:
    return [status for *_, status in outbox(app)]


def test_a_reset_for_a_known_address_answers_before_any_smtp_connection(app, smtp):
    make_member(app)
    auth = AuthActions(app.test_client())
    known = auth.post("/reset", {"email": "ann@example.org"})
    unknown = auth.post("/reset", {"email": "ghost@example.org"})
    # Both answers are complete, and the same, with no mail server contacted for either.
    assert smtp.events == []
    assert (known.status_code, known.headers["Location"]) == (
        unknown.status_code,
        unknown.headers["Location"],
    )
    assert statuses(app) == ["pending"]  # the known address's mail is queued, not sent
    # What the WSGI server does once the last byte is out: now the mail goes.
    unknown.close()
    assert smtp.events == []
    known.close()
    assert smtp.events == [("connect", "smtp.example.invalid"), ("sent", "ann@example.org")]
    assert statuses(app) == ["sent"]


def test_a_mail_server_down_after_the_answer_keeps_the_message_for_the_worker(app, smtp, caplog):
    smtp.is_down = True
    make_member(app)
    answer = AuthActions(app.test_client()).post("/reset", {"email": "ann@example.org"})
    assert answer.status_code == 302 and smtp.events == []
    answer.close()  # the failure stays inside the close hook: nothing escapes to the server
    assert smtp.events == [("connect", "smtp.example.invalid")]
    assert statuses(app) == ["pending"]
    assert any("not sent" in r.getMessage() for r in caplog.records)
