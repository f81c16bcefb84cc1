"""A local group: a branch or region that members belong to."""

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from deliberate.models.base import Base


class LocalGroup(Base):
    __tablename__ = "local_group"
    __table_args__ = (CheckConstraint("length(name) <= 120", name="name_length"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)

    def __repr__(self) -> str:
        return f"<LocalGroup {self.slug}>"
