"""The debate: subjects, posting and replying, edits with history, endorsements, flags,
and reply and mention notifications (reading a page of threads: services.debate_threads;
the case for and against: services.debate_case).

A discussion row is created by the first post, never by reading, so looking at an
address cannot fill the database.
"""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from deliberate.core.errors import ConflictError, NotFoundError, PhaseError, ValidationError
from deliberate.core.text import clean_line
from deliberate.database import begin_write
from deliberate.i18n import lazy
from deliberate.models import (
    Contribution,
    ContributionRevision,
    Discussion,
    Endorsement,
    Flag,
    Member,
    MembershipStatus,
    Proposal,
    ProposalState,
    Referendum,
    ReferendumState,
    Stance,
)
from deliberate.services import debate_mail, markdown

MAX_BODY = 20_000
# A draft belongs to its author; every later state is public and may be discussed.
PRIVATE_STATES = frozenset({ProposalState.DRAFT})
OPEN_STATES = frozenset(
    {
        ProposalState.SEEKING_COSPONSORS,
        ProposalState.AWAITING_COMMITTEE,
        ProposalState.COLLECTING,
        ProposalState.QUALIFIED,
        ProposalState.DELIBERATION,
        ProposalState.VOTING,
    }
)


@dataclass
class Subject:
    """What a discussion is about: a proposal or a referendum, and whether it takes posts."""

    kind: str  # "proposal" or "referendum"
    public_id: str
    title: str
    is_open: bool
    proposal: Proposal | None = None
    discussion: Discussion | None = None


def proposal_subject(session: Session, public_id: str) -> Subject:
    """The public proposal with this id and its discussion (None before the first post)."""
    proposal = session.execute(
        select(Proposal).where(Proposal.public_id == public_id)
    ).scalar_one_or_none()
    if proposal is None or proposal.state in PRIVATE_STATES:
        raise NotFoundError(_l("There is no such proposal."))
    discussion = session.execute(
        select(Discussion).where(Discussion.proposal_id == proposal.id)
    ).scalar_one_or_none()
    return Subject(
        "proposal",
        proposal.public_id,
        proposal.title,
        proposal.state in OPEN_STATES,
        proposal=proposal,
        discussion=discussion,
    )


def referendum_subject(session: Session, public_id: str) -> Subject:
    """The referendum's discussion, linked by the referendum's public id (no foreign key)."""
    referendum = session.execute(
        select(Referendum).where(Referendum.public_id == public_id)
    ).scalar_one_or_none()
    if referendum is None or referendum.state is ReferendumState.DRAFT:
        raise NotFoundError(_l("There is no such referendum."))
    discussion = session.execute(
        select(Discussion).where(Discussion.referendum_public_id == public_id)
    ).scalar_one_or_none()
    return Subject(
        "referendum",
        public_id,
        referendum.question,
        referendum.state is not ReferendumState.CLOSED,
        discussion=discussion,
    )


def _discussion_for(session: Session, subject: Subject, now: datetime) -> Discussion:
    if subject.discussion is None:
        subject.discussion = Discussion(
            proposal_id=subject.proposal.id if subject.proposal else None,
            referendum_public_id=None if subject.proposal else subject.public_id,
            created_at=now,
        )
        session.add(subject.discussion)
        session.flush()
    return subject.discussion


# Reading ------------------------------------------------------------------------------


def get_contribution(session: Session, public_id: str) -> Contribution:
    """The contribution with this public id, or NotFoundError."""
    contribution = session.execute(
        select(Contribution).where(Contribution.public_id == public_id)
    ).scalar_one_or_none()
    if contribution is None:
        raise NotFoundError(_l("There is no such contribution."))
    return contribution


def subject_of(session: Session, contribution: Contribution) -> Subject:
    """The proposal or referendum a contribution belongs to."""
    discussion = session.get(Discussion, contribution.discussion_id)
    if discussion.proposal_id is not None:
        proposal = session.get(Proposal, discussion.proposal_id)
        return proposal_subject(session, proposal.public_id)
    return referendum_subject(session, discussion.referendum_public_id)


# Writing ------------------------------------------------------------------------------


def _clean_body(body: str) -> str:
    body = (body or "").replace("\r\n", "\n").replace("\x00", "").strip()
    if not body:
        raise ValidationError(_l("Write something first."), field="body")
    if len(body) > MAX_BODY:
        raise ValidationError(_l("Keep it under %(n)s characters.", n=lazy(MAX_BODY)), field="body")
    return body


def _check_can_post(subject: Subject, member: Member) -> None:
    if not subject.is_open:
        raise PhaseError(
            _l("This discussion is closed: the proposal is no longer open for debate.")
        )
    if member.status != MembershipStatus.ACTIVE or not member.is_verified:
        raise ValidationError(_l("Only active members with a confirmed email may take part."))


def post(
    session: Session,
    subject: Subject,
    *,
    author: Member,
    body: str,
    stance: Stance,
    parent: Contribution | None = None,
    notice: debate_mail.Notice = debate_mail.NO_NOTICE,
    now: datetime,
) -> Contribution:
    """Add a contribution or a reply; tell the parent's author and anyone mentioned."""
    begin_write(session)
    _check_can_post(subject, author)
    body = _clean_body(body)
    discussion = _discussion_for(session, subject, now)
    if parent is not None and parent.discussion_id != discussion.id:
        raise NotFoundError(_l("There is no such contribution."))
    contribution = Contribution(
        discussion_id=discussion.id,
        parent_id=parent.id if parent else None,
        root_id=(parent.root_id or parent.id) if parent else None,
        depth=parent.depth + 1 if parent else 0,
        author_id=author.id,
        author=author,
        stance=stance,
        body_markdown=body,
        body_html=markdown.render(body),
        created_at=now,
    )
    session.add(contribution)
    discussion.contribution_count += 1
    session.flush()
    debate_mail.notify_reply_and_mentions(
        session, contribution, parent=parent, title=subject.title, notice=notice, now=now
    )
    session.commit()
    return contribution


def edit(
    session: Session,
    contribution: Contribution,
    *,
    editor: Member,
    body: str,
    stance: Stance,
    now: datetime,
) -> Contribution:
    """The author rewrites a contribution; the earlier text is kept as a revision."""
    begin_write(session)
    if contribution.author_id != editor.id:
        raise NotFoundError(_l("There is no such contribution."))  # T34: not "forbidden"
    if contribution.is_hidden:
        raise PhaseError(_l("A hidden contribution cannot be edited; you may appeal instead."))
    body = _clean_body(body)
    if body == contribution.body_markdown and stance == contribution.stance:
        raise ValidationError(_l("Nothing changed."), field="body")
    contribution.revision_count += 1
    session.add(
        ContributionRevision(
            contribution_id=contribution.id,
            number=contribution.revision_count,
            stance=contribution.stance,
            body_markdown=contribution.body_markdown,
            body_html=contribution.body_html,
            written_at=contribution.edited_at or contribution.created_at,
            replaced_at=now,
        )
    )
    contribution.body_markdown = body
    contribution.body_html = markdown.render(body)
    contribution.stance = stance
    contribution.edited_at = now
    session.commit()
    return contribution


def endorse(session: Session, contribution: Contribution, *, member: Member, now: datetime) -> None:
    """Endorse once; the unique pair turns a second (even concurrent) try into a clear no."""
    begin_write(session)
    if contribution.author_id == member.id:
        raise ValidationError(_l("You cannot endorse your own contribution."))
    if contribution.is_hidden:
        raise PhaseError(_l("A hidden contribution cannot be endorsed."))
    contribution_id = contribution.id
    try:
        session.add(
            Endorsement(contribution_id=contribution_id, member_id=member.id, created_at=now)
        )
        session.flush()
    except IntegrityError:
        session.rollback()
        raise ConflictError(_l("You have already endorsed this contribution.")) from None
    session.execute(
        Contribution.__table__.update()
        .where(Contribution.id == contribution_id)
        .values(endorsement_count=Contribution.endorsement_count + 1)
    )
    session.commit()


def flag(
    session: Session, contribution: Contribution, *, member: Member, reason: str, now: datetime
) -> Flag:
    """Ask the moderators to look at a contribution, once per member, with a reason."""
    begin_write(session)
    reason = clean_line(reason or "")[:500]
    if not reason:
        raise ValidationError(_l("Say which house rule it breaks, and how."), field="reason")
    if contribution.is_hidden:
        raise PhaseError(_l("This contribution is already hidden."))
    flag = Flag(contribution_id=contribution.id, member_id=member.id, reason=reason, created_at=now)
    try:
        session.add(flag)
        session.flush()
    except IntegrityError:
        session.rollback()
        raise ConflictError(_l("You have already flagged this contribution.")) from None
    session.commit()
    return flag
