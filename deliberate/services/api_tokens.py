"""Auditors' API tokens: created and revoked in the browser, shown once, stored hashed."""

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from deliberate.core.errors import NotFoundError, ValidationError
from deliberate.core.text import clean_line
from deliberate.models import ApiToken, Member, Role
from deliberate.services import audit_log

PREFIX = "dlb_"


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def create(session: Session, member: Member, name: str, *, now: datetime) -> str:
    """A new token for an auditor; the raw value is returned once and never stored."""
    if Role.AUDITOR not in member.roles:
        raise ValidationError("Only auditors can create API tokens.")
    name = clean_line(name)[:80]
    if not name:
        raise ValidationError(
            "Give the token a name, such as the tool that will use it.", field="name"
        )
    raw = PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(member_id=member.id, name=name, token_hash=_digest(raw), created_at=now))
    audit_log.record(
        session, actor=member, action="api_token.created", payload={"name": name}, now=now
    )
    session.commit()
    return raw


def tokens_of(session: Session, member: Member) -> list[ApiToken]:
    """The member's tokens, newest first, revoked ones included."""
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.member_id == member.id).order_by(ApiToken.id.desc())
        )
    )


def revoke(session: Session, member: Member, token_id: int, *, now: datetime) -> None:
    """Revoke one of the member's own tokens."""
    token = session.get(ApiToken, token_id)
    if token is None or token.member_id != member.id:
        raise NotFoundError("There is no such token.")
    if token.revoked_at is None:
        token.revoked_at = now
        audit_log.record(
            session, actor=member, action="api_token.revoked", payload={"name": token.name}, now=now
        )
    session.commit()


def authenticate(session: Session, raw: str, *, now: datetime) -> Member | None:
    """The auditor a live token belongs to, or None."""
    if not raw.startswith(PREFIX) or len(raw) > 200:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(raw)))
    if token is None or token.revoked_at is not None:
        return None
    if Role.AUDITOR not in token.member.roles:
        return None  # the role was taken away: its tokens die with it
    token.last_used_at = now
    session.commit()
    return token.member
