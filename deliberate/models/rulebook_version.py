"""One version of the rulebook: append-only, numbered 1, 2, 3..., stored as canonical JSON."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from deliberate.models.base import Base, utcnow
from deliberate.models.member import Member


class RulebookVersion(Base):
    """A saved rulebook. The UNIQUE number is what makes a concurrent save fail, not overwrite."""

    __tablename__ = "rulebook_version"
    __table_args__ = (CheckConstraint("number >= 1", name="number_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    content_json: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    # None for the system's initial rulebook and for amendments enacted by referendum.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    enacted_by: Mapped[str | None] = mapped_column(String(80))

    author: Mapped[Member | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<RulebookVersion {self.number}>"
