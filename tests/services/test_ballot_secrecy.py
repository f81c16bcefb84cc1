"""Nothing links a member to a choice: the ballot table, storage order, export order (T39)."""

import csv
import io
import random
from datetime import timedelta

from sqlalchemy import inspect, select, text

from deliberate.extensions import db
from deliberate.models import Ballot, Participation, VoteMethod
from deliberate.services import ballot_export, counting, referendums
from tests.conftest import POSTGRES_URL
from tests.voting import T0, cast, make_vote, make_voters

BALLOT_COLUMNS = {"id", "referendum_id", "tracker", "choice", "checkpoint_seq"}


def test_the_ballot_table_has_only_the_allowed_columns_and_no_link_to_members(app):
    with app.app_context():
        inspector = inspect(db.engine)
        columns = {c["name"]: c for c in inspector.get_columns("ballot")}
        assert set(columns) == BALLOT_COLUMNS
        assert not any(
            "DATE" in str(c["type"]).upper() or "TIME" in str(c["type"]).upper()
            for c in columns.values()
        )
        targets = {fk["referred_table"] for fk in inspector.get_foreign_keys("ballot")}
        assert targets == {"referendum"}
        assert columns["id"].get("autoincrement") is not True
        # Participation says who voted and nothing else: no time, no ballot id.
        assert {c["name"] for c in inspector.get_columns("participation")} == {
            "referendum_id",
            "member_id",
        }
        if db.engine.dialect.name == "sqlite":
            for table in ("ballot", "participation"):
                sql = db.session.scalar(
                    text("SELECT sql FROM sqlite_master WHERE name = :t"), {"t": table}
                )
                assert "WITHOUT ROWID" in sql, table


def test_ballot_ids_are_random_not_sequential(app):
    voters = make_voters(app, 5)
    vote = make_vote(app)
    for member in voters:
        cast(app, vote, member, "yes")
    with app.app_context():
        ids = db.session.scalars(select(Ballot.id)).all()
        assert all(len(i) == 32 for i in ids) and len(set(ids)) == 5
        assert not all(i.isdigit() for i in ids)


def spearman(xs: list[int], ys: list[int]) -> float:
    """Spearman's rho for two rankings without ties."""
    n = len(xs)
    d2 = sum((x - y) ** 2 for x, y in zip(xs, ys, strict=True))
    return 1 - 6 * d2 / (n * (n * n - 1))


def test_neither_storage_nor_export_order_follows_cast_order(app):
    n = 120
    voters = make_voters(app, n)
    vote = make_vote(app, method=VoteMethod.SINGLE, options=tuple(f"Option {i}" for i in range(n)))
    # Each ballot's choice names its own cast position, so order can be read back.
    with app.app_context():
        slugs = [o.slug for o in referendums.get(db.session, vote).options]
    for position, member in enumerate(voters):
        cast(
            app, vote, member, f"option:{slugs[position]}", now=T0 + timedelta(seconds=position + 1)
        )
    cast_position = {slug: i for i, slug in enumerate(slugs)}
    with app.app_context():
        stored = db.session.execute(text("SELECT choice FROM ballot")).scalars().all()
        storage_order = [cast_position[c.removeprefix("option:")] for c in stored]
        if not POSTGRES_URL:  # PostgreSQL's heap keeps insert order: a documented limit
            assert abs(spearman(storage_order, list(range(n)))) < 0.3
        counting.close_and_count(db.session, vote, T0 + timedelta(days=7))
        export = ballot_export.ballots_csv(db.session, referendums.get(db.session, vote))
        exported = list(csv.reader(io.StringIO(export)))[1:]
        export_order = [cast_position[choice] for _, choice in exported]
        assert abs(spearman(export_order, list(range(n)))) < 0.3
        assert [t for t, _ in exported] == sorted(t for t, _ in exported)


def test_the_spearman_check_can_fail():
    ordered = list(range(120))
    assert spearman(ordered, ordered) == 1.0
    shuffled = ordered[:]
    random.Random(1).shuffle(shuffled)
    assert abs(spearman(shuffled, ordered)) < 0.3


def test_participation_order_is_member_order_not_cast_order(app):
    voters = make_voters(app, 30)
    vote = make_vote(app)
    order = voters[:]
    random.Random(7).shuffle(order)
    for member in order:
        cast(app, vote, member, "yes")
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            stored = db.session.execute(text("SELECT member_id FROM participation")).scalars().all()
            assert stored == sorted(stored)
        assert db.session.query(Participation).count() == 30
