"""A proposal (campaign, motion, rule change) and the record of its life.

The rule set it runs under is frozen into the row when it is registered (leaves draft),
together with the rulebook version and hash, so a later rulebook change never touches it.
"""

import enum
import secrets
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from deliberate.core import messages
from deliberate.models.base import Base, utcnow
from deliberate.models.local_group import LocalGroup
from deliberate.models.member import Member, new_public_id


class ProposalState(enum.Enum):
    DRAFT = "draft"
    SEEKING_COSPONSORS = "seeking_cosponsors"
    AWAITING_COMMITTEE = "awaiting_committee"
    COLLECTING = "collecting"
    QUALIFIED = "qualified"
    LAPSED = "lapsed"
    WITHDRAWN = "withdrawn"
    REJECTED = "rejected"
    DELIBERATION = "deliberation"
    VOTING = "voting"
    PASSED = "passed"
    FAILED = "failed"


class HoldReason(enum.Enum):
    """Why a signature is held for a committee check instead of being counted (T32)."""

    IP_BURST = "ip_burst"
    EMAIL_DOMAIN_BURST = "email_domain_burst"


def new_invitation_token() -> str:
    """The secret in a proposal's co-sponsor invitation link."""
    return secrets.token_urlsafe(24)


class Proposal(Base):
    __tablename__ = "proposal"
    __table_args__ = (
        CheckConstraint("length(title) <= 200", name="title_length"),
        CheckConstraint("length(summary) <= 1000", name="summary_length"),
        CheckConstraint("signature_count >= 0", name="signature_count_positive"),
        CheckConstraint("length(kind) <= 40", name="kind_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_public_id)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(1000))
    body: Mapped[str] = mapped_column(Text)
    # The body rendered once per text version, through the sanitiser (services.markdown).
    body_html: Mapped[str] = mapped_column(Text, default="")
    text_version: Mapped[int] = mapped_column(default=1)
    cosponsor_token: Mapped[str] = mapped_column(String(40), default=new_invitation_token)
    author_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    local_group_id: Mapped[int | None] = mapped_column(ForeignKey("local_group.id"))
    state: Mapped[ProposalState] = mapped_column(
        Enum(ProposalState, native_enum=False, length=24, validate_strings=True),
        default=ProposalState.DRAFT,
        index=True,
    )
    # Frozen at registration: the rulebook version, this kind's rule set, and its hash.
    rulebook_version_id: Mapped[int | None] = mapped_column(ForeignKey("rulebook_version.id"))
    ruleset_json: Mapped[str | None] = mapped_column(Text)
    ruleset_hash: Mapped[str | None] = mapped_column(String(64))
    # A rule-change proposal's structured amendment: the full rulebook it would enact
    # (storage form, canonical JSON), set by its author while the text is editable, and
    # the one kind it changes: only that kind is enacted (services.rulebook).
    amendment_json: Mapped[str | None] = mapped_column(Text)
    amendment_kind: Mapped[str | None] = mapped_column(String(64))
    # Stored count of valid signatures, kept in the signing transaction; `reconcile` checks it.
    signature_count: Mapped[int] = mapped_column(default=0)
    # The electorate when signatures opened: a share threshold is measured against it,
    # so the number needed never moves while signatures are collected (I9).
    electorate_size: Mapped[int | None]
    electorate_json: Mapped[str | None] = mapped_column(Text)
    gate_escalated_at: Mapped[datetime | None]
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    registered_at: Mapped[datetime | None]
    committee_deadline_at: Mapped[datetime | None]
    signatures_open_at: Mapped[datetime | None]
    collection_closes_at: Mapped[datetime | None]
    qualified_at: Mapped[datetime | None]
    deliberation_ends_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    author: Mapped[Member] = relationship(lazy="joined", foreign_keys=[author_id])
    local_group: Mapped[LocalGroup | None] = relationship(lazy="joined")

    @property
    def local_group_name(self) -> str | None:
        return self.local_group.name if self.local_group else None

    def __repr__(self) -> str:
        return f"<Proposal {self.public_id} {self.state.value}>"


class ProposalTransition(Base):
    """One step of a proposal's life: when, from what, to what, and why.

    ``cause`` is the English sentence, as recorded. When it is a core Message with
    values ("Tier 2 reached: ..."), ``cause_message_json`` keeps its msgid and values
    too, set as the cause is, so the timeline shows it in each reader's language.
    """

    __tablename__ = "proposal_transition"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), index=True)
    from_state: Mapped[ProposalState | None] = mapped_column(
        Enum(ProposalState, native_enum=False, length=24)
    )
    to_state: Mapped[ProposalState] = mapped_column(
        Enum(ProposalState, native_enum=False, length=24)
    )
    at: Mapped[datetime]
    cause: Mapped[str] = mapped_column(String(500))
    cause_message_json: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))

    @validates("cause")
    def _keep_the_message(self, _key: str, cause: str) -> str:
        self.cause_message_json = messages.to_json(cause)
        return cause[:500]


class Signature(Base):
    """One member's support. The unique pair is what makes a second signature impossible."""

    __tablename__ = "signature"
    __table_args__ = (
        UniqueConstraint("proposal_id", "member_id"),
        CheckConstraint("length(invalidation_reason) <= 500", name="invalidation_reason_length"),
        # The burst check before every signature (services.signature_bursts) reads at most
        # its limit of entries here. Without them it walked every signature the proposal
        # had in the last hour: 10 ms a signature on SQLite at 30,000 an hour, in a surge.
        # The address leads, so that the domain's index cannot serve the address's check
        # (on a table with no statistics yet, PostgreSQL read it and filtered every
        # signature of the hour), and so that they also serve striking out every
        # signature from one address or domain, on all proposals (migration 0018).
        Index("ix_signature_ip_proposal_recent", "ip_address", "proposal_id", "signed_at"),
        Index("ix_signature_domain_proposal_recent", "email_domain", "proposal_id", "signed_at"),
        # The proposal page lists the latest public signers without sorting every row.
        Index("ix_signature_proposal_id_signed_at", "proposal_id", "signed_at"),
        # The committee's list of held signatures. Partial, like the next: these are a few
        # rows in a million, and a signature being written is never one of them, so it
        # adds no entry (migration 0017).
        Index(
            "ix_signature_quarantined_at",
            "quarantined_at",
            postgresql_where=text("quarantined_at IS NOT NULL"),
            sqlite_where=text("quarantined_at IS NOT NULL"),
        ),
        # The signatures one invalidation struck out, to restore them (T33).
        Index(
            "ix_signature_invalidation_seq",
            "invalidation_seq",
            postgresql_where=text("invalidation_seq IS NOT NULL"),
            sqlite_where=text("invalidation_seq IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of its own: the (proposal_id, member_id) unique index serves its lookups.
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    # The signer's group when they signed, for the distribution requirement.
    local_group_id: Mapped[int | None] = mapped_column(ForeignKey("local_group.id"))
    is_name_public: Mapped[bool] = mapped_column(default=False)
    signed_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None]
    invalidated_at: Mapped[datetime | None]
    invalidation_reason: Mapped[str | None] = mapped_column(String(500))
    # The audit entry of the committee invalidation that struck it out, if one did.
    invalidation_seq: Mapped[int | None] = mapped_column(ForeignKey("audit_entry.seq"))
    # Held for a committee check (a burst from one address or domain): the row exists, so
    # the member cannot sign twice, but it is not counted until released; a rejection
    # invalidates it. Counted means: not withdrawn, not invalidated, not held.
    quarantined_at: Mapped[datetime | None]
    quarantine_reason: Mapped[HoldReason | None] = mapped_column(
        Enum(HoldReason, native_enum=False, length=24, validate_strings=True)
    )
    ip_address: Mapped[str | None] = mapped_column(String(45))
    email_domain: Mapped[str | None] = mapped_column(String(254))


class ThresholdCrossing(Base):
    """A tier reached. The unique pair makes its consequence fire exactly once.

    ``reversed_at`` is set when invalidated signatures leave the tier unmet before the
    vote; the row is then claimed again (``crossed_at`` moves on) if the tier is met again.
    """

    __tablename__ = "threshold_crossing"
    __table_args__ = (UniqueConstraint("proposal_id", "tier_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), index=True)
    tier_index: Mapped[int]
    crossed_at: Mapped[datetime]
    signature_count: Mapped[int]
    reversed_at: Mapped[datetime | None]


class ProposalTextVersion(Base):
    """One version of a proposal's text; earlier versions stay readable after an edit."""

    __tablename__ = "proposal_text_version"
    __table_args__ = (
        UniqueConstraint("proposal_id", "number"),
        CheckConstraint("length(title) <= 200", name="title_length"),
        CheckConstraint("length(summary) <= 1000", name="summary_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(1000))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class CoSponsor(Base):
    """A member backing a proposal before signatures open; once per member."""

    __tablename__ = "co_sponsor"
    __table_args__ = (UniqueConstraint("proposal_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    text_version: Mapped[int]
    created_at: Mapped[datetime]

    member: Mapped[Member] = relationship(lazy="joined")


class SignatureTally(Base):
    """Valid signatures per proposal, local group and day, kept in the signing transaction.

    ``group_key`` is the local group's id, or 0 for signers without a group: a NULL
    would defeat the unique key the upsert relies on (NULLs never collide).
    """

    __tablename__ = "signature_tally"
    __table_args__ = (
        UniqueConstraint("proposal_id", "group_key", "day"),
        CheckConstraint("count >= 0", name="count_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), index=True)
    group_key: Mapped[int]
    day: Mapped[date]
    count: Mapped[int] = mapped_column(default=0)
