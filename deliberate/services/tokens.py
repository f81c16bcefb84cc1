"""Single-use, expiring account tokens. Only their SHA-256 is stored (T31)."""

import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from deliberate.core.errors import ValidationError
from deliberate.database import begin_write
from deliberate.models import AccountToken, TokenPurpose

INVALID_LINK = _l("This link has expired or has already been used. Ask for a new one.")


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def issue(
    session: Session,
    *,
    member_id: int,
    purpose: TokenPurpose,
    now: datetime,
    max_age: int,
    new_email: str | None = None,
) -> str:
    """Store a new token and return its raw value, which only the email carries."""
    begin_write(session)
    raw = secrets.token_urlsafe(32)
    session.add(
        AccountToken(
            token_hash=_digest(raw),
            purpose=purpose,
            member_id=member_id,
            new_email=new_email,
            created_at=now,
            expires_at=now + timedelta(seconds=max_age),
        )
    )
    return raw


def peek(session: Session, raw: str, purpose: TokenPurpose, now: datetime) -> AccountToken:
    """The live token for this raw value, or ValidationError; does not use it up."""
    token = session.execute(
        select(AccountToken).where(AccountToken.token_hash == _digest(raw))
    ).scalar_one_or_none()
    if token is None or token.purpose != purpose or token.used_at is not None:
        raise ValidationError(INVALID_LINK)
    if now >= token.expires_at:
        raise ValidationError(INVALID_LINK)
    return token


def consume(session: Session, raw: str, purpose: TokenPurpose, now: datetime) -> AccountToken:
    """Mark the token used in the caller's transaction and return it.

    The UPDATE ... WHERE used_at IS NULL makes two simultaneous uses end with one winner.
    """
    begin_write(session)
    token = peek(session, raw, purpose, now)
    claimed = session.execute(
        AccountToken.__table__.update()
        .where(AccountToken.id == token.id, AccountToken.used_at.is_(None))
        .values(used_at=now)
    ).rowcount
    if claimed != 1:
        raise ValidationError(INVALID_LINK)
    return token
