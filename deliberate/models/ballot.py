"""Who may vote, who voted, and what was voted: kept in tables that are never joined.

RELIABILITY.md section (c). ``Participation`` says a member voted and nothing else (no
time, no ballot id). ``Ballot`` says what was voted and nothing about who: a random
primary key, a tracker derived from the voter's secret receipt, the canonical choice and
the checkpoint that sealed it. No member id, no timestamp, no autoincrement; on SQLite
both tables are WITHOUT ROWID, so rows are stored in primary-key order, which for
ballots is random and for participation is member order, never cast order.
"""

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, ForeignKeyConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from deliberate.models.base import Base


def new_ballot_id() -> str:
    """16 random bytes as 32 hex characters: reveals neither order nor count."""
    return uuid.uuid4().hex


class Eligibility(Base):
    """The electorate, frozen when voting opens: one row per member who may vote."""

    __tablename__ = "eligibility"

    referendum_id: Mapped[int] = mapped_column(
        ForeignKey("referendum.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True)
    # The member's group at the freeze, for turnout by group and double majorities.
    local_group_id: Mapped[int | None] = mapped_column(ForeignKey("local_group.id"))


class Participation(Base):
    """That a member voted. The primary key is what makes a second ballot impossible."""

    __tablename__ = "participation"
    __table_args__ = (
        ForeignKeyConstraint(
            ["referendum_id", "member_id"],
            ["eligibility.referendum_id", "eligibility.member_id"],
            name="fk_participation_eligibility",
        ),
        {"sqlite_with_rowid": False},
    )

    referendum_id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(primary_key=True)


class Ballot(Base):
    """What was voted. Nothing here leads back to a member (T39)."""

    __tablename__ = "ballot"
    __table_args__ = (
        CheckConstraint("length(tracker) = 64", name="tracker_length"),
        {"sqlite_with_rowid": False},
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_ballot_id)
    referendum_id: Mapped[int] = mapped_column(ForeignKey("referendum.id"), index=True)
    tracker: Mapped[str] = mapped_column(String(64), unique=True)
    choice: Mapped[str] = mapped_column(Text)
    checkpoint_seq: Mapped[int | None]


class BallotCheckpoint(Base):
    """One sealed batch of ballots, chained to the one before (core.ballot_chain)."""

    __tablename__ = "ballot_checkpoint"

    referendum_id: Mapped[int] = mapped_column(
        ForeignKey("referendum.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(primary_key=True)
    prev_digest: Mapped[str] = mapped_column(String(64))
    n: Mapped[int]
    ballots_digest: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class GroupTally(Base):
    """Per-group counters, kept only when the rules need a majority of local groups.

    Incremented in the vote transaction, so they never hold a ballot, only sums. Groups
    with fewer than RESULTS_MIN_GROUP voters are counted but never shown (T40).
    """

    __tablename__ = "ballot_group_tally"
    __table_args__ = (CheckConstraint("count >= 0", name="count_positive"),)

    referendum_id: Mapped[int] = mapped_column(
        ForeignKey("referendum.id", ondelete="CASCADE"), primary_key=True
    )
    local_group_id: Mapped[int] = mapped_column(ForeignKey("local_group.id"), primary_key=True)
    choice: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
