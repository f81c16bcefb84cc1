"""The statements one ballot runs, built once at import and reused with new values.

As for signatures (services.signature_statements): building a statement costs more
than running it, and these run under the write lock (SQLite) or beside the close's
FOR UPDATE (PostgreSQL) that every voter of a surge passes through. services.voting
says when each runs.
"""

from sqlalchemy import Integer, bindparam, exists, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import lazyload

from deliberate.models import (
    Ballot,
    Eligibility,
    GroupTally,
    Participation,
    Referendum,
    ReferendumState,
)

_participation = Participation.__table__
_ballot = Ballot.__table__
_group_tally = GroupTally.__table__
_referendum = Referendum.__table__

# The referendum and the voter's row on its frozen electorate (None when not on it), in
# one query, read before the write lock; the options are loaded only if the choice
# needs them. Parameters: ref (public id), member_id.
REFERENDUM_AND_ELIGIBILITY = (
    select(Referendum, Eligibility)
    .outerjoin(
        Eligibility,
        (Eligibility.referendum_id == Referendum.id)
        & (Eligibility.member_id == bindparam("member_id")),
    )
    .where(Referendum.public_id == bindparam("ref"))
    .options(lazyload(Referendum.options))
)

# The window once more, under the lock (services.ballot_lock), to say why a
# participation was not inserted. Parameters: b_id.
WINDOW = select(_referendum.c.state, _referendum.c.opens_at, _referendum.c.closes_at).where(
    _referendum.c.id == bindparam("b_id")
)


def _insert_participation(dialect_insert):
    # Inserted only while the vote is open at ``now``: the window is checked again under
    # the lock in the same statement. Nothing comes back when it has closed, or when the
    # primary key refuses a second ballot (no conflict target; a schema without the key
    # refuses nothing: tests/security/test_t02_negative_control.py).
    is_open = exists().where(
        _referendum.c.id == bindparam("referendum_id"),
        _referendum.c.state == ReferendumState.OPEN,
        _referendum.c.opens_at <= bindparam("now"),
        _referendum.c.closes_at > bindparam("now"),
    )
    voter = select(
        bindparam("referendum_id", type_=Integer), bindparam("member_id", type_=Integer)
    ).where(is_open)
    return (
        dialect_insert(_participation)
        .from_select(["referendum_id", "member_id"], voter)
        .on_conflict_do_nothing()
        .returning(_participation.c.member_id)
    )


def _insert_ballot(dialect_insert):
    # A clash of the random id or the tracker inserts nothing and says so.
    return (
        dialect_insert(_ballot)
        .values(
            id=bindparam("id"),
            referendum_id=bindparam("referendum_id"),
            tracker=bindparam("tracker"),
            choice=bindparam("choice"),
        )
        .on_conflict_do_nothing()
        .returning(_ballot.c.id)
    )


# By dialect name. Parameters: the columns named in values().
INSERT_PARTICIPATION = {
    "postgresql": _insert_participation(postgresql.insert),
    "sqlite": _insert_participation(sqlite.insert),
}
INSERT_BALLOT = {
    "postgresql": _insert_ballot(postgresql.insert),
    "sqlite": _insert_ballot(sqlite.insert),
}

# One more ballot for a choice in a local group (double majorities). The prefix: an
# UPDATE may not reuse column names as parameter names. Parameters: b_referendum_id,
# b_local_group_id, b_choice.
GROUP_TALLY_UP = (
    update(_group_tally)
    .where(
        _group_tally.c.referendum_id == bindparam("b_referendum_id"),
        _group_tally.c.local_group_id == bindparam("b_local_group_id"),
        _group_tally.c.choice == bindparam("b_choice"),
    )
    .values(count=_group_tally.c.count + 1)
)
