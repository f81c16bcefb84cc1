"""Appending to and verifying the hash-chained audit log."""

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from deliberate.core.audit_chain import (
    GENESIS_HASH,
    ChainEntry,
    canonical_payload,
    entry_hash,
    first_broken,
)
from deliberate.database import begin_write
from deliberate.models import AuditEntry, Member
from deliberate.services import audit_witness

# Any constant will do: it names the lock that serialises appends on PostgreSQL.
_AUDIT_LOCK_KEY = 7_316_001


def _lock_head(session: Session) -> None:
    """Serialise appends so two writers never chain onto the same entry."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _AUDIT_LOCK_KEY})
    # SQLite: every write transaction already holds the database lock (BEGIN IMMEDIATE).


def actor_label(actor: Member | None) -> str:
    """How an actor appears in the log: name and public id, or the system."""
    if actor is None:
        return "system"
    return f"{actor.display_name} ({actor.public_id})"


def record(
    session: Session, *, actor: Member | None, action: str, payload: dict, now: datetime
) -> AuditEntry:
    """Add an entry to the log in the caller's transaction; the caller commits."""
    begin_write(session)
    _lock_head(session)
    head = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (head.seq + 1, head.hash) if head else (1, GENESIS_HASH)
    at = now.isoformat(timespec="microseconds")
    label = actor_label(actor)
    payload_json = canonical_payload(payload)
    entry = AuditEntry(
        seq=seq,
        at=now,
        actor_id=actor.id if actor else None,
        actor_label=label,
        action=action,
        payload_json=payload_json,
        prev_hash=prev_hash,
        hash=entry_hash(seq, at, label, action, payload_json, prev_hash),
    )
    session.add(entry)
    session.flush()
    audit_witness.note(session, entry)
    return entry


def _chain_entries(session: Session) -> Iterator[ChainEntry]:
    rows = session.execute(
        select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=1000)
    ).scalars()
    for row in rows:
        yield ChainEntry(
            seq=row.seq,
            at=row.at.isoformat(timespec="microseconds"),
            actor=row.actor_label,
            action=row.action,
            payload_json=row.payload_json,
            prev_hash=row.prev_hash,
            hash=row.hash,
        )


def verify(session: Session) -> tuple[int, str] | None:
    """The first broken entry (seq, reason), or None when the whole chain holds."""
    return first_broken(_chain_entries(session))


def entry_count(session: Session) -> int:
    """How many entries the log holds."""
    head = session.execute(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1))
    return head.scalar() or 0
