"""Small builders for debate tests: a proposal in a given state, members, contributions."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from deliberate.extensions import db
from deliberate.models import Member, Proposal, ProposalState, Stance
from deliberate.services import debate

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def member_id(app, public_id: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Member.id).where(Member.public_id == public_id))


def make_proposal(
    app,
    author_public_id: str,
    *,
    title: str = "Plant a tree on every street",
    state: ProposalState = ProposalState.DELIBERATION,
) -> str:
    """A proposal straight into the database; returns its public id."""
    with app.app_context():
        author = db.session.scalar(select(Member).where(Member.public_id == author_public_id))
        proposal = Proposal(
            kind="campaign",
            title=title,
            summary="Trees make streets cooler.",
            body="We ask the council to plant a tree on every street.\nEvery year.",
            author_id=author.id,
            state=state,
            created_at=NOW,
        )
        db.session.add(proposal)
        db.session.commit()
        return proposal.public_id


def contribute(
    app,
    proposal_public_id: str,
    author_public_id: str,
    body: str = "A fair point.",
    *,
    stance: Stance = Stance.NONE,
    parent: str | None = None,
    minutes: int = 0,
) -> str:
    """Post through the service; returns the contribution's public id."""
    with app.app_context():
        subject = debate.proposal_subject(db.session, proposal_public_id)
        author = db.session.scalar(select(Member).where(Member.public_id == author_public_id))
        parent_row = debate.get_contribution(db.session, parent) if parent else None
        contribution = debate.post(
            db.session,
            subject,
            author=author,
            body=body,
            stance=stance,
            parent=parent_row,
            now=NOW + timedelta(minutes=minutes),
        )
        return contribution.public_id


def debate_fixture(app) -> dict:
    """Ids for the permission matrix: a debated proposal, a post, a hidden post under appeal,
    an amendment. Built once per app; none belongs to the roles the matrix signs in as."""
    cached = app.extensions.get("test_debate_fixture")
    if cached:
        return cached
    from deliberate.models import Role
    from deliberate.services import amendments, moderation
    from tests.conftest import make_member

    author = make_member(app, "proposer@example.org", name="Proposer")
    mod = make_member(app, "fixture-mod@example.org", name="Fixture Mod", roles=(Role.MODERATOR,))
    proposal = make_proposal(app, author)
    post = contribute(app, proposal, author, "An argument", stance=Stance.FOR)
    hidden = contribute(app, proposal, author, "A hidden one")
    with app.app_context():
        people = {m.public_id: m for m in db.session.scalars(select(Member))}
        c = debate.get_contribution(db.session, hidden)
        moderation.hide(
            db.session, c, moderator=people[mod], rule="R3", reason="Off topic", title="",
            notice=debate.debate_mail.NO_NOTICE, now=NOW,
        )  # fmt: skip
        appeal = moderation.appeal(db.session, c, author=people[author], statement="s", now=NOW)
        p = db.session.scalar(select(Proposal).where(Proposal.public_id == proposal))
        amendment = amendments.propose(
            db.session, p, author=people[author], title="New title", summary="",
            body="New text", reason="Better", now=NOW,
        )  # fmt: skip
        cached = {
            "proposal_id": proposal,
            "contribution_id": post,
            "appeal_id": appeal.public_id,
            "amendment_id": amendment.public_id,
            "referendum_id": "no-such-vote",
        }
    app.extensions["test_debate_fixture"] = cached
    return cached
