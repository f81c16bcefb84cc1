"""Tokens an auditor creates in the browser to read auditor-only API endpoints."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from deliberate.models.base import Base, utcnow
from deliberate.models.member import Member


class ApiToken(Base):
    """Only the SHA-256 of the token is kept; the auditor sees the token once."""

    __tablename__ = "api_token"
    __table_args__ = (CheckConstraint("length(name) <= 80", name="name_length"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    member: Mapped[Member] = relationship(lazy="joined")
