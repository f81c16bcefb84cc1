"""Changes members propose to a proposal's text, and the committee's counter-proposal."""

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from deliberate.models.base import Base, utcnow
from deliberate.models.member import Member, new_public_id


class AmendmentState(enum.Enum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Amendment(Base):
    """A proposed new text. The text it was written against is kept, so its diff is stable."""

    __tablename__ = "amendment"
    __table_args__ = (
        CheckConstraint("length(proposed_title) <= 200", name="title_length"),
        CheckConstraint("length(proposed_summary) <= 1000", name="summary_length"),
        CheckConstraint("length(reason) <= 2000", name="reason_length"),
        CheckConstraint("length(decision_reason) <= 1000", name="decision_reason_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_public_id)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    base_version: Mapped[int]
    base_title: Mapped[str] = mapped_column(String(200))
    base_summary: Mapped[str] = mapped_column(String(1000))
    base_body: Mapped[str] = mapped_column(Text)
    proposed_title: Mapped[str] = mapped_column(String(200))
    proposed_summary: Mapped[str] = mapped_column(String(1000))
    proposed_body: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(2000))
    state: Mapped[AmendmentState] = mapped_column(
        Enum(AmendmentState, native_enum=False, length=10, validate_strings=True),
        default=AmendmentState.OPEN,
    )
    decision_reason: Mapped[str | None] = mapped_column(String(1000))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    decided_at: Mapped[datetime | None]
    # The proposal's text version this amendment created, when accepted.
    resulting_version: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[Member] = relationship(lazy="joined", foreign_keys=[author_id])


class CounterProposal(Base):
    """The committee's alternative, put beside the members' proposal on the same ballot."""

    __tablename__ = "counter_proposal"
    __table_args__ = (CheckConstraint("length(title) <= 200", name="title_length"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_public_id)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]

    author: Mapped[Member] = relationship(lazy="joined", foreign_keys=[author_id])
