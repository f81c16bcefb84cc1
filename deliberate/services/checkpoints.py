"""Sealing ballots into hash-chained checkpoints, and verifying the chain (T41).

A checkpoint takes every ballot not yet sealed, once at least ``min_ballots`` wait and
``min_minutes`` have passed since the last one, and always at the close
(``core.ballot_chain.should_checkpoint`` says why batches and not single ballots).
Checkpoint 0 is the definition digest; the head digest is shown on the vote's page.
"""

import json
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from deliberate.core.ballot_chain import (
    Checkpoint,
    definition_digest,
    should_checkpoint,
    verify_chain,
)
from deliberate.database import begin_write
from deliberate.models import Ballot, BallotCheckpoint, Participation, Referendum, ReferendumState
from deliberate.services import audit_log, ballot_lock

DEFAULT_MIN_BALLOTS = 20
DEFAULT_MIN_MINUTES = 30


def last_checkpoint(session: Session, referendum: Referendum) -> BallotCheckpoint | None:
    """The newest checkpoint, if any."""
    return session.execute(
        select(BallotCheckpoint)
        .where(BallotCheckpoint.referendum_id == referendum.id)
        .order_by(BallotCheckpoint.seq.desc())
        .limit(1)
    ).scalar_one_or_none()


def head_digest(session: Session, referendum: Referendum) -> str | None:
    """The digest to publish now: the newest checkpoint's, else the definition's."""
    last = last_checkpoint(session, referendum)
    return last.digest if last else referendum.definition_digest


def checkpoints(session: Session, referendum: Referendum) -> list[BallotCheckpoint]:
    """Every checkpoint, in chain order."""
    return list(
        session.scalars(
            select(BallotCheckpoint)
            .where(BallotCheckpoint.referendum_id == referendum.id)
            .order_by(BallotCheckpoint.seq)
        )
    )


def seal(
    session: Session,
    referendum: Referendum,
    *,
    now: datetime,
    closing: bool = False,
    min_ballots: int = DEFAULT_MIN_BALLOTS,
    min_minutes: float = DEFAULT_MIN_MINUTES,
) -> BallotCheckpoint | None:
    """Seal the waiting ballots if it is time; the caller holds the referendum row and commits."""
    begin_write(session)
    waiting = [
        (tracker, choice)
        for tracker, choice in session.execute(
            select(Ballot.tracker, Ballot.choice).where(
                Ballot.referendum_id == referendum.id, Ballot.checkpoint_seq.is_(None)
            )
        )
    ]
    last = last_checkpoint(session, referendum)
    since = last.created_at if last else (referendum.opened_at or referendum.opens_at)
    minutes = (now - since).total_seconds() / 60
    if not should_checkpoint(len(waiting), minutes, min_ballots, min_minutes, closing):
        return None
    seq = last.seq + 1 if last else 1
    prev = last.digest if last else referendum.definition_digest
    sealed = Checkpoint.seal(referendum.public_id, seq, prev, waiting)
    row = BallotCheckpoint(
        referendum_id=referendum.id,
        seq=seq,
        prev_digest=prev,
        n=sealed.n,
        ballots_digest=sealed.ballots_digest,
        digest=sealed.digest,
        created_at=now,
    )
    session.add(row)
    trackers = [tracker for tracker, _ in waiting]
    for start in range(0, len(trackers), 500):
        session.execute(
            update(Ballot)
            .where(Ballot.tracker.in_(trackers[start : start + 500]))
            .values(checkpoint_seq=seq)
        )
    audit_log.record(
        session,
        actor=None,
        action="referendum.checkpoint",
        payload={
            "referendum": referendum.public_id,
            "seq": seq,
            "n": sealed.n,
            "digest": sealed.digest,
        },
        now=now,
    )
    return row


def seal_due(session: Session, now: datetime, **limits) -> int:
    """Seal a checkpoint for every open vote where one is due; returns how many were sealed."""
    ids = session.scalars(
        select(Referendum.id).where(Referendum.state == ReferendumState.OPEN)
    ).all()
    sealed = 0
    for referendum_id in ids:
        begin_write(session)
        ballot_lock.as_sealer(session, referendum_id)
        referendum = session.execute(
            select(Referendum).where(Referendum.id == referendum_id).with_for_update()
        ).scalar_one()
        if seal(session, referendum, now=now, **limits) is not None:
            sealed += 1
        session.commit()
    return sealed


def verify(session: Session, referendum: Referendum) -> list[str]:
    """Every problem with the definition, the chain and the counts; empty means it holds."""
    problems = []
    frozen = json.loads(referendum.definition_json or "null")
    if frozen is None:
        return ["the vote has not opened, so there is nothing to verify"]
    if definition_digest(frozen) != referendum.definition_digest:
        problems.append("the stored definition does not match its digest")
    chain = [
        Checkpoint(referendum.public_id, c.seq, c.prev_digest, c.n, c.ballots_digest, c.digest)
        for c in checkpoints(session, referendum)
    ]
    by_seq: dict[int, list[tuple[str, str]]] = {}
    unsealed = 0
    rows = session.execute(
        select(Ballot.tracker, Ballot.choice, Ballot.checkpoint_seq).where(
            Ballot.referendum_id == referendum.id
        )
    )
    for tracker, choice, seq in rows:
        if seq is None:
            unsealed += 1
        else:
            by_seq.setdefault(seq, []).append((tracker, choice))
    problems += verify_chain(referendum.definition_digest, chain, by_seq)
    if referendum.state is ReferendumState.CLOSED and unsealed:
        problems.append(f"{unsealed} ballots were never sealed into a checkpoint")
    participation = session.scalar(
        select(func.count())
        .select_from(Participation)
        .where(Participation.referendum_id == referendum.id)
    )
    ballots = sum(len(v) for v in by_seq.values()) + unsealed
    if participation != ballots:
        problems.append(f"{participation} members voted but there are {ballots} ballots")
    return problems
