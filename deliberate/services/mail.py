"""The mail outbox: actions queue messages in their own transaction; delivery retries.

A failed send never loses the action that caused it: the action and its message commit
together, and delivery happens afterwards, by the worker or right after the request.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from deliberate.database import begin_write
from deliberate.mailer.transports import MailTransport, build_message
from deliberate.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

# A claimed message is retried after this lease if its sender died mid-send.
CLAIM_LEASE = timedelta(minutes=5)
# Key in Session.info: set when this session queued a message (web.deliver_queued_mail).
QUEUED = "has_queued_mail"


def queue(session: Session, *, to: str, subject: str, body: str, now: datetime) -> OutboxMessage:
    """Add a message to the outbox in the caller's transaction."""
    message = OutboxMessage(
        to_address=to, subject=subject[:200], body_text=body, created_at=now, next_attempt_at=now
    )
    session.add(message)
    session.info[QUEUED] = True  # the request's inline delivery has something to try
    return message


def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off: 1, 2, 4 ... minutes, at most six hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0


def _claim_next(session: Session, now: datetime) -> OutboxMessage | None:
    """Take the next due message and push its next attempt past the lease, then commit."""
    due = select(OutboxMessage).where(
        OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now
    )
    if session.scalar(due.with_only_columns(OutboxMessage.id).limit(1)) is None:
        session.rollback()  # nothing due: a plain read, no write lock taken
        return None
    begin_write(session)
    message = session.execute(
        due.order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).scalar_one_or_none()
    if message is None:
        session.rollback()
        return None
    message.attempts += 1
    message.next_attempt_at = now + CLAIM_LEASE
    session.commit()
    return message


def deliver_due(
    session: Session,
    transport: MailTransport,
    *,
    sender: str,
    now: datetime,
    max_attempts: int = 8,
    limit: int = 100,
) -> DeliveryReport:
    """Send due messages one at a time; a failure schedules a retry, never raises."""
    report = DeliveryReport()
    for _ in range(limit):
        message = _claim_next(session, now)
        if message is None:
            break
        try:
            transport.send(
                build_message(sender, message.to_address, message.subject, message.body_text)
            )
        except Exception as error:  # noqa: BLE001 - any transport failure means "retry later"
            begin_write(session)
            log.warning(
                "mail %s not sent (attempt %s): %s",
                message.id,
                message.attempts,
                type(error).__name__,
            )
            message.last_error = f"{type(error).__name__}: {error}"[:500]
            if message.attempts >= max_attempts:
                message.status = OutboxStatus.FAILED
            else:
                message.next_attempt_at = now + retry_delay(message.attempts)
            report.failed += 1
        else:
            begin_write(session)
            message.status = OutboxStatus.SENT
            message.sent_at = now
            message.last_error = None
            report.sent += 1
        session.commit()
    return report


def pending_count(session: Session) -> int:
    """How many messages still wait to be sent."""
    from sqlalchemy import func

    return (
        session.scalar(select(func.count()).where(OutboxMessage.status == OutboxStatus.PENDING))
        or 0
    )
