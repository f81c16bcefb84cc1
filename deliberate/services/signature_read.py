"""A signature's one read on PostgreSQL: the signed-in member, the proposal, the bursts.

Every signature reads its member (Flask-Login's load, services.signed_in), then the
proposal with the burst counts of the signer's address and email domain
(services.signable_proposal, services.signature_bursts). On PostgreSQL each statement
is a round trip to a server on the same cores, and a round trip costs a signature about
a tenth of its CPU (issue 9, thirteenth pass), so here the two are one statement: the
member's rows, each with the proposal's columns and the counts beside it. The burst
count by domain takes the domain from the member's stored email in SQL; ``read`` checks
it against ``signing.email_domain`` and, for an address they would split differently,
counts again with the domain computed here, so the check never counts less than the
two-statement path does.

SQLite reads in-process, where a round trip costs nothing: it keeps the two statements.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from deliberate.models import LocalGroup, Member, Proposal
from deliberate.services import signable_proposal, signed_in
from deliberate.services.signable_proposal import SignableProposal
from deliberate.services.signature_bursts import BurstCheck, BurstLimits, recent_from_columns
from deliberate.services.signed_in import SignedInMember
from deliberate.services.signing import email_domain

_member = Member.__table__
_proposal = Proposal.__table__
_proposal_group = LocalGroup.__table__.alias("proposal_group")

# PostgreSQL's substring(text, pattern): what follows the last "@", or the whole string
# when there is none, as str.rpartition("@")[2]. Stored emails are already lower case
# (core.text.normalise_email); read() checks the rest.
_SIGNER_DOMAIN = func.substring(_member.c.email, "[^@]*$")
# Each proposal column under a name of its own: the member's columns share some names.
_PROPOSAL_COLUMNS = tuple(
    column.label(f"proposal_{column.name}")
    for column in signable_proposal.COLUMNS
    if column.table is _proposal
) + (_proposal_group.c.name.label("proposal_local_group_name"),)
_STATEMENT = (
    select(
        *signed_in.COLUMNS,
        *_PROPOSAL_COLUMNS,
        _SIGNER_DOMAIN.label("signer_domain"),
        *recent_from_columns(_proposal.c.id, domain=_SIGNER_DOMAIN),
    )
    .select_from(
        signed_in.JOINED.outerjoin(_proposal, _proposal.c.public_id == bindparam("ref")).outerjoin(
            _proposal_group, _proposal_group.c.id == _proposal.c.local_group_id
        )
    )
    .where(_member.c.session_token == bindparam("token"))
)


@dataclass(frozen=True)
class SignatureRead:
    """What a signature read before its write; ``proposal`` None when there is no such one."""

    signer: SignedInMember
    proposal: SignableProposal | None
    burst: BurstCheck


def read(
    session: Session, *, token: str, ref: str, ip: str | None, now: datetime, limits: BurstLimits
) -> SignatureRead | None:
    """The member whose login cookie carries ``token``, with proposal ``ref``; None: no member.

    PostgreSQL only; the proposal's burst counts are those of ``BurstCheck`` for this
    member at ``ip`` and ``now``. A draft comes back as it is, for the caller to refuse
    to anyone but its author (signable_proposal.visible).
    """
    params = BurstCheck(ip=ip, domain=None, now=now, limits=limits).params()
    params |= {"token": token, "ref": ref, "burst_domain_limit": limits.per_domain}
    rows = session.connection().execute(_STATEMENT, params).all()
    signer = signed_in.from_rows(rows)
    if signer is None:
        return None
    burst = BurstCheck(ip=ip, domain=email_domain(signer.email), now=now, limits=limits)
    first = rows[0]
    if first.proposal_id is None:
        return SignatureRead(signer=signer, proposal=None, burst=burst)
    if first.signer_domain != burst.domain or not burst.domain:
        # An address not stored normalised, or with no domain: count as signing would.
        proposal = signable_proposal.by_id(session, first.proposal_id, burst=burst)
        return SignatureRead(signer=signer, proposal=proposal, burst=burst)
    proposal = SignableProposal(
        **{
            column.name.removeprefix("proposal_"): first._mapping[column.name]
            for column in _PROPOSAL_COLUMNS
        },
        recent_from_ip=first.recent_from_ip,
        recent_from_domain=first.recent_from_domain,
    )
    return SignatureRead(signer=signer, proposal=proposal, burst=burst)
