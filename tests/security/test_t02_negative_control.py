"""T02 negative control: the double-vote race test can fail, because the key is the guard.

The race runs N ballots from one member at once through the voting service, behind a
barrier, and asserts what the live T02 test asserts: one receipt, one participation row,
one ballot, invariants intact. On the real schema it passes. On a schema built without
participation's primary key it must fail, with N rows for one member, and the checker's
I2 must name the duplicate. The vote transaction has no "already voted?" read before
its insert, so nothing but the key can refuse the second ballot and the result does not
depend on timing. Signing does read first (before its write lock), so its control
skips that read, as a second process racing past it would, and shows the UNIQUE pair is
what stops the second signature.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

import tests.conftest as conftest
from deliberate.core.errors import ConflictError
from deliberate.extensions import db
from deliberate.models import Ballot, Participation, Proposal, Referendum, Signature
from deliberate.services import invariants, signing, voting
from tests.proposal_builders import NOW, add_members, proposal, ruleset
from tests.security.naive_schema import drop_constraint
from tests.voting import T0, make_vote, make_voters

N = 8
RECEIPT, ALREADY = "receipt", "already voted"


@pytest.fixture
def naive(app):
    """Call with (table, constraint) to drop it; the next PostgreSQL test rebuilds the schema."""
    yield lambda table, constraint: drop_constraint(app, table, constraint)
    conftest._schema_ready = False


def race(app, vote: str, member_id: int, n: int = N) -> list[str]:
    """N ballots of one member through the service, all released at once."""
    barrier = threading.Barrier(n)
    now = T0 + timedelta(hours=1)  # inside the window of tests.voting.make_vote

    def one(_index: int) -> str:
        with app.app_context():
            barrier.wait()
            try:
                voting.cast_ballot(
                    db.session,
                    referendum_id=vote,
                    member_id=member_id,
                    choice="yes",
                    now=now,
                )
                return RECEIPT
            except voting.AlreadyVoted:
                return ALREADY
            finally:
                db.session.remove()

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def assert_exactly_one_ballot(app, outcomes: list[str]) -> None:
    """What the T02 race test asserts (live/test_voting_race.py, here through the service)."""
    assert outcomes.count(RECEIPT) == 1, outcomes
    assert outcomes.count(ALREADY) == len(outcomes) - 1, outcomes
    with app.app_context():
        participations = db.session.scalar(select(func.count()).select_from(Participation))
        ballots = db.session.scalar(select(func.count()).select_from(Ballot))
        assert (participations, ballots) == (1, 1)
        assert invariants.check_all(db.session).holds


def test_the_race_records_one_ballot_on_the_real_schema(app):
    (member_id,) = make_voters(app, 1)
    vote = make_vote(app)
    assert_exactly_one_ballot(app, race(app, vote, member_id))


def test_without_the_participation_key_the_same_race_fails_and_i2_names_it(app, naive):
    (member_id,) = make_voters(app, 1)
    vote = make_vote(app)
    naive("participation", "pk_participation")
    outcomes = race(app, vote, member_id)
    assert outcomes == [RECEIPT] * N  # every one of them got a receipt
    with pytest.raises(AssertionError):
        assert_exactly_one_ballot(app, outcomes)
    with app.app_context():
        rid = db.session.scalar(select(Referendum.id))
        report = dict(invariants.check_all(db.session).checks)
    assert report["I2 no duplicate signature or participation"] == [
        f"participation: member {member_id} appears {N} times in {rid}"
    ]


def sign_once(session, p, member_id):
    """Sign as a second process would: signing inserts first and lets the UNIQUE pair
    decide whether the member has signed before (signing.sign)."""
    return signing.sign(
        session, proposal_id=p.id, member_id=member_id, show_name=False, ip=None, now=NOW
    )


def test_the_unique_pair_refuses_a_second_signature(session):
    p = proposal(session, ruleset(threshold=50))
    (member_id,) = add_members(session, 1)
    sign_once(session, p, member_id)
    with pytest.raises(ConflictError, match="already signed"):
        sign_once(session, p, member_id)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Signature)) == 1


def test_without_the_unique_pair_that_signature_is_counted_twice(app, naive):
    with app.app_context():
        p = proposal(db.session, ruleset(threshold=50))
        (member_id,) = add_members(db.session, 1)
        pid = p.id
    naive("signature", "uq_signature_proposal_id_member_id")
    with app.app_context():
        p = db.session.get(Proposal, pid)
        sign_once(db.session, p, member_id)
        sign_once(db.session, p, member_id)
        assert db.session.scalar(select(func.count()).select_from(Signature)) == 2
        assert db.session.get(Proposal, pid).signature_count == 2
        report = dict(invariants.check_all(db.session).checks)
    assert report["I2 no duplicate signature or participation"] == [
        f"signature: member {member_id} appears 2 times in {pid}"
    ]
