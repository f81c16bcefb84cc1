"""Lively demo debates for seed-demo: call `seed_debates(session, now=...)` after proposals.

Adds a few hundred contributions across the public proposals: arguments for and against,
questions, replies several levels deep, endorsements, an edit with history, a flag, a
hidden post with its public moderation entry, and an appeal decided by another moderator.
"""

import random
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, scoped_session

from deliberate.models import (
    Contribution,
    Endorsement,
    Member,
    MembershipStatus,
    Proposal,
    Role,
    RoleGrant,
    Stance,
)
from deliberate.services import debate, moderation
from deliberate.services.debate_mail import NO_NOTICE

FOR = [
    "This would make a real difference to members in **smaller branches**.",
    "We tried something similar in Leeds and turnout doubled.",
    "It costs little and the rulebook already allows it.",
    "Members have asked for this at the last three meetings.",
    "It puts decisions closer to the people they affect.",
    "The evidence from other organisations is clear: see [the report](https://example.org/report).",
]
AGAINST = [
    "The cost is understated: the budget line does not cover staff time.",
    "It duplicates what the committee already does.",
    "I worry it will take attention away from the campaign.",
    "The timetable is too tight to do this properly.",
    "Smaller groups will struggle to meet the new requirement.",
]
QUESTIONS = [
    "How would this be funded after the first year?",
    "Who decides when the review happens?",
    "Does this apply to local groups as well?",
]
REPLIES = [
    "Good point, but have you considered the alternative?",
    "I agree with this.",
    "That is not quite what the text says — read section 2 again.",
    "Could you give an example?",
    "Thanks, that changed my mind.",
    "I see it differently: the costs fall on volunteers.",
]


def _demo_members(session: Session) -> list[Member]:
    return list(
        session.scalars(
            select(Member)
            .where(Member.status == MembershipStatus.ACTIVE, Member.email_verified_at.isnot(None))
            .order_by(Member.id)
        )
    )


def _moderators(session: Session) -> list[Member]:
    return list(
        session.scalars(
            select(Member)
            .join(RoleGrant, RoleGrant.member_id == Member.id)
            .where(RoleGrant.role == Role.MODERATOR)
            .order_by(Member.id)
        )
    )


def _debate_one(session, subject, members, rng, start, size) -> list[Contribution]:
    posted: list[Contribution] = []
    for i in range(size):
        at = start + timedelta(minutes=17 * i)
        parent = rng.choice(posted) if posted and rng.random() < 0.55 else None
        if parent is None:
            stance = rng.choice(
                [Stance.FOR, Stance.FOR, Stance.AGAINST, Stance.AGAINST, Stance.QUESTION]
            )
            pool = {Stance.FOR: FOR, Stance.AGAINST: AGAINST, Stance.QUESTION: QUESTIONS}[stance]
            body = rng.choice(pool)
        else:
            stance, body = (
                rng.choice([Stance.NONE, Stance.FOR, Stance.AGAINST]),
                rng.choice(REPLIES),
            )
        author = rng.choice(members)
        posted.append(
            debate.post(
                session, subject, author=author, body=body, stance=stance, parent=parent, now=at
            )
        )
    # Written in one transaction: debate.endorse commits each endorsement (it answers a
    # click), and 1,500 commits were most of the seeding time.
    for contribution in posted:
        voters = rng.sample(members, k=min(len(members), rng.choice([0, 0, 1, 2, 3, 5, 8])))
        endorsers = [voter for voter in voters if voter.id != contribution.author_id]
        session.add_all(
            Endorsement(
                contribution_id=contribution.id,
                member_id=voter.id,
                created_at=start + timedelta(days=1),
            )
            for voter in endorsers
        )
        contribution.endorsement_count += len(endorsers)
    session.commit()
    return posted


def seed_debates(session: Session, *, now: datetime, per_proposal: int = 70) -> int:
    """Add debates to the seeded public proposals; returns how many contributions."""
    rng = random.Random(5)  # the same demo every time
    members = _demo_members(session)
    proposals = list(
        session.scalars(
            select(Proposal).where(Proposal.state.in_(debate.OPEN_STATES)).order_by(Proposal.id)
        )
    )
    if len(members) < 3 or not proposals:
        return 0
    total = 0
    first: list[Contribution] = []
    # Nothing else writes while the demo is seeded, so the objects in memory stay true
    # after each commit; reloading them after every post made seeding three times slower.
    actual = session() if isinstance(session, scoped_session) else session
    expire_on_commit, actual.expire_on_commit = actual.expire_on_commit, False
    try:
        total, first = _debate_all(session, proposals, members, rng, now, per_proposal)
    finally:
        actual.expire_on_commit = expire_on_commit
    if first:
        _moderation_story(session, first, members, now)
    return total


def _debate_all(
    session, proposals, members, rng, now, per_proposal
) -> tuple[int, list[Contribution]]:
    total = 0
    first: list[Contribution] = []
    for index, proposal in enumerate(proposals):
        subject = debate.proposal_subject(session, proposal.public_id)
        if subject.discussion is not None:
            continue  # seeded already
        size = per_proposal + 10 * (index % 3)
        posted = _debate_one(session, subject, members, rng, now - timedelta(days=6), size)
        first = first or posted
        total += len(posted)
    return total, first


def _moderation_story(session, posted, members, now) -> None:
    """An edit, a flag, a hiding and an appeal decided by a second moderator."""
    edited = posted[0]
    author = session.get(Member, edited.author_id)
    debate.edit(
        session, edited, editor=author, body=edited.body_markdown + "\n\n*Edit: added a source.*",
        stance=edited.stance, now=now - timedelta(days=2),
    )  # fmt: skip
    moderators = _moderators(session)
    if len(moderators) < 2:
        return
    mods = {m.id for m in moderators}
    writer = next(m for m in members if m.id not in mods)
    subject = debate.subject_of(session, posted[1])
    target = debate.post(
        session, subject, author=writer, body="Anyone who supports this is a fool.",
        stance=Stance.AGAINST, parent=posted[1], now=now - timedelta(days=1, hours=2),
    )  # fmt: skip
    flagger = next(m for m in members if m.id != target.author_id)
    debate.flag(
        session,
        target,
        member=flagger,
        reason="R1: insults supporters",
        now=now - timedelta(days=1),
    )
    moderation.hide(
        session, target, moderator=moderators[0], rule="R1", reason="Insults other members",
        title="", notice=NO_NOTICE, now=now - timedelta(hours=20),
    )  # fmt: skip
    appeal = moderation.appeal(
        session, target, author=session.get(Member, target.author_id),
        statement="I was criticising the idea, not the people.", now=now - timedelta(hours=10),
    )  # fmt: skip
    moderation.decide_appeal(
        session, appeal, moderator=moderators[1], upheld=False,
        reason="Calling supporters fools is a personal attack.", title="", notice=NO_NOTICE,
        now=now - timedelta(hours=2),
    )  # fmt: skip
