"""Voters beside each other, never beside a checkpoint seal or the close (PostgreSQL).

A seal reads the unsealed ballots, digests them and marks them sealed; the close seals
the last of them and counts. A ballot committed half-way through either would be left
out of the digest it should be in. So on PostgreSQL every ballot's transaction holds a
transaction-scoped advisory lock on its vote *shared*, and the seal and the close hold
it *exclusively*: they wait for the ballots in flight and hold back new ones until they
commit. A row lock (FOR SHARE on the vote) did the same, but every new sharer of a row
writes a MultiXact into it, so a surge of voters queued on that one row.

SQLite needs none of this: every writer holds the database's one write lock.
"""

from sqlalchemy import text
from sqlalchemy.orm import Session

# The first key of the pair, so these locks never collide with another use of advisory
# locks on the same database ("vote" in ASCII).
_NAMESPACE = 0x766F7465
_SHARED = text("SELECT pg_advisory_xact_lock_shared(:namespace, :referendum_id)")
_EXCLUSIVE = text("SELECT pg_advisory_xact_lock(:namespace, :referendum_id)")


def _take(session: Session, statement, referendum_id: int) -> None:
    if session.get_bind().dialect.name == "postgresql":
        params = {"namespace": _NAMESPACE, "referendum_id": referendum_id}
        session.connection().execute(statement, params)


def as_voter(session: Session, referendum_id: int) -> None:
    """Join the ballots being cast on this vote, until this transaction ends."""
    _take(session, _SHARED, referendum_id)


def as_sealer(session: Session, referendum_id: int) -> None:
    """Wait for the ballots in flight and hold back new ones, until this transaction ends.

    Take it before the vote's row lock, as every sealer does, so two never deadlock.
    """
    _take(session, _EXCLUSIVE, referendum_id)
