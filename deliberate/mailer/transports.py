"""Ways to deliver a message: SMTP in production, an outbox folder in development."""

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)


class MailTransport(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Deliver the message or raise an OSError/smtplib.SMTPException."""


def build_message(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text UTF-8 message with the headers every transport needs."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="deliberate.invalid")
    message.set_content(body)
    return message


@dataclass
class SMTPTransport:
    host: str
    port: int
    username: str = ""
    password: str = ""
    use_tls: bool = True
    use_ssl: bool = False
    timeout: int = 10

    def send(self, message: EmailMessage) -> None:
        """Open a connection, authenticate if configured, send, close."""
        if self.use_ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with smtp:
            if self.use_tls and not self.use_ssl:
                smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(message)


@dataclass
class OutboxFolderTransport:
    """Development: writes each message to a .eml file and prints it, so links work offline."""

    folder: Path
    echo: bool = True

    def send(self, message: EmailMessage) -> None:
        """Write the message under the folder and echo its text to the console log."""
        self.folder.mkdir(parents=True, exist_ok=True)
        message_id = message["Message-ID"].strip("<>").split("@")[0]
        (self.folder / f"{message_id}.eml").write_bytes(bytes(message))
        if self.echo:
            body = message.get_content()
            print(f"\n--- mail to {message['To']}: {message['Subject']}\n{body}---", flush=True)


def transport_from_config(config, instance_path: str) -> MailTransport:
    """SMTP when MAIL_SERVER is set, otherwise the development outbox folder."""
    if config.get("MAIL_SERVER"):
        return SMTPTransport(
            host=config["MAIL_SERVER"],
            port=config["MAIL_PORT"],
            username=config.get("MAIL_USERNAME", ""),
            password=config.get("MAIL_PASSWORD", ""),
            use_tls=config.get("MAIL_USE_TLS", True),
            use_ssl=config.get("MAIL_USE_SSL", False),
            timeout=config.get("MAIL_TIMEOUT", 10),
        )
    return OutboxFolderTransport(
        Path(instance_path) / "outbox", echo=not config.get("TESTING", False)
    )
