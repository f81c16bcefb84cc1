"""The statements one signature runs, built once at import and reused with new values.

Building a SQLAlchemy statement and its cache key costs about 0.3 ms, four times as much
as running a prebuilt one on SQLite (bench/, issue 9). The writes below run while the
signer holds the proposal's lock, which every other signer of a viral proposal waits
for, so they are built here once, with bound parameters, and executed on the session's
connection. Each is the plain statement a reader would write by hand; services.signing
says when each runs.
"""

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from deliberate.models import ProposalState, Signature, SignatureTally
from deliberate.models.proposal import Proposal

_proposal = Proposal.__table__
_signature = Signature.__table__
_tally = SignatureTally.__table__

# The stored count moves only while signatures are open; no row back means "closed".
# Parameters: proposal_id, now, delta.
COUNT_WHILE_OPEN = (
    update(_proposal)
    .where(
        _proposal.c.id == bindparam("proposal_id"),
        _proposal.c.state == ProposalState.COLLECTING,
        _proposal.c.signatures_open_at <= bindparam("now"),
        or_(
            _proposal.c.collection_closes_at.is_(None),
            _proposal.c.collection_closes_at > bindparam("now"),
        ),
    )
    .values(signature_count=_proposal.c.signature_count + bindparam("delta"))
    .returning(_proposal.c.signature_count)
)

# Parameters: proposal_id, delta.
COUNT_BY = (
    update(_proposal)
    .where(_proposal.c.id == bindparam("proposal_id"))
    .values(signature_count=_proposal.c.signature_count + bindparam("delta"))
    .returning(_proposal.c.signature_count)
)


def _insert_signature(dialect_insert):
    # No conflict target: whichever unique key refuses the row, nothing is inserted and
    # no id comes back (and a schema without the pair refuses nothing: T02's control).
    return (
        dialect_insert(_signature)
        .values(
            proposal_id=bindparam("proposal_id"),
            member_id=bindparam("member_id"),
            local_group_id=bindparam("local_group_id"),
            is_name_public=bindparam("is_name_public"),
            signed_at=bindparam("signed_at"),
            ip_address=bindparam("ip_address"),
            email_domain=bindparam("email_domain"),
            quarantined_at=bindparam("quarantined_at"),
            quarantine_reason=bindparam("quarantine_reason"),
        )
        .on_conflict_do_nothing()
        .returning(_signature.c.id)
    )


def _tally_up(dialect_insert):
    return (
        dialect_insert(_tally)
        .values(
            proposal_id=bindparam("proposal_id"),
            group_key=bindparam("group_key"),
            day=bindparam("day"),
            count=bindparam("delta"),
        )
        .on_conflict_do_update(
            index_elements=["proposal_id", "group_key", "day"],
            set_={"count": _tally.c.count + bindparam("delta")},
        )
    )


# By dialect name. Parameters: the columns named in values().
INSERT_SIGNATURE = {
    "postgresql": _insert_signature(postgresql.insert),
    "sqlite": _insert_signature(sqlite.insert),
}
# Parameters: proposal_id, group_key, day, delta (> 0).
TALLY_UP = {"postgresql": _tally_up(postgresql.insert), "sqlite": _tally_up(sqlite.insert)}

# The same parameters as TALLY_UP, with delta < 0 (an UPDATE may not reuse column names
# as parameter names, hence the prefix).
TALLY_DOWN = (
    update(_tally)
    .where(
        _tally.c.proposal_id == bindparam("b_proposal_id"),
        _tally.c.group_key == bindparam("b_group_key"),
        _tally.c.day == bindparam("b_day"),
    )
    .values(count=_tally.c.count + bindparam("delta"))
)

# The member's signature on the proposal, whatever its state. Parameters: proposal_id,
# member_id.
SIGNATURE_OF = select(Signature).where(
    Signature.proposal_id == bindparam("proposal_id"),
    Signature.member_id == bindparam("member_id"),
)

# Signature rows from one address / one email domain since a moment, counting at most
# ``limit`` of them (a burst check needs to know "at least the limit", not how many).
# Parameters: proposal_id, value, since, limit.
_RECENT_FROM = {
    column: select(func.count()).select_from(
        select(_signature.c.id)
        .where(
            _signature.c.proposal_id == bindparam("proposal_id"),
            _signature.c[column] == bindparam("value"),
            _signature.c.signed_at >= bindparam("since"),
        )
        .limit(bindparam("limit"))
        .subquery()
    )
    for column in ("ip_address", "email_domain")
}
RECENT_FROM_IP = _RECENT_FROM["ip_address"]
RECENT_FROM_DOMAIN = _RECENT_FROM["email_domain"]
