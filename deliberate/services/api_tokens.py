"""Auditors' API tokens: created and revoked in the browser, shown once, stored hashed."""

import hashlib
import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from deliberate.core.errors import NotFoundError, ValidationError
from deliberate.core.text import clean_line
from deliberate.database import begin_write
from deliberate.models import ApiToken, Member, Role
from deliberate.services import audit_log

PREFIX = "dlb_"


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def create(session: Session, member: Member, name: str, *, now: datetime) -> str:
    """A new token for an auditor; the raw value is returned once and never stored."""
    begin_write(session)
    if Role.AUDITOR not in member.roles:
        raise ValidationError(_l("Only auditors can create API tokens."))
    name = clean_line(name)[:80]
    if not name:
        raise ValidationError(
            _l("Give the token a name, such as the tool that will use it."), field="name"
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
    begin_write(session)
    token = session.get(ApiToken, token_id)
    if token is None or token.member_id != member.id:
        raise NotFoundError(_l("There is no such token."))
    if token.revoked_at is None:
        token.revoked_at = now
        audit_log.record(
            session, actor=member, action="api_token.revoked", payload={"name": token.name}, now=now
        )
    session.commit()


def _is_live(token: ApiToken | None) -> bool:
    """Not revoked, and its member is still an auditor (tokens die with the role)."""
    return token is not None and token.revoked_at is None and Role.AUDITOR in token.member.roles


def authenticate(session: Session, raw: str, *, now: datetime) -> Member | None:
    """The auditor a live token belongs to, or None."""
    if not raw.startswith(PREFIX) or len(raw) > 200:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(raw)))
    if not _is_live(token):
        return None
    # Only a live token writes (its last use). Checked again under the write lock, where
    # the token reloads, so a revocation a moment ago still counts.
    begin_write(session)
    if not _is_live(token):
        return None
    token.last_used_at = now
    session.commit()
    return token.member
