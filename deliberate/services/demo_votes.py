"""Demo votes for `flask seed-demo`: a closed referendum, a closed STV election, an open vote.

Ballots are cast through services.voting like any other, by the ordinary demo members
(the demo logins are left free to vote in the open referendum themselves).
"""

import random
from datetime import datetime, timedelta
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from deliberate.core.rules import Eligibility as EligibilityRules
from deliberate.core.rules import Majority, VoteRules
from deliberate.models import Eligibility, Member, ReferendumKind, VoteMethod
from deliberate.services import counting, vote_drafts, voting

CANDIDATES = (
    "Amara Okafor",
    "Bea Lindqvist",
    "Callum Reid",
    "Dilys Price",
    "Elif Yilmaz",
    "Finn O'Brien",
)
# Relative popularity, so the count has something to transfer.
WEIGHTS = (9, 7, 5, 4, 3, 2)


def _voters(session: Session, rng: random.Random, referendum_id: int, share: float) -> list[int]:
    """A sample of the ordinary demo members on this vote's frozen electorate."""
    ids = session.scalars(
        select(Eligibility.member_id)
        .join(Member, Member.id == Eligibility.member_id)
        .where(
            Eligibility.referendum_id == referendum_id,
            Member.email.like("member%@example.org"),
        )
        .order_by(Eligibility.member_id)
    ).all()
    return rng.sample(list(ids), k=int(len(ids) * share))


def _ranking(rng: random.Random, slugs: list[str]) -> str:
    order = sorted(slugs, key=lambda s: -(rng.random() ** (1 / WEIGHTS[slugs.index(s)])))
    return "rank:" + ">".join(order[: rng.randint(1, len(order))])


def _vote(session, *, now, rng, spec, share: float, choose, close: bool) -> None:
    made = vote_drafts.create(session, spec, actor=None, now=spec.opens_at)
    voters = _voters(session, rng, made.id, share)
    slugs = [option.slug for option in made.options]
    during = spec.opens_at + timedelta(hours=1)
    for member_id in voters:
        voting.cast_ballot(
            session,
            referendum_id=made.public_id,
            member_id=member_id,
            choice=choose(slugs),
            now=min(during, now),
        )
    if close:
        counting.close_and_count(session, made.public_id, spec.closes_at)


def seed_votes(session: Session, *, now: datetime, seed_value: int = 2017) -> None:
    """Add the demo votes (after the members exist)."""
    rng = random.Random(seed_value)
    quorum = VoteRules(majority=Majority(), turnout_quorum=Fraction(3, 10))
    past = now - timedelta(days=20)
    _vote(
        session,
        now=now,
        spec=vote_drafts.VoteSpec(
            kind=ReferendumKind.REFERENDUM,
            method=VoteMethod.YES_NO,
            question="Should the annual conference move online permanently?",
            options=(),
            opens_at=past,
            closes_at=past + timedelta(days=14),
            eligibility=EligibilityRules(),
            rules=quorum,
        ),
        rng=rng,
        share=0.2,
        choose=lambda _s: rng.choices(["yes", "no", "abstain"], weights=(74, 22, 4))[0],
        close=True,
    )
    _vote(
        session,
        now=now,
        spec=vote_drafts.VoteSpec(
            kind=ReferendumKind.ELECTION,
            method=VoteMethod.STV,
            question="Steering committee 2027 (3 seats)",
            options=CANDIDATES,
            seats=3,
            opens_at=past,
            closes_at=past + timedelta(days=10),
            eligibility=EligibilityRules(),
        ),
        rng=rng,
        share=0.6,
        choose=lambda slugs: _ranking(rng, slugs),
        close=True,
    )
    _vote(
        session,
        now=now,
        spec=vote_drafts.VoteSpec(
            kind=ReferendumKind.REFERENDUM,
            method=VoteMethod.YES_NO,
            question="Adopt the climate action policy as drafted?",
            options=(),
            opens_at=now - timedelta(days=2),
            closes_at=now + timedelta(days=5),
            eligibility=EligibilityRules(),
            rules=quorum,
        ),
        rng=rng,
        share=0.15,
        choose=lambda _s: rng.choice(["yes", "yes", "no"]),
        close=False,
    )
