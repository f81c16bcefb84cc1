"""Seeding for the scenarios: bulk rows straight through the driver, members, a proposal.

Bulk rows go through the DBAPI (one transaction of executemany on SQLite, COPY on
PostgreSQL) so seeding a million rows takes seconds. Members share one precomputed
argon2 hash: hashing is deliberately slow, and nothing measured here logs in by password.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

from sqlalchemy import select

from deliberate.core.rules import (
    Consequence,
    Majority,
    Rulebook,
    RuleSet,
    Threshold,
    Tier,
    VoteRules,
    canonical_json,
    rulebook_hash,
)
from deliberate.models import LocalGroup, Member, MembershipStatus, RulebookVersion
from deliberate.models.member import new_public_id, new_session_token

PASSWORD = "bench-password-0123"
_hash_cache: list[str] = []


def password_hash() -> str:
    """One argon2 hash of PASSWORD, computed once per process."""
    if not _hash_cache:
        from deliberate.services.passwords import hash_password

        _hash_cache.append(hash_password(PASSWORD))
    return _hash_cache[0]


def bulk_insert(engine, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    """Insert many rows in one transaction, as fast as the driver allows."""
    raw = engine.raw_connection()
    try:
        if engine.dialect.name == "postgresql":
            with raw.cursor() as cursor:
                # The app's engine sets a statement timeout meant for requests, not seeding.
                cursor.execute("SET LOCAL statement_timeout = 0")
                names = ", ".join(columns)
                with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            raw.commit()
        else:
            driver = raw.driver_connection
            marks = ", ".join("?" for _ in columns)
            # Seeding only: a large page cache for the random-key indexes, and no fsync
            # until the end (the rows are re-creatable; measured writes keep synchronous=FULL).
            driver.execute("PRAGMA cache_size=-400000")
            driver.execute("PRAGMA synchronous=OFF")
            driver.execute("BEGIN")
            driver.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                (tuple(map(_sqlite_value, row)) for row in rows),
            )
            driver.execute("COMMIT")
            driver.execute("PRAGMA synchronous=FULL")
            driver.execute("PRAGMA cache_size=-2000")
    finally:
        raw.close()


def _sqlite_value(value):
    """What SQLAlchemy's SQLite DateTime and Date would have stored for this value."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def analyze(engine) -> None:
    """Refresh planner statistics after bulk loading (both databases)."""
    raw = engine.raw_connection()
    try:
        if engine.dialect.name == "postgresql":
            raw.driver_connection.autocommit = True
            raw.driver_connection.execute("ANALYZE")
        else:
            raw.driver_connection.execute("ANALYZE")
    finally:
        raw.close()


def add_groups(session, count: int) -> list[int]:
    """``count`` local groups; returns their ids."""
    session.add_all(LocalGroup(name=f"Group {n:02d}", slug=f"group-{n:02d}") for n in range(count))
    session.commit()
    return list(session.scalars(select(LocalGroup.id).order_by(LocalGroup.id)))


def add_members(
    engine, count: int, *, prefix: str, groups: Sequence[int] = (), joined_days_ago: int = 400
) -> None:
    """``count`` verified, active members named ``{prefix}{n}@bench.example.org``."""
    now = datetime.now(UTC)
    joined = (now - timedelta(days=joined_days_ago)).date()
    hashed = password_hash()
    rows = (
        (
            new_public_id(),
            f"{prefix}{n}@bench.example.org",
            f"{prefix.title()} {n}",
            hashed,
            new_session_token(),
            now,
            now,
            groups[n % len(groups)] if groups else None,
            joined,
            MembershipStatus.ACTIVE.name,
            now,
        )
        for n in range(count)
    )
    bulk_insert(
        engine,
        "member",
        (
            "public_id",
            "email",
            "display_name",
            "password_hash",
            "session_token",
            "email_verified_at",
            "declaration_accepted_at",
            "local_group_id",
            "joined_on",
            "status",
            "created_at",
        ),
        rows,
    )


def member_ids(session, prefix: str) -> list[int]:
    """Ids of the members add_members made with this prefix, in creation order."""
    return list(
        session.scalars(
            select(Member.id)
            .where(Member.email.like(f"{prefix}%@bench.example.org"))
            .order_by(Member.id)
        )
    )


def campaign_rules(threshold: int) -> RuleSet:
    """One tier of ``threshold`` signatures leading to a vote; no co-sponsors, no gate."""
    return RuleSet(
        name="Bench campaign",
        tiers=(Tier(Threshold(count=threshold), Consequence.QUALIFIES_FOR_VOTE),),
        collection_days=60,
        vote=VoteRules(majority=Majority(Fraction(1, 2)), deliberation_days=14, voting_days=7),
    )


def use_rules(session, rules: RuleSet, kind: str = "campaign") -> None:
    """Put ``rules`` in force for ``kind`` as the next rulebook version."""
    from deliberate.services import rulebook

    current = rulebook.current_version(session)
    book = Rulebook({**rulebook.rulebook_of(current).rulesets, kind: rules})
    session.add(
        RulebookVersion(
            number=current.number + 1,
            content_json=canonical_json(book),
            content_hash=rulebook_hash(book),
            reason="bench rules",
            created_at=datetime.now(UTC),
        )
    )
    session.commit()


def collecting_proposal(session, *, author_id: int, threshold: int, title: str):
    """A registered proposal collecting signatures (returns the Proposal)."""
    from deliberate.models import Proposal
    from deliberate.services import drafting

    use_rules(session, campaign_rules(threshold))
    now = datetime.now(UTC).replace(microsecond=0)
    author = session.get(Member, author_id)
    draft = drafting.create_draft(
        session,
        author=author,
        kind="campaign",
        title=title,
        summary="Secure bike parking at every station, paid for by the transport budget.",
        body="We want **racks** at every station.\n\n" + "A paragraph of argument. " * 40,
        local_group_id=None,
        now=now,
    )
    drafting.register(session, proposal_id=draft.id, author_id=author.id, now=now)
    return session.get(Proposal, draft.id)
