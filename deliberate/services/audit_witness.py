"""A copy of the audit log's head kept outside the database: the witness file.

The audit log is a hash chain (core.audit_chain), so changing one entry breaks every
hash after it, and the votes' published heads are audit entries (invariants, I5). But
someone with write access to the database can rewrite the log and recompute the whole
chain, and the chain then verifies again. What they cannot rewrite from the database is
a file beside it: after every commit that added audit entries, the seq and hash of the
last one are appended to AUDIT_WITNESS_PATH (one JSON line each, fsynced) and written
to the application log, which usually leaves the machine. Every entry up to a witnessed
seq is fixed by that seq's hash, so ``check`` catches any rewrite of the log before the
last witnessed entry, and any truncation of it. create_app hooks ``take_pending`` and
``append`` to the sessions' after_commit event, with the app's AUDIT_WITNESS_PATH.

Auditors should keep copies of the file (or of those log lines): a copy made last week
catches a rewrite made since, even by someone who also rewrote the file.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from deliberate.models import AuditEntry

log = logging.getLogger(__name__)

_PENDING = "audit_witness_pending"
# Witnessed entries looked up per query: well inside every database's parameter limit.
_BATCH = 500


@dataclass(frozen=True)
class Witnessed:
    """One line of the witness file: the audit log's last entry after a commit."""

    seq: int
    hash: str


def note(session: Session, entry: AuditEntry) -> None:
    """Remember ``entry`` to witness once its transaction commits (audit_log.record)."""
    pending = session.info.get(_PENDING)
    if pending is None or entry.seq > pending.seq:
        session.info[_PENDING] = Witnessed(entry.seq, entry.hash)


def take_pending(session: Session) -> Witnessed | None:
    """The entry to witness now that the session's transaction has committed, if any.

    create_app calls it from the session's after_commit event and appends the result.
    """
    return session.info.pop(_PENDING, None)


def forget(session: Session) -> None:
    """A rollback: the entries noted were never committed."""
    session.info.pop(_PENDING, None)


def append(path: Path, witnessed: Witnessed) -> None:
    """Add one line, durably; processes serialise on the file's lock."""
    line = json.dumps({"seq": witnessed.seq, "hash": witnessed.hash}) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        try:
            file.write(line)
            file.flush()
            os.fsync(file.fileno())
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)
    log.info("audit log witnessed: entry %s has hash %s", witnessed.seq, witnessed.hash)


def read(path: Path) -> tuple[list[Witnessed], list[str]]:
    """The witnessed entries, and a problem for each line that cannot be read."""
    witnessed, problems = [], []
    with open(path, encoding="utf-8") as file:
        for number, line in enumerate(file, start=1):
            try:
                fields = json.loads(line)
                witnessed.append(Witnessed(int(fields["seq"]), str(fields["hash"])))
            except (ValueError, KeyError, TypeError):
                problems.append(f"line {number} of the witness file is not a witnessed entry")
    return witnessed, problems


def check(session: Session, path: Path) -> list[str]:
    """Every witnessed entry is still in the log with the hash it had (empty: it holds)."""
    witnessed, problems = read(path)
    unique = sorted(set(witnessed), key=lambda w: w.seq)
    hashes: dict[int, str] = {}
    for start in range(0, len(unique), _BATCH):
        seqs = {w.seq for w in unique[start : start + _BATCH]}
        query = select(AuditEntry.seq, AuditEntry.hash).where(AuditEntry.seq.in_(seqs))
        hashes.update((seq, digest) for seq, digest in session.execute(query))
    for w in unique:
        now = hashes.get(w.seq)
        if now is None:
            problems.append(f"entry {w.seq} was witnessed but is no longer in the audit log")
        elif now != w.hash:
            problems.append(
                f"entry {w.seq} was witnessed with hash {w.hash[:16]}… but now has "
                f"{now[:16]}…: the log was rewritten"
            )
    return problems
