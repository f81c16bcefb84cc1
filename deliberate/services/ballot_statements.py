"""The statements one ballot runs, built once at import and reused with new values.

As for signatures (services.signature_statements): building a statement costs more
than running it, and these run under the write lock (SQLite) or beside the close's
FOR UPDATE (PostgreSQL) that every voter of a surge passes through. services.voting
says when each runs.
"""

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import lazyload

from deliberate.models import Ballot, Eligibility, GroupTally, Participation, Referendum

_participation = Participation.__table__
_ballot = Ballot.__table__
_group_tally = GroupTally.__table__
_referendum = Referendum.__table__

# The voter's row on the frozen electorate. Parameters: ref (public id), member_id.
ELIGIBILITY_OF = (
    select(Eligibility)
    .join(Referendum, Referendum.id == Eligibility.referendum_id)
    .where(
        Referendum.public_id == bindparam("ref"), Eligibility.member_id == bindparam("member_id")
    )
)

# The referendum, read before the write lock; the options are loaded only if the choice
# needs them. Parameters: ref.
REFERENDUM_BY_REF = (
    select(Referendum)
    .where(Referendum.public_id == bindparam("ref"))
    .options(lazyload(Referendum.options))
)

# The window once more, under the lock (services.ballot_lock). Parameters: b_id.
WINDOW = select(_referendum.c.state, _referendum.c.opens_at, _referendum.c.closes_at).where(
    _referendum.c.id == bindparam("b_id")
)


def _insert_participation(dialect_insert):
    # No conflict target: the primary key refuses a second ballot and nothing comes back
    # (a schema without it refuses nothing: tests/security/test_t02_negative_control.py).
    return (
        dialect_insert(_participation)
        .values(referendum_id=bindparam("referendum_id"), member_id=bindparam("member_id"))
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
