"""PostgreSQL: ballots share their vote's advisory lock; a seal or the close waits for them."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from deliberate.extensions import db
from deliberate.services import ballot_lock

REFERENDUM_ID = 4242


@pytest.fixture
def two_sessions(app):
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's; SQLite has its one write lock")
    first, second = Session(engine), Session(engine)
    # A waiter gives up after 200 ms instead of hanging the test.
    second.execute(text("SET lock_timeout = '200ms'"))
    yield first, second
    first.rollback()
    second.rollback()
    first.close()
    second.close()


def test_two_voters_hold_the_lock_together(two_sessions):
    first, second = two_sessions
    ballot_lock.as_voter(first, REFERENDUM_ID)
    ballot_lock.as_voter(second, REFERENDUM_ID)  # does not wait


def test_a_sealer_waits_for_the_ballot_in_flight_then_goes_ahead(two_sessions):
    voter, sealer = two_sessions
    ballot_lock.as_voter(voter, REFERENDUM_ID)
    with pytest.raises(OperationalError, match="lock timeout"):
        ballot_lock.as_sealer(sealer, REFERENDUM_ID)
    sealer.rollback()
    sealer.execute(text("SET lock_timeout = '200ms'"))
    voter.commit()  # the ballot's transaction ends: its shared hold goes with it
    ballot_lock.as_sealer(sealer, REFERENDUM_ID)


def test_a_voter_waits_while_the_vote_is_being_sealed(two_sessions):
    sealer, voter = two_sessions
    ballot_lock.as_sealer(sealer, REFERENDUM_ID)
    with pytest.raises(OperationalError, match="lock timeout"):
        ballot_lock.as_voter(voter, REFERENDUM_ID)


def test_another_vote_is_not_held_back(two_sessions):
    sealer, voter = two_sessions
    ballot_lock.as_sealer(sealer, REFERENDUM_ID)
    ballot_lock.as_voter(voter, REFERENDUM_ID + 1)
