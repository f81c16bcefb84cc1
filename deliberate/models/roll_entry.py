"""The membership roll the committee imports: who may register when admission is by roll."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from deliberate.models.base import Base, utcnow
from deliberate.models.local_group import LocalGroup


class RollEntry(Base):
    __tablename__ = "roll_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    local_group_id: Mapped[int] = mapped_column(ForeignKey("local_group.id"))
    joined_on: Mapped[date]
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    local_group: Mapped[LocalGroup] = relationship(lazy="joined")
