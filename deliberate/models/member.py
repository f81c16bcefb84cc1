"""A member: the account, the membership (group, join date, status) and the roles held."""

import enum
import secrets
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from deliberate.models.base import Base, utcnow
from deliberate.models.local_group import LocalGroup


class MembershipStatus(enum.Enum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    LAPSED = "lapsed"
    EXPELLED = "expelled"


class Role(enum.Enum):
    """Roles beyond plain membership; every member holds the member role implicitly."""

    MODERATOR = "moderator"
    COMMITTEE = "committee"
    AUDITOR = "auditor"


def new_public_id() -> str:
    """A random identifier for URLs, so ids reveal neither order nor count (T34)."""
    # Never a leading "-" or "_": an id like "-fAb3…" would read as an option to the CLI
    # (`flask audit export -fAb3… OUT.zip`) and is easy to mangle when copied.
    while True:
        value = secrets.token_urlsafe(9)
        if value[0].isalnum():
            return value


def new_session_token() -> str:
    """A fresh secret that the login cookie must carry; rotating it logs out every device."""
    return secrets.token_urlsafe(32)


class Member(Base):
    __tablename__ = "member"
    __table_args__ = (
        CheckConstraint("length(email) <= 254", name="email_length"),
        CheckConstraint("length(display_name) <= 80", name="display_name_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_public_id)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    email_verified_at: Mapped[datetime | None]
    declaration_accepted_at: Mapped[datetime | None]
    local_group_id: Mapped[int | None] = mapped_column(ForeignKey("local_group.id"))
    joined_on: Mapped[date]
    status: Mapped[MembershipStatus] = mapped_column(
        Enum(MembershipStatus, native_enum=False, length=20, validate_strings=True),
        default=MembershipStatus.ACTIVE,
    )
    language: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Two-factor sign-in (TOTP). The secret is set when enrolment starts and counts only
    # once a code has confirmed it (totp_enabled_at); the last used step stops replays.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]

    local_group: Mapped[LocalGroup | None] = relationship(lazy="joined")
    # Loaded when asked for (the signed-in member's permissions, the admin pages): most
    # members loaded are authors, signers or posters, whose roles nothing reads.
    role_grants: Mapped[list["RoleGrant"]] = relationship(
        back_populates="member",
        lazy="select",
        cascade="all, delete-orphan",
        foreign_keys="RoleGrant.member_id",
    )

    @property
    def roles(self) -> set[Role]:
        return {grant.role for grant in self.role_grants}

    @property
    def local_group_name(self) -> str | None:
        return self.local_group.name if self.local_group else None

    @property
    def has_two_factor(self) -> bool:
        return self.totp_enabled_at is not None

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    # Flask-Login protocol. The id in the cookie is the session token, not the row id,
    # so rotating the token invalidates every session and remember-me cookie (T28).
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.status != MembershipStatus.EXPELLED

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return self.session_token

    def __repr__(self) -> str:
        return f"<Member {self.id}>"


class RoleGrant(Base):
    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("member_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, validate_strings=True)
    )
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))

    member: Mapped[Member] = relationship(back_populates="role_grants", foreign_keys=[member_id])


class StatusChange(Base):
    """One change of a member's status, with its date and stated reason."""

    __tablename__ = "status_change"
    __table_args__ = (CheckConstraint("length(reason) <= 500", name="reason_length"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    old_status: Mapped[MembershipStatus] = mapped_column(
        Enum(MembershipStatus, native_enum=False, length=20)
    )
    new_status: Mapped[MembershipStatus] = mapped_column(
        Enum(MembershipStatus, native_enum=False, length=20)
    )
    effective_on: Mapped[date]
    reason: Mapped[str] = mapped_column(String(500))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
