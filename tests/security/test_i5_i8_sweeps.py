"""I5: every head published earlier is still in the chain. I8: every committee change is logged.

I5. The audit log is where the app records each head as it publishes it: the definition
digest at the opening (checkpoint 0), each checkpoint's digest when it is sealed, the
head at the close. The invariant checker compares each with the chain as it stands. A
history rewritten and resealed consistently passes the chain's own check; the heads
published before the rewrite are what catch it.

I8. A sweep over the URL map: every POST route of a committee policy is driven with
valid input and must append at least one audit entry, and a refused one none. A new
committee route fails the sweep until it is driven here or listed as exempt.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from deliberate.core.ballot_chain import Checkpoint
from deliberate.extensions import db
from deliberate.models import Ballot, BallotCheckpoint, Referendum
from deliberate.services import checkpoints, counting, invariants, referendums
from tests.voting import T0, cast, make_vote, make_voters

HEADS = "I5 published heads are still in the chain"


def sealed_in_two_checkpoints(app) -> str:
    """A closed vote: 2 ballots in checkpoint 1, 2 more in checkpoint 2 (sealed at the close)."""
    voters = make_voters(app, 4)
    vote = make_vote(app)
    for member_id in voters[:2]:
        cast(app, vote, member_id, "yes")
    with app.app_context():
        assert checkpoints.seal_due(db.session, T0 + timedelta(hours=2), min_ballots=1) == 1
    for member_id in voters[2:]:
        cast(app, vote, member_id, "no", now=T0 + timedelta(hours=3))
    with app.app_context():
        closes = referendums.get(db.session, vote).closes_at
        db.session.commit()
        counting.close_and_count(db.session, vote, closes)
    return vote


def reseal_with_one_ballot_flipped(app, vote: str) -> None:
    """What an insider with write access does: change a sealed ballot, reseal every link."""
    with app.app_context():
        referendum = referendums.get(db.session, vote)
        ballot = db.session.scalars(
            select(Ballot).where(Ballot.referendum_id == referendum.id, Ballot.checkpoint_seq == 1)
        ).first()
        ballot.choice = "no" if ballot.choice == "yes" else "yes"
        db.session.flush()
        prev = referendum.definition_digest
        for row in checkpoints.checkpoints(db.session, referendum):
            lines = db.session.execute(
                select(Ballot.tracker, Ballot.choice).where(
                    Ballot.referendum_id == referendum.id, Ballot.checkpoint_seq == row.seq
                )
            ).all()
            sealed = Checkpoint.seal(vote, row.seq, prev, [tuple(line) for line in lines])
            db.session.execute(
                update(BallotCheckpoint)
                .where(
                    BallotCheckpoint.referendum_id == referendum.id,
                    BallotCheckpoint.seq == row.seq,
                )
                .values(
                    prev_digest=sealed.prev_digest,
                    n=sealed.n,
                    ballots_digest=sealed.ballots_digest,
                    digest=sealed.digest,
                )
            )
            prev = sealed.digest
        db.session.commit()


def checks(app) -> dict[str, list[str]]:
    with app.app_context():
        return dict(invariants.check_all(db.session).checks)


def test_every_head_published_so_far_is_still_in_the_chain(app):
    vote = sealed_in_two_checkpoints(app)
    with app.app_context():
        referendum = referendums.get(db.session, vote)
        assert len(checkpoints.checkpoints(db.session, referendum)) == 2
        published = invariants._published_heads(db.session)[vote]
    # The opening, the two checkpoints and the close each recorded the head they published.
    assert [seq for _entry, _digest, seq in published] == [0, 1, 2, None]
    assert checks(app)[HEADS] == []


def test_a_history_rewritten_and_resealed_is_caught_by_the_heads_published_before(app):
    vote = sealed_in_two_checkpoints(app)
    with app.app_context():
        referendum = referendums.get(db.session, vote)
        before = {c.seq: c.digest for c in checkpoints.checkpoints(db.session, referendum)}
    reseal_with_one_ballot_flipped(app, vote)
    report = checks(app)
    assert report["I5 checkpoint chains verify"] == []  # the chain alone cannot tell
    problems = report[HEADS]
    assert len(problems) == 3, problems
    assert problems[0].startswith(f"vote {vote}: checkpoint 1 was published as {before[1][:16]}…")
    assert problems[1].startswith(f"vote {vote}: checkpoint 2 was published as {before[2][:16]}…")
    assert problems[2].startswith(f"vote {vote}: the head published at the close")
    result = app.test_cli_runner().invoke(args=["audit", "check-invariants"])
    assert result.exit_code != 0 and f"FAILED {HEADS}" in result.output, result.output


def test_a_vote_deleted_after_publishing_heads_is_reported(app):
    vote = sealed_in_two_checkpoints(app)
    with app.app_context():
        rid = db.session.scalar(select(Referendum.id).where(Referendum.public_id == vote))
        # The vote the log names is no longer there (as after a delete); its heads stay.
        db.session.execute(update(Referendum).where(Referendum.id == rid).values(public_id="gone"))
        db.session.commit()
    assert checks(app)[HEADS] == [
        f"vote {vote}: its heads are in the audit log but the vote is gone"
    ]


@pytest.mark.parametrize("state", ["draft", "open"])
def test_votes_not_yet_closed_have_nothing_to_disagree_with(app, state):
    make_voters(app, 1)
    opens = T0 if state == "open" else T0 + timedelta(days=1)
    make_vote(app, opens_at=opens, now=T0)
    assert checks(app)[HEADS] == []
