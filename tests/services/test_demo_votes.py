"""seed-demo's votes: a closed referendum, a closed STV election with results, an open vote."""

from sqlalchemy import select

from deliberate.extensions import db
from deliberate.models import Referendum, ReferendumState, VoteMethod, utcnow
from deliberate.services import checkpoints, demo_votes
from tests.voting import make_voters


def test_demo_votes_include_open_and_closed_votes_with_results(app):
    make_voters(app, 60, prefix="member")
    with app.app_context():
        demo_votes.seed_votes(db.session, now=utcnow())
        votes = db.session.scalars(select(Referendum)).all()
        states = {(v.method, v.state) for v in votes}
        assert (VoteMethod.STV, ReferendumState.CLOSED) in states
        assert (VoteMethod.YES_NO, ReferendumState.OPEN) in states
        election = next(v for v in votes if v.method is VoteMethod.STV)
        assert election.verdict.startswith("Elected, in order of election")
        assert all(checkpoints.verify(db.session, v) == [] for v in votes)
        closed = [v for v in votes if v.method is VoteMethod.YES_NO and v.result_json]
        assert "quorum" in closed[0].verdict
