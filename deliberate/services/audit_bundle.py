"""The auditor's bundle for one closed vote (issue 7): gather what it needs, write, log.

Everything comes from the database as it is: the frozen definition, the stored result,
the ballots (tracker, choice, checkpoint; never who), the checkpoint chain, turnout by
local group and the electorate's size and hash. The totals in results.json are counted
here with GROUP BY over the choice, so they are an independent aggregate that the
verifier recounts from ballots.csv; the official stored result rides along under
"official". Ballots are streamed (yield_per), so memory stays constant however many
there are. Writing a bundle is recorded in the audit log as ``bundle.exported``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, BinaryIO

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from deliberate.core.ballot_chain import Checkpoint
from deliberate.core.bundle import write_bundle
from deliberate.core.bundle.writer import BundleSummary
from deliberate.core.errors import PhaseError, ValidationError
from deliberate.core.tally import double_yes
from deliberate.database import begin_write
from deliberate.models import (
    Ballot,
    BallotCheckpoint,
    Eligibility,
    LocalGroup,
    Member,
    Participation,
    Proposal,
    Referendum,
    ReferendumState,
    RulebookVersion,
    VoteMethod,
)
from deliberate.services import audit_log, referendums

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

NO_GROUP = "(no local group)"
YIELD_PER = 5000
# VoteMethod -> the verifier's counting-method names (verify_bundle.choice_kind).
BUNDLE_METHOD = {
    VoteMethod.YES_NO: "yes_no",
    VoteMethod.SINGLE: "plurality",
    VoteMethod.APPROVAL: "approval",
    VoteMethod.IRV: "irv",
    VoteMethod.STV: "stv",
    VoteMethod.SCHULZE: "schulze",
    VoteMethod.DOUBLE_YES: "double_yes",
}
# A double-yes result names all three questions, even an answer nobody gave.
DOUBLE_YES_KEYS = (
    *(f"initiative:{a}" for a in double_yes.ANSWERS),
    *(f"counter:{a}" for a in double_yes.ANSWERS),
    *(f"prefer:{p}" for p in double_yes.PREFERENCES),
)


def _closed(session: Session, public_id: str) -> Referendum:
    referendum = referendums.get(session, public_id)
    if referendum.state is not ReferendumState.CLOSED or referendum.definition_json is None:
        raise PhaseError(_l("An audit bundle is made only for a vote that has closed."))
    return referendum


def _counted_options(choice: str) -> list[str]:
    """What one canonical choice counts for: the answer(s), the option(s), or first preferences."""
    prefix, sep, body = choice.partition(":")
    if not sep:
        return [choice]  # yes / no / abstain
    if prefix == "double":
        return list(double_yes.counter_keys(choice))  # initiative:yes, counter:no, prefer:none
    if prefix == "option":
        return [body]
    if prefix == "approve":
        return body.split(",") if body else []
    if prefix == "rank":
        return body.split(">")[0].split("=") if body else []
    raise ValidationError(f"choice {choice!r} cannot be represented in a bundle")


def results(session: Session, referendum: Referendum) -> dict:
    """results.json: method, ballot count, totals (or first preferences) and the official result."""
    method = BUNDLE_METHOD[referendum.method]
    is_double_yes = referendum.method is VoteMethod.DOUBLE_YES
    rows = session.execute(
        select(Ballot.choice, func.count())
        .where(Ballot.referendum_id == referendum.id)
        .group_by(Ballot.choice)
    )
    tally: dict[str, int] = dict.fromkeys(DOUBLE_YES_KEYS, 0) if is_double_yes else {}
    ballot_count = 0
    for choice, n in rows:
        ballot_count += n
        for option in _counted_options(choice):
            tally[option] = tally.get(option, 0) + n
    key = "first_preferences" if referendum.method.is_ranked else "totals"
    return {
        "method": method,
        "ballot_count": ballot_count,
        key: dict(sorted(tally.items())),
        "official": json.loads(referendum.result_json or "null"),
        "verdict": referendum.verdict,
    }


def _ballots(session: Session, referendum: Referendum) -> Iterator[tuple[str, str, int]]:
    rows = session.execute(
        select(Ballot.tracker, Ballot.choice, Ballot.checkpoint_seq)
        .where(Ballot.referendum_id == referendum.id)
        .order_by(Ballot.tracker)
        .execution_options(yield_per=YIELD_PER)
    )
    for tracker, choice, seq in rows:
        yield str(tracker), str(choice), int(seq) if seq is not None else seq


def _checkpoints(session: Session, referendum: Referendum) -> list[Checkpoint]:
    rows = session.scalars(
        select(BallotCheckpoint)
        .where(BallotCheckpoint.referendum_id == referendum.id)
        .order_by(BallotCheckpoint.seq)
    )
    return [
        Checkpoint(referendum.public_id, c.seq, c.prev_digest, c.n, c.ballots_digest, c.digest)
        for c in rows
    ]


def participation_by_group(session: Session, referendum: Referendum) -> dict[str, int]:
    """How many voted, by the local group they were in at the freeze (counts only)."""
    rows = session.execute(
        select(LocalGroup.name, func.count())
        .select_from(Eligibility)
        .join(
            Participation,
            (Participation.referendum_id == Eligibility.referendum_id)
            & (Participation.member_id == Eligibility.member_id),
        )
        .outerjoin(LocalGroup, LocalGroup.id == Eligibility.local_group_id)
        .where(Eligibility.referendum_id == referendum.id)
        .group_by(LocalGroup.name)
    )
    return dict(sorted((name or NO_GROUP, n) for name, n in rows))


def rule_version(session: Session, referendum: Referendum) -> dict:
    """The rules the vote was held under: its own, and its proposal's frozen rule set."""
    version: dict = {
        "vote_rules": json.loads(referendum.vote_rules_json or "null"),
        "eligibility": json.loads(referendum.eligibility_json),
        "method": referendum.method.value,
        "seats": referendum.seats,
        "proposal": None,
    }
    if referendum.proposal_id is not None:
        proposal = session.get(Proposal, referendum.proposal_id)
        number = None
        if proposal is not None and proposal.rulebook_version_id is not None:
            number = session.scalar(
                select(RulebookVersion.number).where(
                    RulebookVersion.id == proposal.rulebook_version_id
                )
            )
        if proposal is not None:
            version["proposal"] = {
                "id": proposal.public_id,
                "rulebook_version_id": proposal.rulebook_version_id,
                "rulebook_version_number": number,
                "ruleset": json.loads(proposal.ruleset_json or "null"),
                "ruleset_hash": proposal.ruleset_hash,
            }
    return version


def export(
    session: Session,
    referendum_public_id: str,
    out: BinaryIO,
    *,
    signing_key: Ed25519PrivateKey,
    actor: Member | None,
    now: datetime,
) -> BundleSummary:
    """Write the bundle of a closed vote to ``out``, record the export, commit."""
    referendum = _closed(session, referendum_public_id)
    summary = write_bundle(
        out,
        referendum={
            "id": referendum.public_id,
            "definition": json.loads(referendum.definition_json),
        },
        results=results(session, referendum),
        ballots=_ballots(session, referendum),
        checkpoints=_checkpoints(session, referendum),
        participation_by_group=participation_by_group(session, referendum),
        electorate_size=referendum.electorate_size or 0,
        electorate_hash=referendum.electorate_hash or "",
        rule_version=rule_version(session, referendum),
        signing_key=signing_key,
    )
    begin_write(session)  # only now: the long read above never holds the write lock
    audit_log.record(
        session,
        actor=actor,
        action="bundle.exported",
        payload={
            "referendum": referendum.public_id,
            "manifest_sha256": summary.manifest_sha256,
            "ballots": summary.ballot_count,
            "head_digest": summary.head_digest,
        },
        now=now,
    )
    session.commit()
    return summary


def closed_votes(session: Session) -> list[tuple[Referendum, dict[str, int]]]:
    """Every closed vote, newest first, with turnout by local group: the auditor's index."""
    rows = session.scalars(
        select(Referendum)
        .where(Referendum.state == ReferendumState.CLOSED)
        .order_by(Referendum.closed_at.desc(), Referendum.id.desc())
    )
    return [(r, participation_by_group(session, r)) for r in rows]
