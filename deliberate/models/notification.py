"""In-app notifications and each member's choice of what to receive, and how."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from deliberate.models.base import Base


class Notification(Base):
    """One message in a member's in-app list; read_at is set when they have seen it."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id"))
    text: Mapped[str] = mapped_column(String(500))
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]


class NotificationPreference(Base):
    """A member's choice for one kind of notification; no row means the default."""

    __tablename__ = "notification_preference"
    __table_args__ = (UniqueConstraint("member_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    is_in_app: Mapped[bool]
    is_email: Mapped[bool]
