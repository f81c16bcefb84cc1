"""The committee's invalidation batches: the recent ones, and undoing one made by mistake (T33).

Each batch of ``signature_checks.invalidate`` is an audit entry, and every signature it
struck out carries that entry's number (``signature.invalidation_seq``). ``restore``
counts exactly those again, moves the tallies back and re-checks the tiers (a proposal
the batch made lapse qualifies again when they meet its threshold); the restore is
audited too, and the invalidation's entry stays in the log as it was.
"""

import json
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from deliberate.core.errors import ConflictError, NotFoundError, ValidationError
from deliberate.core.text import clean_line
from deliberate.database import begin_write
from deliberate.models import AuditEntry, Member, Signature
from deliberate.services import audit_log, proposals, signature_checks, threshold_reversal


@dataclass(frozen=True)
class PastInvalidation:
    """One applied batch, as the committee's page lists it, with what it still strikes out."""

    seq: int
    at: datetime
    actor: str
    condition: str
    reason: str
    count: int
    still_struck_out: int


def recent_invalidations(session: Session, *, limit: int = 20) -> list[PastInvalidation]:
    """The newest invalidation batches, with how many of their signatures are still out."""
    entries = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "signatures.invalidated")
        .order_by(AuditEntry.seq.desc())
        .limit(limit)
    ).all()
    still = dict(
        session.execute(
            select(Signature.invalidation_seq, func.count())
            .where(
                Signature.invalidation_seq.in_([entry.seq for entry in entries]),
                Signature.invalidated_at.is_not(None),
            )
            .group_by(Signature.invalidation_seq)
        ).all()
    )
    found = []
    for entry in entries:
        payload = json.loads(entry.payload_json)
        found.append(
            PastInvalidation(
                seq=entry.seq,
                at=entry.at,
                actor=entry.actor_label,
                condition=payload.get("condition", ""),
                reason=payload.get("reason", ""),
                count=payload.get("count", 0),
                still_struck_out=still.get(entry.seq, 0),
            )
        )
    return found


@dataclass(frozen=True)
class Restoration:
    """What a restore did: how many counted again, on which proposals, tiers now crossed,
    and the proposals whose lapse it undid."""

    count: int
    proposals: tuple[str, ...]
    tiers_crossed: tuple[str, ...]
    revived: tuple[str, ...] = ()


def restore(
    session: Session, *, seq: int, reason: str, actor: Member, now: datetime, base_url: str = ""
) -> Restoration:
    """Count again the signatures one invalidation batch struck out; re-check tiers; audited.

    For a condition that turned out wrong (an office's shared address). Before the
    vote, a tier the restored signatures meet is crossed again, once (I9); a proposal
    that lapsed after the invalidation and meets its threshold again qualifies again.
    """
    begin_write(session)
    reason = clean_line(reason or "")
    if not reason:
        raise ValidationError(_l("State the reason; it goes into the audit log."), field="reason")
    entry = session.get(AuditEntry, seq)
    if entry is None or entry.action != "signatures.invalidated":
        raise NotFoundError(_l("There is no such invalidation."))
    struck = (Signature.invalidation_seq == seq, Signature.invalidated_at.is_not(None))
    ids = sorted(set(session.scalars(select(Signature.proposal_id).where(*struck))))
    if not ids:
        raise ConflictError(_l("The signatures of this invalidation are already restored."))
    locked = [proposals.lock(session, pid) for pid in ids]
    rows = session.execute(
        update(Signature)
        .where(*struck)
        .values(invalidated_at=None, invalidation_reason=None, invalidation_seq=None)
        .returning(Signature.proposal_id, Signature.local_group_id, Signature.signed_at)
    ).all()
    signature_checks.move_counts(session, locked, rows, +1)
    crossed, revived = [], []
    for proposal in locked:
        again = threshold_reversal.after_counting_again(
            session, proposal, now=now, base_url=base_url
        )
        crossed += [f"{proposal.public_id} tier {tier}" for tier in again.tiers_crossed]
        if again.is_revived:
            revived.append(proposal.public_id)
    result = Restoration(
        len(rows), tuple(p.public_id for p in locked), tuple(crossed), tuple(revived)
    )
    audit_log.record(
        session,
        actor=actor,
        action="signatures.restored",
        payload={
            "invalidation": seq,
            "count": result.count,
            "proposals": list(result.proposals),
            "reason": reason,
            "tiers_crossed": crossed,
            "revived": revived,
        },
        now=now,
    )
    session.commit()
    return result
