"""T25 (log injection) and T44 (secrets in logs), through the real forms.

The app logs very little: the 500 handler ("incident <id> on <method> <path>"), failed mail
(message id and exception class only), inline-delivery failures, counting and drift
warnings. None of those take a display name, password, token, receipt or choice. These
tests pin that down and check the one place user-controlled text does reach a log line:
the request path in the incident record.
"""

import logging
import re
from datetime import timedelta

from deliberate.extensions import db
from deliberate.models import utcnow
from deliberate.services import mail
from tests.conftest import AuthActions, csrf_from, link_in, outbox
from tests.voting import make_vote

SECRET_PASSWORD = "Sw0rdfish-and-chips-4711"
NAME_WITH_CRLF = "Eve\r\nINFO deliberate forged=entry"


def every_log_text(records) -> list[str]:
    texts = []
    for record in records:
        texts.append(record.getMessage())
        if record.exc_info:
            texts.append(logging.Formatter().formatException(record.exc_info))
    return texts


def register_confirm_login(app, client, auth, email="eve@example.org"):
    auth.post(
        "/register",
        {
            "display_name": NAME_WITH_CRLF,
            "email": email,
            "password": SECRET_PASSWORD,
            "password_confirm": SECRET_PASSWORD,
            "local_group": "0",
            "accept_declaration": "y",
        },
    )
    path = link_in(outbox(app)[-1][2])
    client.post(path, data={"csrf_token": csrf_from(client.get(path).get_data(as_text=True))})
    assert auth.login(email, SECRET_PASSWORD).status_code == 302
    return path


def test_passwords_tokens_receipts_and_choices_never_reach_a_log_record(app, client, caplog):
    caplog.set_level(logging.DEBUG)
    auth = AuthActions(client)
    verify_path = register_confirm_login(app, client, auth)
    # Opened today: the member joined today, and the electorate is fixed at the opening.
    now = utcnow()
    start = max(now - timedelta(hours=1), now.replace(hour=0, minute=0, second=0, microsecond=0))
    vote = make_vote(app, opens_at=start, closes_at=start + timedelta(days=1), now=utcnow())
    page = auth.post(
        f"/referendums/{vote}/vote", {"choice": "yes"}, token_from=f"/referendums/{vote}"
    ).get_data(as_text=True)
    receipt = re.search(r'<code id="receipt">([^<]+)</code>', page).group(1)
    auth.post(
        f"/referendums/{vote}/receipt", {"receipt": receipt}, token_from=f"/referendums/{vote}"
    )
    auth.logout()
    auth.login("eve@example.org", "wrong password, logged?")
    auth.post("/reset", {"email": "eve@example.org"})
    reset_path = link_in(outbox(app)[-1][2])
    client.get(reset_path)
    secrets = {
        "password": SECRET_PASSWORD,
        "wrong password": "wrong password, logged?",
        "verify token": verify_path.rsplit("/", 1)[-1],
        "reset token": reset_path.rsplit("/", 1)[-1],
        "receipt": receipt,
    }
    assert all(len(v) >= 16 for v in secrets.values())
    for text in every_log_text(caplog.records):
        for what, secret in secrets.items():
            assert secret not in text, f"{what} in log: {text!r}"


def test_a_display_name_with_crlf_cannot_forge_a_log_line(app, client, caplog):
    """The name is cleaned on the way in, and no log record carries it anyway."""
    caplog.set_level(logging.DEBUG)

    class Down:
        def send(self, message):
            raise ConnectionRefusedError("smtp down")

    auth = AuthActions(client)
    register_confirm_login(app, client, auth)
    from deliberate.models import Member

    with app.app_context():
        stored = db.session.query(Member.display_name).filter_by(email="eve@example.org").scalar()
        assert "\r" not in stored and "\n" not in stored
        mail.queue(
            db.session,
            to="eve@example.org",
            subject=f"Hi {NAME_WITH_CRLF}",
            body=NAME_WITH_CRLF,
            now=utcnow(),
        )
        db.session.commit()
        mail.deliver_due(db.session, Down(), sender="x@example.org", now=utcnow())
    messages = [r.getMessage() for r in caplog.records]
    assert any("not sent" in m for m in messages)  # the failure path really logged
    for message in messages:
        assert "forged=entry" not in message, message
        assert "\r" not in message and "\n" not in message, repr(message)


def test_a_crash_on_a_crafted_path_logs_one_line(app, client, caplog):
    @app.get("/boom-for-test/<anything>")
    def boom(anything):
        raise RuntimeError("crash")

    boom.policy = "public"
    caplog.set_level(logging.DEBUG)
    response = client.get("/boom-for-test/x%0D%0A2026-01-01 INFO deliberate forged=entry")
    assert response.status_code == 500
    (incident,) = [r for r in caplog.records if r.getMessage().startswith("incident ")]
    assert "\r" not in incident.getMessage() and "\n" not in incident.getMessage()
