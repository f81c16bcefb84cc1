"""Keeping signature counts honest: reconcile stored counts, spot bursts, invalidate.

The stored count and the tally are caches of the signature rows. ``reconcile`` compares
them with the rows and, asked to, rebuilds them (T08). ``invalidate`` strikes out the
signatures matching a stated condition, after a preview of how many it hits (T33), at
most ``batch_size`` per call: each batch is one transaction and one audit entry, so a
large invalidation never holds the proposals' locks for long (50,000 rows in one
statement took 3.5 s on PostgreSQL, close to the signers' lock timeout), and stopping
between batches is how the committee cancels one: what was done is complete and
counted (services.signature_invalidations lists the batches and restores one made by
mistake). Both re-evaluate the thresholds and write to the audit log.
"""

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from deliberate.core.errors import ConflictError, ValidationError
from deliberate.core.text import clean_line
from deliberate.database import begin_write
from deliberate.models import (
    LocalGroup,
    Member,
    Proposal,
    ProposalState,
    Signature,
    SignatureTally,
)
from deliberate.services import audit_log, proposals, signing, threshold_reversal, thresholds

log = logging.getLogger(__name__)
# Counted signatures only: held ones (T32) are in neither the count nor the tally.
_valid = signing.COUNTED


@dataclass(frozen=True)
class Drift:
    """One proposal whose stored count or tally disagrees with its signature rows."""

    proposal: str
    stored: int
    actual: int
    tally: int


def _actual_counts(session: Session) -> dict[int, int]:
    rows = session.execute(
        select(Signature.proposal_id, func.count()).where(*_valid).group_by(Signature.proposal_id)
    )
    return {pid: n for pid, n in rows}


def _tally_counts(session: Session) -> dict[int, int]:
    rows = session.execute(
        select(SignatureTally.proposal_id, func.sum(SignatureTally.count)).group_by(
            SignatureTally.proposal_id
        )
    )
    return {pid: int(total or 0) for pid, total in rows}


def _group_drift(session: Session) -> set[int]:
    """Proposals whose tally per group disagrees with the rows (one grouped query each)."""
    rows = Counter(
        {
            (pid, group or 0): n
            for pid, group, n in session.execute(
                select(Signature.proposal_id, Signature.local_group_id, func.count())
                .where(*_valid)
                .group_by(Signature.proposal_id, Signature.local_group_id)
            )
        }
    )
    tally = Counter(
        {
            (pid, key): int(n or 0)
            for pid, key, n in session.execute(
                select(
                    SignatureTally.proposal_id,
                    SignatureTally.group_key,
                    func.sum(SignatureTally.count),
                ).group_by(SignatureTally.proposal_id, SignatureTally.group_key)
            )
        }
    )
    return {pid for pid, _ in set(rows) | set(tally) if rows[(pid, _)] != tally[(pid, _)]}


def find_drift(session: Session) -> list[Drift]:
    """Every proposal whose stored count or tally differs from its valid signature rows."""
    actual, tally = _actual_counts(session), _tally_counts(session)
    grouped = _group_drift(session)
    drifts = []
    for pid, public_id, stored in session.execute(
        select(Proposal.id, Proposal.public_id, Proposal.signature_count).order_by(Proposal.id)
    ):
        real = actual.get(pid, 0)
        if stored != real or tally.get(pid, 0) != real or pid in grouped:
            drifts.append(Drift(public_id, stored, real, tally.get(pid, 0)))
    return drifts


def rebuild(session: Session, proposal: Proposal) -> int:
    """Recount a proposal from its rows: the stored count and every tally row."""
    counts: Counter = Counter()
    rows = session.execute(
        select(Signature.local_group_id, Signature.signed_at)
        .where(Signature.proposal_id == proposal.id, *_valid)
        .execution_options(yield_per=5000)
    )
    for group_id, signed_at in rows:
        counts[(group_id or 0, signed_at.date())] += 1
    session.execute(delete(SignatureTally).where(SignatureTally.proposal_id == proposal.id))
    if counts:
        session.execute(
            insert(SignatureTally),
            [
                {"proposal_id": proposal.id, "group_key": key, "day": day, "count": n}
                for (key, day), n in counts.items()
            ],
        )
    total = sum(counts.values())
    session.execute(
        update(Proposal.__table__)
        .where(Proposal.__table__.c.id == proposal.id)
        .values(signature_count=total)
    )
    session.refresh(proposal)
    return total


def reconcile(
    session: Session, *, fix: bool, now: datetime, actor: Member | None = None
) -> list[Drift]:
    """Report drift; with ``fix``, rebuild the drifted counts, re-evaluate and audit."""
    begin_write(session)
    drifts = find_drift(session)
    if drifts:
        log.warning("signature count drift on %d proposal(s): %s", len(drifts), drifts)
    if not fix or not drifts:
        session.rollback()
        return drifts
    for drift in drifts:
        proposal = session.execute(
            select(Proposal).where(Proposal.public_id == drift.proposal)
        ).scalar_one()
        proposal = proposals.lock(session, proposal.id)
        rebuild(session, proposal)
        if proposal.state == ProposalState.COLLECTING:
            thresholds.evaluate_tiers(session, proposal, now=now)
    audit_log.record(
        session,
        actor=actor,
        action="signatures.reconciled",
        payload={
            "fixed": [
                {"proposal": d.proposal, "stored": d.stored, "actual": d.actual, "tally": d.tally}
                for d in drifts
            ]
        },
        now=now,
    )
    session.commit()
    return drifts


CONDITIONS = {"ip": "The IP address is", "email_domain": "The email domain is"}


@dataclass(frozen=True)
class Condition:
    """Which signatures to strike out: by IP address or email domain, on one proposal or all."""

    field: str
    value: str
    proposal_id: int | None = None

    def clause(self):
        """The SQL condition, over valid signatures only."""
        if self.field not in CONDITIONS:
            raise ValidationError(_l("Choose what to match on."), field="field")
        value = clean_line(self.value or "").lower()
        if not value:
            raise ValidationError(_l("Enter the value to match."), field="value")
        column = Signature.ip_address if self.field == "ip" else Signature.email_domain
        parts = [column == value, *_valid]
        if self.proposal_id is not None:
            parts.append(Signature.proposal_id == self.proposal_id)
        return parts

    def describe(self) -> str:
        """'The IP address is 203.0.113.9'."""
        return f"{CONDITIONS[self.field]} {self.value.strip().lower()}"


def preview(session: Session, condition: Condition) -> int:
    """How many valid signatures the condition would invalidate."""
    return (
        session.scalar(select(func.count()).select_from(Signature).where(*condition.clause())) or 0
    )


def preview_effects(
    session: Session, condition: Condition, *, now: datetime
) -> list[threshold_reversal.Reversal]:
    """What invalidating every matching signature would undo: reached tiers, and steps."""
    removed: dict[int, Counter] = {}
    for proposal_id, group, n in session.execute(
        select(Signature.proposal_id, LocalGroup.name, func.count())
        .outerjoin(LocalGroup, LocalGroup.id == Signature.local_group_id)
        .where(*condition.clause())
        .group_by(Signature.proposal_id, LocalGroup.name)
    ):
        removed.setdefault(proposal_id, Counter())[group] += n
    return threshold_reversal.forecast(session, removed, now=now)


@dataclass(frozen=True)
class Invalidation:
    """What one batch did: how many, on which proposals, tiers no longer met, how many left.

    ``reversals`` say, per proposal, which reached tiers were undone and where that
    took the proposal (services.threshold_reversal).
    """

    count: int
    proposals: tuple[str, ...]
    tiers_no_longer_met: tuple[str, ...]
    remaining: int = 0
    reversals: tuple[threshold_reversal.Reversal, ...] = ()


DEFAULT_BATCH = 5000


def move_counts(session: Session, locked: list[Proposal], rows, sign: int) -> None:
    """Add (sign +1) or take away (-1) signatures from the stored counts and tallies.

    ``rows`` are (proposal id, local group id, signed_at), one per signature; ``locked``
    the proposals they belong to, already locked. Tally rows are moved in key order, so
    two transactions moving the same ones never wait on each other in a cycle.
    """
    by_id = {proposal.id: proposal for proposal in locked}
    moves = Counter((pid, group or 0, signed_at.date()) for pid, group, signed_at in rows)
    for (pid, group, day), n in sorted(moves.items()):
        signing.count_in(session, by_id[pid], group or None, day, sign * n)


def invalidate(
    session: Session,
    *,
    condition: Condition,
    reason: str,
    expected: int,
    actor: Member,
    now: datetime,
    batch_size: int = DEFAULT_BATCH,
    base_url: str = "",
) -> Invalidation:
    """Strike out up to ``batch_size`` matching signatures, oldest first; recount; audited.

    ``expected`` is the count the committee saw in the preview; if more or fewer match
    now, nothing is done and the committee is asked to look again. ``remaining`` in the
    result is how many still match: the next batch expects that many. A tier the
    remaining signatures no longer meet is undone before the vote, and the proposal
    judged again (services.threshold_reversal).
    """
    begin_write(session)
    reason = clean_line(reason or "")
    if not reason:
        raise ValidationError(_l("State the reason; it goes into the audit log."), field="reason")
    clause = condition.clause()
    ids = sorted(set(session.scalars(select(Signature.proposal_id).where(*clause))))
    locked = [proposals.lock(session, pid) for pid in ids]
    count = preview(session, condition)
    if count != expected:
        raise ConflictError(
            _l(
                "%(count)s signatures match now, not %(expected)s as previewed. Nothing was "
                "invalidated; check the preview again.",
                count=count,
                expected=expected,
            )
        )
    batch = session.execute(
        select(Signature.id, Signature.proposal_id, Signature.local_group_id, Signature.signed_at)
        .where(*clause)
        .order_by(Signature.id)
        .limit(max(batch_size, 1))
    ).all()
    move_counts(session, locked, [row[1:] for row in batch], -1)
    touched = {row.proposal_id for row in batch}
    locked = [proposal for proposal in locked if proposal.id in touched]
    unmet = [found for p in locked if (found := threshold_reversal.find_unmet(session, p))]
    lost = [tier for found in unmet for tier in found.describe()]
    entry = audit_log.record(
        session,
        actor=actor,
        action="signatures.invalidated",
        payload={
            "condition": condition.describe(),
            "reason": reason,
            "count": len(batch),
            "remaining": count - len(batch),
            "proposals": [p.public_id for p in locked],
            "tiers_no_longer_met": lost,
        },
        now=now,
    )
    signature_ids = [row.id for row in batch]
    for start in range(0, len(signature_ids), 500):
        session.execute(
            update(Signature)
            .where(Signature.id.in_(signature_ids[start : start + 500]))
            .values(invalidated_at=now, invalidation_reason=reason, invalidation_seq=entry.seq)
        )
    # After the rows are struck out, so that their signers are not told of it as signers.
    reversals = tuple(
        threshold_reversal.reverse(session, found, now=now, base_url=base_url) for found in unmet
    )
    session.commit()
    return Invalidation(
        len(batch), tuple(p.public_id for p in locked), tuple(lost), count - len(batch), reversals
    )


@dataclass(frozen=True)
class Burst:
    """Many signatures sharing one IP address or email domain."""

    value: str
    signatures: int
    proposals: int
    first_at: datetime
    last_at: datetime


def bursts(session: Session, *, now: datetime, days: int = 7, limit: int = 20):
    """The IP addresses and email domains behind most recent signatures: (by_ip, by_domain)."""
    since = now - timedelta(days=days)

    def top(column) -> list[Burst]:
        rows = session.execute(
            select(
                column,
                func.count(),
                func.count(func.distinct(Signature.proposal_id)),
                func.min(Signature.signed_at),
                func.max(Signature.signed_at),
            )
            .where(column.is_not(None), Signature.signed_at >= since, *_valid)
            .group_by(column)
            .having(func.count() > 1)
            .order_by(func.count().desc(), column)
            .limit(limit)
        )
        return [Burst(*row) for row in rows]

    return top(Signature.ip_address), top(Signature.email_domain)
