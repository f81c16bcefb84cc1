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
