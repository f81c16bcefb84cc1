"""What a signature reads of its proposal, as a plain, frozen row.

A signature decides on the proposal's state and window, its frozen rules, its
electorate and count (for the tiers) and its group (for eligibility). Reading those
with one Core statement costs a fraction of loading the ORM ``Proposal`` (issue 9,
ninth pass: 516 Python calls of a signature's 4,334 on PostgreSQL). The rest of the
proposal, and every change to it, goes through the ORM object
(``services.proposals.lock``), which a signature loads only when it claims a tier, signs
again after a withdrawal, or is refused.
"""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from deliberate.core.errors import NotFoundError
from deliberate.models import LocalGroup, Proposal, ProposalState
from deliberate.services.signature_bursts import BurstCheck, recent_from_columns

_proposal = Proposal.__table__
_group = LocalGroup.__table__


@dataclass(frozen=True, slots=True)
class SignableProposal:
    """The columns of ``Proposal`` that signing, eligibility and ``proposals.is_due`` read."""

    id: int
    public_id: str
    author_id: int
    state: ProposalState
    ruleset_json: str | None
    electorate_size: int | None
    signature_count: int
    committee_deadline_at: datetime | None
    gate_escalated_at: datetime | None
    signatures_open_at: datetime | None
    collection_closes_at: datetime | None
    deliberation_ends_at: datetime | None
    local_group_name: str | None
    # The signer's recent signatures on it (signature_bursts); None when read without.
    recent_from_ip: int | None = None
    recent_from_domain: int | None = None


# Built once: every signature runs it.
COLUMNS = (
    _proposal.c.id,
    _proposal.c.public_id,
    _proposal.c.author_id,
    _proposal.c.state,
    _proposal.c.ruleset_json,
    _proposal.c.electorate_size,
    _proposal.c.signature_count,
    _proposal.c.committee_deadline_at,
    _proposal.c.gate_escalated_at,
    _proposal.c.signatures_open_at,
    _proposal.c.collection_closes_at,
    _proposal.c.deliberation_ends_at,
    _group.c.name.label("local_group_name"),
)
JOINED = _proposal.outerjoin(_group, _group.c.id == _proposal.c.local_group_id)
_BY_REF = _proposal.c.public_id == bindparam("ref")
_BY_ID = _proposal.c.id == bindparam("proposal_id")
# By whether the signer's burst counts are read too.
_SELECT_BY_REF = {
    False: select(*COLUMNS).select_from(JOINED).where(_BY_REF),
    True: select(*COLUMNS, *recent_from_columns(_proposal.c.id)).select_from(JOINED).where(_BY_REF),
}
_SELECT_BY_ID = {
    False: select(*COLUMNS).select_from(JOINED).where(_BY_ID),
    True: select(*COLUMNS, *recent_from_columns(_proposal.c.id)).select_from(JOINED).where(_BY_ID),
}


def by_ref(
    session: Session, ref: str, *, viewer_id: int | None, burst: BurstCheck | None = None
) -> SignableProposal:
    """The proposal with this public id; a draft only for its author (as proposals.get_by_ref).

    With ``burst``, the signer's recent signatures on it are counted too.
    """
    params = {"ref": ref} | (burst.params() if burst else {})
    row = session.connection().execute(_SELECT_BY_REF[burst is not None], params).one_or_none()
    return visible(None if row is None else SignableProposal(**row._mapping), viewer_id)


def visible(proposal: SignableProposal | None, viewer_id: int | None) -> SignableProposal:
    """The proposal read by reference, unless there is none or it is someone else's draft."""
    if proposal is None or (
        proposal.state == ProposalState.DRAFT and proposal.author_id != viewer_id
    ):
        raise NotFoundError(_l("There is no such proposal, or it is still a draft."))
    return proposal


def by_id(
    session: Session, proposal_id: int, *, burst: BurstCheck | None = None
) -> SignableProposal:
    """The proposal with this row id; with ``burst``, as by_ref."""
    params = {"proposal_id": proposal_id} | (burst.params() if burst else {})
    row = session.connection().execute(_SELECT_BY_ID[burst is not None], params).one_or_none()
    if row is None:
        raise NotFoundError(_l("There is no such proposal."))
    return SignableProposal(**row._mapping)
