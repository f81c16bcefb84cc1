"""The invariants an auditor (and every live-server test) checks after the fact.

I1 participation equals ballots for every vote; I2 no duplicate signature or
participation; I3 stored counts equal the rows; I5 every checkpoint chain verifies, and
every head the audit log says was published (the definition digest at the opening, each
checkpoint's digest when sealed, the head at the close) is still in it, so the chain
was only ever extended, never rewritten; I7 the SQLite file passes its integrity check;
I8 the audit chain verifies, and agrees with the heads witnessed outside the database
(services.audit_witness), so a log rewritten and re-hashed in the database is caught
too; I9 each threshold crossing is recorded once and only at or above its frozen
threshold. (I4, acknowledged receipts, and I6, refusals that wrote nothing, need the
test's own record of what it sent; the live tests check them themselves.)

Warnings do not fail the check: settings under which a committed vote would not survive
a power cut (T06), such as PostgreSQL's ``fsync`` or ``synchronous_commit`` off, or
SQLite's ``synchronous`` below FULL on this connection; no witness file for a log that
has entries.
"""

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from deliberate.core.rules import required_signatures
from deliberate.models import (
    AuditEntry,
    Ballot,
    Participation,
    Proposal,
    Referendum,
    Signature,
    ThresholdCrossing,
)
from deliberate.services import (
    audit_log,
    audit_witness,
    checkpoints,
    proposals,
    signature_checks,
)


@dataclass
class Report:
    checks: list[tuple[str, list[str]]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add(self, name: str, problems: list[str]) -> None:
        self.checks.append((name, problems))

    @property
    def holds(self) -> bool:
        return all(not problems for _, problems in self.checks)


def _participation_equals_ballots(session: Session) -> list[str]:
    ballots = dict(
        session.execute(
            select(Ballot.referendum_id, func.count()).group_by(Ballot.referendum_id)
        ).all()
    )
    voters = dict(
        session.execute(
            select(Participation.referendum_id, func.count()).group_by(Participation.referendum_id)
        ).all()
    )
    return [
        f"vote {rid}: {voters.get(rid, 0)} voters but {ballots.get(rid, 0)} ballots"
        for rid in sorted(set(ballots) | set(voters))
        if ballots.get(rid, 0) != voters.get(rid, 0)
    ]


def _no_duplicates(session: Session) -> list[str]:
    problems = []
    for model, key in (
        (Signature, Signature.proposal_id),
        (Participation, Participation.referendum_id),
    ):
        rows = session.execute(
            select(key, model.member_id, func.count())
            .group_by(key, model.member_id)
            .having(func.count() > 1)
        ).all()
        problems += [
            f"{model.__tablename__}: member {m} appears {n} times in {k}" for k, m, n in rows
        ]
    return problems


def _checkpoints_verify(session: Session) -> list[str]:
    problems = []
    for referendum in session.scalars(
        select(Referendum).where(Referendum.definition_json.is_not(None))
    ):
        problems += [
            f"vote {referendum.public_id}: {p}" for p in checkpoints.verify(session, referendum)
        ]
    return problems


# Where the audit log records each head as it is published, and under which payload key.
_HEAD_DIGESTS = {
    "referendum.opened": "definition_digest",  # checkpoint 0
    "referendum.checkpoint": "digest",  # checkpoint n, n in the payload
    "referendum.closed": "head_digest",  # the last link, whichever it is
}


def _short(digest: str | None) -> str:
    return f"{digest[:16]}…" if digest else "missing"


def _published_heads(session: Session) -> dict[str, list[tuple[int, str, int | None]]]:
    """Per vote, every head the audit log records: (entry seq, digest, checkpoint seq).

    The checkpoint seq is 0 for the opening, n for checkpoint n and None for the close
    (whose head is whatever the chain ended with).
    """
    heads: dict[str, list[tuple[int, str, int | None]]] = defaultdict(list)
    rows = session.execute(
        select(AuditEntry.seq, AuditEntry.action, AuditEntry.payload_json)
        .where(AuditEntry.action.in_(_HEAD_DIGESTS))
        .order_by(AuditEntry.seq)
    )
    for entry, action, payload_json in rows:
        payload = json.loads(payload_json)
        link = {"referendum.opened": 0, "referendum.checkpoint": payload.get("seq")}.get(action)
        digest = payload.get(_HEAD_DIGESTS[action])
        heads[payload.get("referendum", "?")].append((entry, digest, link))
    return heads


def _published_heads_are_prefixes(session: Session) -> list[str]:
    """Every head published earlier is still a link of the chain as it stands now."""
    problems = []
    for public_id, published in _published_heads(session).items():
        referendum = session.scalar(select(Referendum).where(Referendum.public_id == public_id))
        if referendum is None:
            problems.append(
                f"vote {public_id}: its heads are in the audit log but the vote is gone"
            )
            continue
        chain = {0: referendum.definition_digest}
        chain |= {c.seq: c.digest for c in checkpoints.checkpoints(session, referendum)}
        head = chain[max(chain)]
        for entry, digest, seq in published:
            if seq is None and digest != head:
                problems.append(
                    f"vote {public_id}: the head published at the close (audit entry {entry}) "
                    f"was {_short(digest)} but the chain now ends at {_short(head)}"
                )
            elif seq is not None and chain.get(seq) != digest:
                problems.append(
                    f"vote {public_id}: checkpoint {seq} was published as {_short(digest)} "
                    f"(audit entry {entry}) but is now {_short(chain.get(seq))}"
                )
    return problems


def _crossings_once_and_justified(session: Session) -> list[str]:
    problems = []
    for crossing in session.scalars(select(ThresholdCrossing)):
        proposal = session.get(Proposal, crossing.proposal_id)
        ruleset = proposals.frozen_ruleset(proposal)
        if ruleset is None or crossing.tier_index >= len(ruleset.tiers):
            problems.append(f"proposal {proposal.public_id}: crossing of an unknown tier")
            continue
        needed = required_signatures(
            ruleset.tiers[crossing.tier_index].threshold, proposal.electorate_size or 0
        )
        if crossing.signature_count < needed:
            problems.append(
                f"proposal {proposal.public_id}: tier {crossing.tier_index + 1} "
                f"recorded at {crossing.signature_count} of {needed}"
            )
    return problems


def _integrity(session: Session) -> list[str]:
    if session.get_bind().dialect.name != "sqlite":
        return []
    result = session.execute(text("PRAGMA integrity_check")).scalar()
    return [] if result == "ok" else [f"PRAGMA integrity_check: {result}"]


def durability_warnings(session: Session) -> list[str]:
    """Settings under which a committed write may not survive a power cut (T06)."""
    if session.get_bind().dialect.name == "postgresql":
        shown = {
            name: session.execute(text(f"SHOW {name}")).scalar()
            for name in ("fsync", "synchronous_commit", "full_page_writes")
        }
        # Every synchronous_commit level but "off" waits for the local WAL flush.
        return [
            f"PostgreSQL {name} is {value}: a power cut can lose or corrupt committed votes"
            for name, value in shown.items()
            if value == "off"
        ]
    if session.get_bind().dialect.name != "sqlite":
        return []
    warnings = []
    if session.get_bind().engine.url.database not in (None, "", ":memory:"):
        mode = session.execute(text("PRAGMA journal_mode")).scalar()
        if mode != "wal":
            warnings.append(f"SQLite journal_mode is {mode}, not wal")
    synchronous = session.execute(text("PRAGMA synchronous")).scalar()
    if synchronous < 2:
        warnings.append(
            f"SQLite synchronous is {synchronous}, below 2 (FULL): "
            "a power cut can lose the last committed votes"
        )
    return warnings


def _agrees_with_witness(session: Session, path: Path | None, report: Report) -> list[str]:
    """The audit log against the heads witnessed outside the database (audit_witness)."""
    if path is not None and path.exists():
        return audit_witness.check(session, path)
    if audit_log.entry_count(session):
        where = f"at {path}" if path is not None else "given"
        report.warnings.append(
            f"no audit witness file {where}: an audit log rewritten and re-hashed "
            "in the database would go unnoticed"
        )
    return []


def check_all(session: Session, *, witness_path: str | Path | None = None) -> Report:
    """Run every invariant; nothing is changed.

    ``witness_path``: the audit witness file (the app's AUDIT_WITNESS_PATH); without it,
    a log with entries gets a warning instead of the comparison.
    """
    report = Report()
    report.add("I1 participation equals ballots", _participation_equals_ballots(session))
    report.add("I2 no duplicate signature or participation", _no_duplicates(session))
    report.add(
        "I3 stored counts equal the rows",
        [
            f"proposal {d.proposal}: stored {d.stored}, rows {d.actual}, tally {d.tally}"
            for d in signature_checks.find_drift(session)
        ],
    )
    report.add("I5 checkpoint chains verify", _checkpoints_verify(session))
    report.add("I5 published heads are still in the chain", _published_heads_are_prefixes(session))
    report.add("I7 database integrity", _integrity(session))
    broken = audit_log.verify(session)
    report.add(
        "I8 audit chain verifies", [f"broken at entry {broken[0]}: {broken[1]}"] if broken else []
    )
    report.add(
        "I8 audit log agrees with its witness outside the database",
        _agrees_with_witness(session, Path(witness_path) if witness_path else None, report),
    )
    report.add("I9 threshold crossings once and justified", _crossings_once_and_justified(session))
    report.warnings += durability_warnings(session)
    session.rollback()
    return report
