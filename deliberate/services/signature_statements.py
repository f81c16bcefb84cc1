"""The statements one signature runs, built once at import and reused with new values.

Building a SQLAlchemy statement and its cache key costs about 0.3 ms, four times as much
as running a prebuilt one on SQLite (bench/, issue 9). The writes below run while the
signer holds the proposal's lock, which every other signer of a viral proposal waits
for, so they are built here once, with bound parameters, and executed on the session's
connection. Each is the plain statement a reader would write by hand; services.signing
says when each runs.
"""

from sqlalchemy import (
    Date,
    Integer,
    bindparam,
    exists,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from deliberate.models import ProposalState, Signature, SignatureTally
from deliberate.models.proposal import Proposal

_proposal = Proposal.__table__
_signature = Signature.__table__
_tally = SignatureTally.__table__

# The proposal's row while signatures are open on it at ``now``.
_OPEN = (
    _proposal.c.id == bindparam("proposal_id"),
    _proposal.c.state == ProposalState.COLLECTING,
    _proposal.c.signatures_open_at <= bindparam("now"),
    or_(
        _proposal.c.collection_closes_at.is_(None),
        _proposal.c.collection_closes_at > bindparam("now"),
    ),
)

# The stored count moves only while signatures are open; no row back means "closed".
# Parameters: proposal_id, now, delta.
COUNT_WHILE_OPEN = (
    update(_proposal)
    .where(*_OPEN)
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


# A new signature's columns and the parameters that fill them. Not "local_group_id": a
# parameter named after a column of the proposal would join the SET clause of
# SIGN_FIRST_TIME_POSTGRESQL's UPDATE.
_SIGNATURE_PARAMETERS = {
    "proposal_id": "proposal_id",
    "member_id": "member_id",
    "local_group_id": "signer_group_id",
    "is_name_public": "is_name_public",
    "signed_at": "signed_at",
    "ip_address": "ip_address",
    "email_domain": "email_domain",
    "quarantined_at": "quarantined_at",
    "quarantine_reason": "quarantine_reason",
}


def _insert_signature(dialect_insert):
    # No conflict target: whichever unique key refuses the row, nothing is inserted and
    # no id comes back (and a schema without the pair refuses nothing: T02's control).
    values = {column: bindparam(name) for column, name in _SIGNATURE_PARAMETERS.items()}
    return (
        dialect_insert(_signature)
        .values(**values)
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


# SQLite's; PostgreSQL inserts within SIGN_FIRST_TIME_POSTGRESQL. Parameters: those of
# _SIGNATURE_PARAMETERS.
INSERT_SIGNATURE_SQLITE = _insert_signature(sqlite.insert)
# Parameters: proposal_id, group_key, day, delta (> 0).
TALLY_UP = {"postgresql": _tally_up(postgresql.insert), "sqlite": _tally_up(sqlite.insert)}


def _sign_first_time(*, below_every_tier: bool):
    """A first signature's INSERT, count and tally as one PostgreSQL statement.

    Each statement is a round trip to a server on the same cores, and a first signature,
    the common case of a surge, needs all three writes. The parts of the WITH each read
    the one before, so they run in this order: ``open_proposal`` locks the proposal's
    row if signatures are open on it (FOR NO KEY UPDATE waits for a signer ahead and
    judges the row as that signer left it); ``inserted`` adds the signature only for an
    open proposal (no row back: the UNIQUE pair refused it); ``counted`` moves the
    stored count by ``delta`` only if the row went in; ``tallied`` moves the per-group,
    per-day tally only if the count moved by more than 0 (a held signature moves
    neither). So the statement writes all of it or none of it. It takes the proposal's
    row before the signature's key, in the order withdraw() takes them.

    ``below_every_tier`` adds to the lock's condition that the new count stays below
    ``floor``, the fewest signatures at which any tier could be met: such a signature
    can cross nothing, so services.signing runs it outside a transaction (it commits
    when it returns, database.execute_alone) and the row every signer queues for is not
    held across a round trip to a busy client. Any other first signature runs the
    statement without it, in a transaction that claims the tiers it meets (I9).

    Returns (is_open, signature_id, signature_count): not open means nothing was
    written (closed, or at a tier's floor for ``below_every_tier``); no id means the
    member has a row already (signed, withdrawn or invalidated) and nothing moved.
    Parameters: those of INSERT_SIGNATURE_SQLITE, and now, delta, group_key, day, and
    floor for ``below_every_tier``.
    """
    lockable = [*_OPEN]
    if below_every_tier:
        lockable.append(_proposal.c.signature_count + bindparam("delta") < bindparam("floor"))
    open_proposal = (
        select(_proposal.c.id).where(*lockable).with_for_update(key_share=True).cte("open_proposal")
    )
    # The new signature's row, for the proposal the lock found.
    new_signature = select(
        open_proposal.c.id,
        *(
            bindparam(name, type_=_signature.c[column].type)
            for column, name in _SIGNATURE_PARAMETERS.items()
            if column != "proposal_id"
        ),
    )
    inserted = (
        postgresql.insert(_signature)
        .from_select(list(_SIGNATURE_PARAMETERS), new_signature)
        .on_conflict_do_nothing()  # no target, as INSERT_SIGNATURE_SQLITE
        .returning(_signature.c.id)
        .cte("inserted")
    )
    counted = (
        update(_proposal)
        .where(_proposal.c.id == open_proposal.c.id, exists(select(inserted.c.id)))
        .values(signature_count=_proposal.c.signature_count + bindparam("delta"))
        .returning(_proposal.c.signature_count)
        .cte("counted")
    )
    tally_row = select(
        bindparam("proposal_id", type_=Integer),
        bindparam("group_key", type_=Integer),
        bindparam("day", type_=Date),
        bindparam("delta", type_=Integer),
    ).where(
        exists(select(counted.c.signature_count)),
        bindparam("delta", type_=Integer) > literal_column("0"),
    )
    tallied = (
        postgresql.insert(_tally)
        .from_select(["proposal_id", "group_key", "day", "count"], tally_row)
        .on_conflict_do_update(
            index_elements=["proposal_id", "group_key", "day"],
            set_={"count": _tally.c.count + postgresql.insert(_tally).excluded.count},
        )
        .cte("tallied")
    )
    return select(
        exists(select(open_proposal.c.id)).label("is_open"),
        select(inserted.c.id).scalar_subquery().label("signature_id"),
        select(counted.c.signature_count).scalar_subquery().label("signature_count"),
    ).add_cte(tallied)


# By whether the new count must stay below every tier's floor; PostgreSQL only.
SIGN_FIRST_TIME_POSTGRESQL = _sign_first_time(below_every_tier=False)
SIGN_BELOW_EVERY_TIER_POSTGRESQL = _sign_first_time(below_every_tier=True)

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
