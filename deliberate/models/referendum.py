"""A members' vote: a referendum on a proposal, an election, or a consultative poll.

Once it opens, its definition (question, options, eligibility, times, rules) is frozen
into ``definition_json`` and hashed into ``definition_digest`` (checkpoint 0 of the
ballot chain); only an audited extension of ``closes_at`` is allowed after that. The
electorate is frozen at the same moment (``ballot.Eligibility`` rows) and its size and
hash published. Where a rule-change referendum's amendment lives: ``amendment_json``
here (a rulebook in storage form) with ``amendment_kind``, the one kind it changes,
because the proposal table belongs to another module.
"""

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from deliberate.models.base import Base, utcnow
from deliberate.models.member import new_public_id


class ReferendumKind(enum.Enum):
    REFERENDUM = "referendum"
    ELECTION = "election"
    POLL = "poll"


class VoteMethod(enum.Enum):
    YES_NO = "yes_no"
    SINGLE = "single"
    APPROVAL = "approval"
    IRV = "irv"
    STV = "stv"
    SCHULZE = "schulze"
    DOUBLE_YES = "double_yes"

    @property
    def is_ranked(self) -> bool:
        """Ballots rank the options."""
        return self in (VoteMethod.IRV, VoteMethod.STV, VoteMethod.SCHULZE)

    @property
    def has_options(self) -> bool:
        """Ballots choose among the referendum's own options."""
        return self not in (VoteMethod.YES_NO, VoteMethod.DOUBLE_YES)


class ReferendumState(enum.Enum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Referendum(Base):
    __tablename__ = "referendum"
    __table_args__ = (
        CheckConstraint("seats >= 1", name="seats_positive"),
        CheckConstraint("length(question) <= 300", name="question_length"),
        CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_public_id)
    kind: Mapped[ReferendumKind] = mapped_column(
        Enum(ReferendumKind, native_enum=False, length=12, validate_strings=True)
    )
    method: Mapped[VoteMethod] = mapped_column(
        Enum(VoteMethod, native_enum=False, length=12, validate_strings=True)
    )
    seats: Mapped[int] = mapped_column(default=1)
    question: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    # Double yes only: what the counter-proposal says.
    counter_text: Mapped[str | None] = mapped_column(Text)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id"), index=True)
    state: Mapped[ReferendumState] = mapped_column(
        Enum(ReferendumState, native_enum=False, length=8, validate_strings=True),
        default=ReferendumState.DRAFT,
        index=True,
    )
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    # Who may vote (core.rules Eligibility, storage form) and how a yes/no vote is decided
    # (core.rules VoteRules, storage form; None for elections and polls without rules).
    eligibility_json: Mapped[str] = mapped_column(Text)
    vote_rules_json: Mapped[str | None] = mapped_column(Text)
    amendment_json: Mapped[str | None] = mapped_column(Text)
    amendment_kind: Mapped[str | None] = mapped_column(String(64))
    # Frozen at opening.
    definition_json: Mapped[str | None] = mapped_column(Text)
    definition_digest: Mapped[str | None] = mapped_column(String(64))
    electorate_size: Mapped[int | None]
    electorate_hash: Mapped[str | None] = mapped_column(String(64))
    # Written once at the close.
    result_json: Mapped[str | None] = mapped_column(Text)
    verdict: Mapped[str | None] = mapped_column(Text)
    # The draft's edit counter: every save bumps it, and a save made from a page showing
    # an older one is refused, so two committee members never overwrite each other (T11).
    edit_version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    options: Mapped[list["Option"]] = relationship(
        back_populates="referendum",
        order_by="Option.position",
        lazy="selectin",
        cascade="all, delete-orphan",
    )

    def is_open_at(self, now: datetime) -> bool:
        """Open and inside the half-open window opens_at <= now < closes_at (T09)."""
        return self.state is ReferendumState.OPEN and self.opens_at <= now < self.closes_at

    def __repr__(self) -> str:
        return f"<Referendum {self.public_id} {self.state.value}>"


class Option(Base):
    """One option or candidate; ``slug`` is what ballots and exports name it by."""

    __tablename__ = "referendum_option"
    __table_args__ = (
        UniqueConstraint("referendum_id", "slug"),
        UniqueConstraint("referendum_id", "position"),
        CheckConstraint("length(label) <= 200", name="label_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referendum_id: Mapped[int] = mapped_column(
        ForeignKey("referendum.id", ondelete="CASCADE"), index=True
    )
    slug: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))
    position: Mapped[int]

    referendum: Mapped[Referendum] = relationship(back_populates="options")
