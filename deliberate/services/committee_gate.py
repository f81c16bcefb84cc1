"""The committee gate: admitting or rejecting a proposal that awaits the committee.

Both are audited and public: the admission opens signatures, the rejection gives its
reason on the proposal's page. A deadline that passed first (silence admits, where the
rules say so) is applied before the decision, so the committee never decides on a
proposal that has already moved on.
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from deliberate.core.errors import PhaseError, ValidationError
from deliberate.core.lifecycle import State, Step
from deliberate.core.messages import N_
from deliberate.core.text import clean_line
from deliberate.labels import lazy_label
from deliberate.models import Member, Proposal, ProposalState
from deliberate.services import audit_log, notifications, proposals


def _gate_proposal(session: Session, proposal_id: int, now: datetime, base_url: str) -> Proposal:
    proposal = proposals.lock(session, proposal_id)
    proposals.advance(session, proposal, now=now, base_url=base_url)
    if proposal.state != ProposalState.AWAITING_COMMITTEE:
        raise PhaseError(
            _l(
                "Only a proposal awaiting the committee can be admitted or rejected; "
                "this one is at the stage “%(state)s”.",
                state=lazy_label(proposal.state),
            )
        )
    return proposal


def admit(
    session: Session, *, proposal_id: int, actor: Member, now: datetime, base_url: str = ""
) -> Proposal:
    """The committee admits a proposal: signatures open. Audited."""
    proposal = _gate_proposal(session, proposal_id, now, base_url)
    notifications.notify(
        session,
        member_ids=[proposal.author_id],
        kind="own_answered",
        text=_l("The committee admitted your proposal “%(title)s”", title=proposal.title),
        now=now,
        proposal_id=proposal.id,
        path=proposals.path_of(proposal),
        base_url=base_url,
    )
    proposals.transition(
        session,
        proposal,
        Step(State.COLLECTING, N_("Admitted by the committee; signatures open")),
        now=now,
        actor=actor,
        base_url=base_url,
    )
    audit_log.record(
        session,
        actor=actor,
        action="proposal.admitted",
        payload={"proposal": proposal.public_id},
        now=now,
    )
    session.commit()
    return proposal


def reject(
    session: Session,
    *,
    proposal_id: int,
    reason: str,
    actor: Member,
    now: datetime,
    base_url: str = "",
) -> Proposal:
    """The committee rejects a proposal, with a public reason. Audited."""
    reason = clean_line(reason or "")
    if not reason:
        raise ValidationError(_l("State the reason; it is shown publicly."), field="reason")
    if len(reason) > 1000:
        raise ValidationError(_l("Keep the reason under 1,000 characters."), field="reason")
    proposal = _gate_proposal(session, proposal_id, now, base_url)
    proposal.rejection_reason = reason
    proposals.transition(
        session,
        proposal,
        Step(State.REJECTED, N_("Rejected by the committee: %(reason)s", reason=reason)),
        now=now,
        actor=actor,
        base_url=base_url,
    )
    audit_log.record(
        session,
        actor=actor,
        action="proposal.rejected",
        payload={"proposal": proposal.public_id, "reason": reason},
        now=now,
    )
    session.commit()
    return proposal
