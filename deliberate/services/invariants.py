"""The invariants an auditor (and every live-server test) checks after the fact.

I1 participation equals ballots for every vote; I2 no duplicate signature or
participation; I3 stored counts equal the rows; I5 every checkpoint chain verifies;
I7 the SQLite file passes its integrity check; I8 the audit chain verifies; I9 each
threshold crossing is recorded once and only at or above its frozen threshold.
(I4, acknowledged receipts, and I6, refusals that wrote nothing, need the test's own
record of what it sent; the live tests check them themselves.)
"""

from dataclasses import dataclass, field

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from deliberate.core.rules import required_signatures
from deliberate.models import (
    Ballot,
    Participation,
    Proposal,
    Referendum,
    Signature,
    ThresholdCrossing,
)
from deliberate.services import audit_log, checkpoints, proposals, signature_checks


@dataclass
class Report:
    checks: list[tuple[str, list[str]]] = field(default_factory=list)

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


def check_all(session: Session) -> Report:
    """Run every invariant; nothing is changed."""
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
    report.add("I7 database integrity", _integrity(session))
    broken = audit_log.verify(session)
    report.add(
        "I8 audit chain verifies", [f"broken at entry {broken[0]}: {broken[1]}"] if broken else []
    )
    report.add("I9 threshold crossings once and justified", _crossings_once_and_justified(session))
    session.rollback()
    return report
