"""Mail through a real SMTP server on 127.0.0.1 (aiosmtpd), and retries when it is down."""

import email
import email.policy
import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from deliberate.extensions import db
from deliberate.mailer.transports import SMTPTransport
from deliberate.models import Member, OutboxMessage, OutboxStatus, utcnow
from deliberate.services import mail
from tests.conftest import PASSWORD, csrf_from, link_in


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8")))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def app_config(app_config, smtp_server):
    controller, _ = smtp_server
    return {
        **app_config,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": controller.port,
        "MAIL_USE_TLS": False,
    }


def test_registration_mail_arrives_over_smtp_and_its_link_works(app, client, auth, smtp_server):
    _, inbox = smtp_server
    response = auth.post(
        "/register",
        {
            "display_name": "Smtp Tester",
            "email": "smtp@example.org",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
            "local_group": "0",
            "accept_declaration": "y",
        },
    )
    assert inbox.messages == []  # sent only once the answer is out (T30)...
    response.close()  # ...which a WSGI server signals by closing the response
    ((recipients, raw),) = inbox.messages
    assert recipients == ["smtp@example.org"]
    assert "Subject: Confirm your email" in raw
    body = email.message_from_string(raw, policy=email.policy.default).get_content()
    path = link_in(body)
    client.post(path, data={"csrf_token": csrf_from(client.get(path).get_data(as_text=True))})
    with app.app_context():
        member = db.session.scalar(select(Member).where(Member.email == "smtp@example.org"))
        assert member.is_verified


def test_mail_server_down_keeps_the_action_and_the_message_for_retry(app, auth, smtp_server):
    controller, inbox = smtp_server
    app.config["MAIL_PORT"] = free_port()  # nothing listens here
    response = auth.post(
        "/register",
        {
            "display_name": "Down Tester",
            "email": "down@example.org",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
            "local_group": "0",
            "accept_declaration": "y",
        },
    )
    assert response.status_code == 302  # the user is answered normally
    response.close()  # the inline attempt runs once the answer is out
    with app.app_context():
        assert db.session.scalar(select(Member.id).where(Member.email == "down@example.org"))
        message = db.session.scalar(select(OutboxMessage))
        assert message.status == OutboxStatus.PENDING and message.attempts == 1
        assert "ConnectionRefused" in message.last_error
    app.config["MAIL_PORT"] = controller.port  # the server is back
    with app.app_context():
        transport = SMTPTransport("127.0.0.1", controller.port, use_tls=False)
        report = mail.deliver_due(
            db.session, transport, sender="a@b.test", now=utcnow() + timedelta(minutes=2)
        )
    assert report.sent == 1 and inbox.messages[0][0] == ["down@example.org"]


def test_a_message_is_given_up_after_the_maximum_attempts(app):
    class Broken:
        def send(self, message):
            raise OSError("no route")

    with app.app_context():
        mail.queue(db.session, to="x@example.org", subject="s", body="b", now=utcnow())
        db.session.commit()
        later = utcnow()
        for _ in range(3):
            later += timedelta(hours=7)
            mail.deliver_due(db.session, Broken(), sender="a@b.test", now=later, max_attempts=3)
        message = db.session.scalar(select(OutboxMessage))
        assert message.status == OutboxStatus.FAILED and message.attempts == 3
