"""Signatures held for a check (T32): the committee releases them into the count or rejects them.

A burst of signatures from one IP address or email domain is not refused: it is stored
and held (services.signature_bursts), out of the count, much as the UK Parliament
petitions site (alphagov/e-petitions, RateLimit#exceeded?) marks a signature over its
rate as fraudulent instead of refusing it. Here the committee then decides: releasing
moves the stored count and the tally exactly as signing would have, and may cross a
tier (claimed once, as always); rejecting invalidates the signatures. Both are audited.

Tiers are evaluated only while signatures are being collected: a signature released
after the window closed is counted for the record but no longer moves the proposal on,
so the committee should review held signatures before the close.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from deliberate.core.errors import ValidationError
from deliberate.core.text import clean_line
from deliberate.database import begin_write
from deliberate.models import HoldReason, Member, Proposal, Signature
from deliberate.services import audit_log, proposals, signing, threshold_reversal

# Held: stored, not withdrawn, not rejected, and not yet released.
HELD = (
    Signature.quarantined_at.is_not(None),
    Signature.withdrawn_at.is_(None),
    Signature.invalidated_at.is_(None),
)


@dataclass(frozen=True)
class HeldSignature:
    """One held signature, as the committee's review page lists it."""

    id: int
    proposal: str
    proposal_title: str
    signer: str
    ip_address: str | None
    email_domain: str | None
    signed_at: datetime
    reason: HoldReason | None


def held(session: Session, *, limit: int = 500) -> list[HeldSignature]:
    """Held signatures, oldest first, grouped by proposal."""
    rows = session.execute(
        select(
            Signature.id,
            Proposal.public_id,
            Proposal.title,
            Member.display_name,
            Signature.ip_address,
            Signature.email_domain,
            Signature.signed_at,
            Signature.quarantine_reason,
        )
        .join(Proposal, Proposal.id == Signature.proposal_id)
        .join(Member, Member.id == Signature.member_id)
        .where(*HELD)
        .order_by(Proposal.id, Signature.signed_at, Signature.id)
        .limit(limit)
    )
    return [HeldSignature(*row) for row in rows]


def held_count(session: Session) -> int:
    """How many signatures are held, on every proposal."""
    return session.scalar(select(func.count()).select_from(Signature).where(*HELD)) or 0


@dataclass(frozen=True)
class Decision:
    """What a release or rejection did: how many, on which proposals, tiers crossed,
    and the proposals whose lapse a release undid."""

    count: int
    proposals: tuple[str, ...]
    crossed: tuple[str, ...] = ()
    revived: tuple[str, ...] = ()


def _locked_proposals(session: Session, signature_ids: list[int]) -> list[Proposal]:
    """Lock every proposal the held signatures belong to, in id order (no deadlocks)."""
    begin_write(session)
    ids = sorted(
        set(
            session.scalars(
                select(Signature.proposal_id).where(Signature.id.in_(signature_ids), *HELD)
            )
        )
    )
    return [proposals.lock(session, pid) for pid in ids]


def release(
    session: Session,
    *,
    signature_ids: list[int],
    actor: Member,
    now: datetime,
    reason: str = "",
    base_url: str = "",
) -> Decision:
    """Count the held signatures, move the tallies, judge the proposals again; audited.

    Judging again (threshold_reversal.after_counting_again) crosses the tiers now met,
    once, and undoes a lapse the held signatures would have prevented.

    Signatures no longer held (released or rejected meanwhile, or withdrawn) are left
    alone, so two committee members deciding at once never count one twice.
    """
    released, crossed, revived = 0, [], []
    locked = _locked_proposals(session, signature_ids)
    for proposal in locked:
        rows = session.execute(
            update(Signature)
            .where(Signature.id.in_(signature_ids), Signature.proposal_id == proposal.id, *HELD)
            .values(quarantined_at=None, quarantine_reason=None)
            .returning(Signature.local_group_id, Signature.signed_at)
        ).all()
        if not rows:
            continue
        released += len(rows)
        for (group_id, day), n in Counter((g, at.date()) for g, at in rows).items():
            signing.count_in(session, proposal, group_id, day, n)
        again = threshold_reversal.after_counting_again(
            session, proposal, now=now, base_url=base_url
        )
        crossed += [f"{proposal.public_id} tier {tier}" for tier in again.tiers_crossed]
        if again.is_revived:
            revived.append(proposal.public_id)
    result = Decision(released, tuple(p.public_id for p in locked), tuple(crossed), tuple(revived))
    audit_log.record(
        session,
        actor=actor,
        action="signatures.released",
        payload={
            "count": released,
            "proposals": list(result.proposals),
            "signatures": sorted(signature_ids),
            "reason": clean_line(reason or ""),
            "tiers_crossed": crossed,
            "revived": revived,
        },
        now=now,
    )
    session.commit()
    return result


def reject(
    session: Session,
    *,
    signature_ids: list[int],
    reason: str,
    actor: Member,
    now: datetime,
) -> Decision:
    """Invalidate the held signatures with the stated reason; counts do not move; audited."""
    reason = clean_line(reason or "")
    if not reason:
        raise ValidationError(_l("State the reason; it goes into the audit log."), field="reason")
    locked = _locked_proposals(session, signature_ids)
    rejected = session.execute(
        update(Signature)
        .where(Signature.id.in_(signature_ids), *HELD)
        .values(invalidated_at=now, invalidation_reason=reason)
    ).rowcount
    result = Decision(rejected, tuple(p.public_id for p in locked))
    audit_log.record(
        session,
        actor=actor,
        action="signatures.rejected",
        payload={
            "count": rejected,
            "proposals": list(result.proposals),
            "signatures": sorted(signature_ids),
            "reason": reason,
        },
        now=now,
    )
    session.commit()
    return result
