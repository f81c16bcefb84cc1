"""Amendments to a proposal's text during deliberation, and the committee's counter-proposal.

Accepting an amendment makes a new text version: the proposal's title, summary and body
are replaced, `text_version` goes up by one and a `ProposalTextVersion` row keeps the new
text (as drafting does for an author's edit; the proposals module has no public function
for it yet). The amendment keeps the text it was written against, so its diff is stable.
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from deliberate.core import debate as rules
from deliberate.core.errors import ConflictError, NotFoundError, PhaseError, ValidationError
from deliberate.core.text import clean_line
from deliberate.database import begin_write
from deliberate.models import (
    Amendment,
    AmendmentState,
    CoSponsor,
    CounterProposal,
    Member,
    Proposal,
    ProposalState,
)
from deliberate.services import audit_log, debate_mail, drafting

MAX_BODY = 50_000
# The committee may put its alternative beside the proposal until voting starts.
COUNTER_STATES = frozenset({ProposalState.QUALIFIED, ProposalState.DELIBERATION})


def proposers(session: Session, proposal: Proposal) -> set[int]:
    """Who decides on amendments: the proposal's author and its co-sponsors."""
    cosponsors = session.scalars(
        select(CoSponsor.member_id).where(CoSponsor.proposal_id == proposal.id)
    )
    return {proposal.author_id, *cosponsors}


def _text(title: str, summary: str, body: str) -> tuple[str, str, str]:
    title, summary = clean_line(title or ""), clean_line(summary or "")
    body = (body or "").replace("\r\n", "\n").replace("\x00", "").strip()
    if not title:
        raise ValidationError(_l("Give the title."), field="title")
    if len(title) > 200:
        raise ValidationError(_l("Keep the title under 200 characters."), field="title")
    if len(summary) > 1000:
        raise ValidationError(_l("Keep the summary under 1,000 characters."), field="summary")
    if not body:
        raise ValidationError(_l("Give the text."), field="body")
    if len(body) > MAX_BODY:
        raise ValidationError(_l("The text is too long."), field="body")
    return title, summary, body


def amendments_of(session: Session, proposal: Proposal) -> list[Amendment]:
    """Every amendment to a proposal, newest first."""
    return list(
        session.scalars(
            select(Amendment)
            .where(Amendment.proposal_id == proposal.id)
            .order_by(Amendment.created_at.desc(), Amendment.id.desc())
        )
    )


def diff(amendment: Amendment) -> dict[str, list[rules.DiffLine]]:
    """Line diffs of title, summary and body against the text it was written for."""
    return {
        "title": rules.line_diff(amendment.base_title, amendment.proposed_title),
        "summary": rules.line_diff(amendment.base_summary, amendment.proposed_summary),
        "body": rules.line_diff(amendment.base_body, amendment.proposed_body),
    }


def propose(
    session: Session,
    proposal: Proposal,
    *,
    author: Member,
    title: str,
    summary: str,
    body: str,
    reason: str,
    now: datetime,
) -> Amendment:
    """A member proposes a new text while the proposal is in deliberation."""
    begin_write(session)
    if proposal.state is not ProposalState.DELIBERATION:
        raise PhaseError(
            _l("Amendments can be proposed only while the proposal is in deliberation.")
        )
    title, summary, body = _text(title, summary, body)
    reason = " ".join((reason or "").split())[:2000]
    if not reason:
        raise ValidationError(_l("Say why the text should change."), field="reason")
    if (title, summary, body) == (proposal.title, proposal.summary, proposal.body):
        raise ValidationError(_l("The proposed text is the same as the current one."), field="body")
    amendment = Amendment(
        proposal_id=proposal.id,
        author_id=author.id,
        base_version=proposal.text_version,
        base_title=proposal.title,
        base_summary=proposal.summary,
        base_body=proposal.body,
        proposed_title=title,
        proposed_summary=summary,
        proposed_body=body,
        reason=reason,
        created_at=now,
    )
    session.add(amendment)
    session.commit()
    return amendment


def get_amendment(session: Session, public_id: str) -> Amendment:
    """The amendment with this public id, or NotFoundError."""
    amendment = session.scalar(select(Amendment).where(Amendment.public_id == public_id))
    if amendment is None:
        raise NotFoundError(_l("There is no such amendment."))
    return amendment


def _new_text_version(
    session: Session, proposal: Proposal, amendment: Amendment, now: datetime
) -> None:
    proposal.title = amendment.proposed_title
    proposal.summary = amendment.proposed_summary
    proposal.body = amendment.proposed_body
    proposal.text_version += 1
    amendment.resulting_version = proposal.text_version
    drafting.record_text_version(session, proposal, now)


def decide(
    session: Session,
    amendment: Amendment,
    *,
    decider: Member,
    accept: bool,
    reason: str,
    notice: debate_mail.Notice = debate_mail.NO_NOTICE,
    now: datetime,
) -> Amendment:
    """A proposer accepts (a new text version) or declines an amendment, with a reason."""
    begin_write(session)
    proposal = session.get(Proposal, amendment.proposal_id)
    if decider.id not in proposers(session, proposal):
        raise NotFoundError(_l("There is no such amendment."))  # T34: no hint it exists
    if amendment.state is not AmendmentState.OPEN:
        raise ConflictError(_l("This amendment has already been decided."))
    if proposal.state is not ProposalState.DELIBERATION:
        raise PhaseError(
            _l("Amendments can be decided only while the proposal is in deliberation.")
        )
    reason = " ".join((reason or "").split())[:1000]
    if not reason:
        raise ValidationError(_l("Give the reason for your decision."), field="reason")
    if accept and amendment.base_version != proposal.text_version:
        raise ConflictError(
            _l("The text has changed since this amendment was written; it can only be declined.")
        )
    amendment.state = AmendmentState.ACCEPTED if accept else AmendmentState.DECLINED
    amendment.decision_reason = reason
    amendment.decided_by_id = decider.id
    amendment.decided_at = now
    if accept:
        _new_text_version(session, proposal, amendment, now)
    audit_log.record(
        session,
        actor=decider,
        action="amendment.accepted" if accept else "amendment.declined",
        payload={
            "proposal": proposal.public_id,
            "amendment": amendment.public_id,
            "text_version": proposal.text_version,
            "reason": reason,
        },
        now=now,
    )
    if amendment.author_id != decider.id:
        debate_mail.notify_amendment_decided(
            session,
            amendment.author,
            accepted=accept,
            reason=reason,
            title=proposal.title,
            notice=notice,
            now=now,
        )
    session.commit()
    return amendment


def counter_proposal_of(session: Session, proposal: Proposal) -> CounterProposal | None:
    """The committee's counter-proposal to this proposal, if any."""
    return session.scalar(select(CounterProposal).where(CounterProposal.proposal_id == proposal.id))


def put_counter_proposal(
    session: Session,
    proposal: Proposal,
    *,
    author: Member,
    title: str,
    body: str,
    now: datetime,
) -> CounterProposal:
    """The committee puts (or rewrites) its alternative beside the proposal; audited."""
    begin_write(session)
    if proposal.state not in COUNTER_STATES:
        raise PhaseError(_l("A counter-proposal can be put only before voting starts."))
    title, _summary, body = _text(title, "", body)
    counter = counter_proposal_of(session, proposal)
    if counter is None:
        counter = CounterProposal(proposal_id=proposal.id, author_id=author.id, created_at=now)
        session.add(counter)
    else:
        counter.updated_at = now
        counter.author_id = author.id
    counter.title, counter.body = title, body
    session.flush()
    audit_log.record(
        session,
        actor=author,
        action="counter_proposal.put",
        payload={"proposal": proposal.public_id, "counter_proposal": counter.public_id},
        now=now,
    )
    session.commit()
    return counter
