"""The debate on a proposal or a referendum: contributions, their history, endorsements,
flags, and the public record of moderation.

Nothing here is ever deleted: a hidden contribution keeps its text, and every moderation
step is a row in `moderation_action`, which the public moderation log lists.
"""

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from deliberate.models.base import Base, utcnow
from deliberate.models.member import Member, new_public_id


class Stance(enum.Enum):
    FOR = "for"
    AGAINST = "against"
    QUESTION = "question"
    NONE = "none"


class ModerationKind(enum.Enum):
    HIDE = "hide"
    UNHIDE = "unhide"
    DISMISS_FLAGS = "dismiss_flags"
    APPEAL_UPHELD = "appeal_upheld"
    APPEAL_REJECTED = "appeal_rejected"


class AppealDecision(enum.Enum):
    UPHELD = "upheld"  # the appeal succeeds: the contribution is shown again
    REJECTED = "rejected"  # the hiding stands


def _enum(cls, length: int):
    return Enum(cls, native_enum=False, length=length, validate_strings=True)


class Discussion(Base):
    """One per subject: a proposal, or a referendum named by its public id.

    `referendum_public_id` has no foreign key on purpose: the referendum table was built
    in parallel with this one, so the link is by the referendum's public id and the
    service checks that the referendum exists before anyone may post.
    """

    __tablename__ = "discussion"
    __table_args__ = (
        CheckConstraint(
            "(proposal_id IS NULL) <> (referendum_public_id IS NULL)", name="one_subject"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id"), unique=True)
    referendum_public_id: Mapped[str | None] = mapped_column(String(16), unique=True)
    contribution_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Contribution(Base):
    """A post or reply. `body_html` is sanitised Markdown, rendered when the text is saved."""

    __tablename__ = "contribution"
    __table_args__ = (
        CheckConstraint("length(body_markdown) <= 20000", name="body_length"),
        CheckConstraint("length(hidden_reason) <= 500", name="hidden_reason_length"),
        CheckConstraint("endorsement_count >= 0", name="endorsement_count_positive"),
        CheckConstraint("depth >= 0", name="depth_positive"),
        # The case for and against on every proposal and ballot page: the most endorsed
        # visible posts of one stance, read from the index instead of sorting them all.
        Index("ix_contribution_case", "discussion_id", "stance", "is_hidden", "endorsement_count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_public_id)
    discussion_id: Mapped[int] = mapped_column(ForeignKey("discussion.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("contribution.id"), index=True)
    # The top-level contribution of this thread (None for a top-level one), so a page of
    # threads loads all its replies in one query.
    root_id: Mapped[int | None] = mapped_column(ForeignKey("contribution.id"), index=True)
    depth: Mapped[int] = mapped_column(default=0)
    author_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    stance: Mapped[Stance] = mapped_column(_enum(Stance, 10), default=Stance.NONE)
    body_markdown: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    endorsement_count: Mapped[int] = mapped_column(default=0)
    revision_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    edited_at: Mapped[datetime | None]
    is_hidden: Mapped[bool] = mapped_column(default=False)
    hidden_reason: Mapped[str | None] = mapped_column(String(500))
    hidden_rule: Mapped[str | None] = mapped_column(String(8))
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    hidden_at: Mapped[datetime | None]

    author: Mapped[Member] = relationship(lazy="joined", foreign_keys=[author_id])
    discussion: Mapped[Discussion] = relationship(lazy="raise")


class ContributionRevision(Base):
    """An earlier text of a contribution, kept when its author edits it."""

    __tablename__ = "contribution_revision"
    __table_args__ = (UniqueConstraint("contribution_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contribution.id"), index=True)
    number: Mapped[int]
    stance: Mapped[Stance] = mapped_column(_enum(Stance, 10))
    body_markdown: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    written_at: Mapped[datetime]
    replaced_at: Mapped[datetime]


class Endorsement(Base):
    """A member's endorsement; the unique pair makes a second one impossible."""

    __tablename__ = "endorsement"
    __table_args__ = (UniqueConstraint("contribution_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contribution.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    created_at: Mapped[datetime]


class Flag(Base):
    """A member asks the moderators to look at a contribution; once per member."""

    __tablename__ = "flag"
    __table_args__ = (
        UniqueConstraint("contribution_id", "member_id"),
        CheckConstraint("length(reason) <= 500", name="reason_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contribution.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]


class ModerationAction(Base):
    """One moderation step, public: what was done, to which contribution, by whom, why."""

    __tablename__ = "moderation_action"
    __table_args__ = (CheckConstraint("length(reason) <= 500", name="reason_length"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contribution.id"), index=True)
    kind: Mapped[ModerationKind] = mapped_column(_enum(ModerationKind, 20))
    moderator_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    reason: Mapped[str] = mapped_column(String(500))
    rule: Mapped[str | None] = mapped_column(String(8))
    at: Mapped[datetime] = mapped_column(index=True)

    moderator: Mapped[Member] = relationship(lazy="joined", foreign_keys=[moderator_id])
    contribution: Mapped[Contribution] = relationship(lazy="joined")


class Appeal(Base):
    """The author's one appeal against a hiding, decided by a different moderator."""

    __tablename__ = "appeal"
    __table_args__ = (
        UniqueConstraint("contribution_id"),
        CheckConstraint(
            "decided_by_id IS NULL OR decided_by_id <> hidden_by_id", name="other_moderator"
        ),
        CheckConstraint("length(statement) <= 2000", name="statement_length"),
        CheckConstraint("length(decision_reason) <= 500", name="decision_reason_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_public_id)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contribution.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    statement: Mapped[str] = mapped_column(String(2000))
    # The moderator who hid it, copied here so the database itself can refuse a decision
    # by the same person.
    hidden_by_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    created_at: Mapped[datetime]
    decision: Mapped[AppealDecision | None] = mapped_column(_enum(AppealDecision, 10))
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    decided_at: Mapped[datetime | None]

    contribution: Mapped[Contribution] = relationship(lazy="joined")
