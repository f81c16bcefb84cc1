"""Small builders for the voting tests: a vote, its voters, ballots cast through the service."""

from datetime import UTC, datetime, timedelta
from fractions import Fraction

from sqlalchemy import func, select

from deliberate.core.rules import Eligibility, Majority, VoteRules
from deliberate.extensions import db
from deliberate.models import (
    Ballot,
    LocalGroup,
    Member,
    Participation,
    ReferendumKind,
    VoteMethod,
    utcnow,
)
from deliberate.services import vote_drafts, voting
from tests.conftest import make_member

# Today at 09:00 UTC: members made by make_member join relative to the real clock.
T0 = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)


def make_vote(
    app,
    *,
    method: VoteMethod = VoteMethod.YES_NO,
    options: tuple[str, ...] = (),
    seats: int = 1,
    rules: VoteRules | None = None,
    opens_at: datetime = T0,
    closes_at: datetime | None = None,
    now: datetime | None = None,
    kind: ReferendumKind | None = None,
    question: str = "Should we adopt the new constitution?",
    counter_text: str | None = None,
    eligibility: Eligibility | None = None,
) -> str:
    """Create (and, when opens_at has passed at `now`, open) a vote; returns its public id."""
    if kind is None:
        kind = ReferendumKind.REFERENDUM if not method.has_options else ReferendumKind.ELECTION
    with app.app_context():
        spec = vote_drafts.VoteSpec(
            kind=kind,
            method=method,
            question=question,
            options=options,
            opens_at=opens_at,
            closes_at=closes_at or opens_at + timedelta(days=7),
            eligibility=eligibility or Eligibility(),
            rules=rules,
            seats=seats,
            counter_text=counter_text,
        )
        made = vote_drafts.create(db.session, spec, actor=None, now=now or opens_at)
        return made.public_id


def member_id(app, public_id: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Member.id).where(Member.public_id == public_id))


def make_voters(app, n: int, *, prefix: str = "voter", group_id: int | None = None) -> list[int]:
    """n active members; returns their row ids."""
    return [
        member_id(
            app, make_member(app, f"{prefix}{i}@example.org", name=f"V{i}", group_id=group_id)
        )
        for i in range(n)
    ]


def make_group(app, name: str) -> int:
    with app.app_context():
        group = LocalGroup(slug=name.lower(), name=name)
        db.session.add(group)
        db.session.commit()
        return group.id


def cast(app, vote: str, member: int, choice: str, now: datetime | None = None) -> str:
    with app.app_context():
        return voting.cast_ballot(
            db.session,
            referendum_id=vote,
            member_id=member,
            choice=choice,
            now=now or T0 + timedelta(hours=1),
        )


QUORUM_30 = VoteRules(majority=Majority(), turnout_quorum=Fraction(3, 10))


def open_vote(app) -> str:
    """A yes/no vote open now, for two days, on the real clock (for page-level tests)."""
    start = utcnow() - timedelta(hours=1)
    return make_vote(app, opens_at=start, closes_at=start + timedelta(days=2), now=utcnow())


def ballots(app) -> tuple[int, int]:
    """(participation rows, ballot rows)."""
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Participation)),
            db.session.scalar(select(func.count()).select_from(Ballot)),
        )
