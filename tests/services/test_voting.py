"""Casting, eligibility, the voting window, the freeze, extensions, closing and verdicts."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text, update

from deliberate.core.errors import NotEligibleError, PhaseError, ValidationError
from deliberate.core.rules import Eligibility as EligibilityRules
from deliberate.extensions import db
from deliberate.models import (
    AuditEntry,
    Ballot,
    MembershipStatus,
    Participation,
    Referendum,
    ReferendumState,
    VoteMethod,
)
from deliberate.services import checkpoints, counting, referendums, vote_drafts, voting
from tests.conftest import make_member
from tests.voting import QUORUM_30, T0, cast, make_vote, make_voters, member_id

CLOSES = T0 + timedelta(days=7)


def count_rows(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_member_votes_once_and_the_second_ballot_is_refused(app):
    (ann,) = make_voters(app, 1)
    vote = make_vote(app)
    receipt = cast(app, vote, ann, "yes")
    assert len(receipt) == 22
    with pytest.raises(voting.AlreadyVoted, match="already voted"):
        cast(app, vote, ann, "no")
    with app.app_context():
        assert count_rows(Ballot) == 1 and count_rows(Participation) == 1
        assert db.session.scalar(select(Ballot.choice)) == "yes"


def test_a_member_who_joined_after_opening_is_not_eligible(app):
    make_voters(app, 1)
    vote = make_vote(app)
    late = member_id(app, make_member(app, "late@example.org", name="Late"))
    with pytest.raises(NotEligibleError, match="fixed when voting opened"):
        cast(app, vote, late, "yes")
    with app.app_context():
        assert count_rows(Participation) == 0


def test_a_suspended_member_is_told_why_they_may_not_vote(app):
    sus = member_id(
        app, make_member(app, "s@example.org", name="S", status=MembershipStatus.SUSPENDED)
    )
    vote = make_vote(app)
    with pytest.raises(NotEligibleError, match="suspended"):
        cast(app, vote, sus, "yes")


def test_a_too_recent_member_is_told_the_days_needed(app):
    new = member_id(app, make_member(app, "n@example.org", name="N", joined_days_ago=3))
    vote = make_vote(app, eligibility=EligibilityRules(min_membership_days=30))
    with pytest.raises(NotEligibleError, match="30 are needed"):
        cast(app, vote, new, "yes")


@pytest.mark.parametrize(
    ("offset", "accepted"),
    [
        (-timedelta(microseconds=1), True),
        (timedelta(0), False),
        (timedelta(seconds=1), False),
    ],
)
def test_the_window_closes_exactly_at_closes_at(app, offset, accepted):
    (ann,) = make_voters(app, 1)
    vote = make_vote(app)
    if accepted:
        cast(app, vote, ann, "yes", now=CLOSES + offset)
    else:
        with pytest.raises(PhaseError, match="closed"):
            cast(app, vote, ann, "yes", now=CLOSES + offset)
        with app.app_context():
            assert count_rows(Participation) == 0 and count_rows(Ballot) == 0


def test_a_vote_closed_after_the_checks_read_it_takes_no_ballot(app, monkeypatch):
    # The window is read before the write lock and checked again under it: a close
    # that lands in between (here, just before the lock) leaves no ballot behind.
    (ann,) = make_voters(app, 1)
    vote = make_vote(app)
    take_the_lock = voting.begin_write

    def the_vote_closes_then_the_lock(session):
        with db.engine.begin() as committee:  # another connection, committed at once
            committee.execute(
                update(Referendum)
                .where(Referendum.public_id == vote)
                .values(state=ReferendumState.CLOSED)
            )
        take_the_lock(session)

    monkeypatch.setattr(voting, "begin_write", the_vote_closes_then_the_lock)
    with pytest.raises(PhaseError, match="Voting has closed"):
        cast(app, vote, ann, "yes")
    with app.app_context():
        assert count_rows(Participation) == 0 and count_rows(Ballot) == 0


def test_a_vote_before_opening_is_refused(app):
    (ann,) = make_voters(app, 1)
    vote = make_vote(app, opens_at=T0 + timedelta(days=1), now=T0)
    with pytest.raises(PhaseError, match="not opened"):
        cast(app, vote, ann, "yes", now=T0 + timedelta(hours=1))


def test_a_choice_not_on_the_ballot_is_refused(app):
    (ann,) = make_voters(app, 1)
    vote = make_vote(app, method=VoteMethod.SINGLE, options=("Ada", "Grace"))
    for bad in ("yes", "option:alan", "rank:ada>grace", "option:Ada"):
        with pytest.raises(ValidationError):
            cast(app, vote, ann, bad)
    with app.app_context():
        assert count_rows(Participation) == 0


def test_opening_freezes_the_electorate_and_publishes_its_size_and_hash(app):
    make_voters(app, 3)
    make_member(app, "lapsed@example.org", name="L", status=MembershipStatus.LAPSED)
    vote = make_vote(app)
    with app.app_context():
        r = referendums.get(db.session, vote)
        assert r.state is ReferendumState.OPEN and r.electorate_size == 3
        assert len(r.electorate_hash) == 64
        frozen = json.loads(r.definition_json)
        assert frozen["electorate"] == {"size": 3, "hash": r.electorate_hash}
        assert frozen["question"] == r.question
        actions = db.session.scalars(select(AuditEntry.action)).all()
        assert actions == ["referendum.created", "referendum.opened"]


def test_edits_after_opening_are_refused_and_the_digest_stays(app):
    make_voters(app, 1)
    vote = make_vote(app)
    with app.app_context():
        digest = referendums.get(db.session, vote).definition_digest
        with pytest.raises(PhaseError, match="frozen") as caught:
            vote_drafts.update_draft(
                db.session, vote, question="Something else?", description="", actor=None, now=T0
            )
        assert caught.value.status == 409
        db.session.rollback()
        assert referendums.get(db.session, vote).definition_digest == digest


def test_extension_is_audited_never_shortens_and_keeps_the_digest(app):
    make_voters(app, 1)
    vote = make_vote(app)
    with app.app_context():
        digest = referendums.get(db.session, vote).definition_digest
        with pytest.raises(ValidationError, match="never shortened"):
            referendums.extend_closing(
                db.session,
                vote,
                new_closes_at=CLOSES - timedelta(hours=1),
                reason="oops",
                actor=None,
                now=T0,
            )
        db.session.rollback()
        referendums.extend_closing(
            db.session,
            vote,
            new_closes_at=CLOSES + timedelta(days=2),
            reason="Post strike",
            actor=None,
            now=T0 + timedelta(hours=2),
        )
        r = referendums.get(db.session, vote)
        assert r.closes_at == CLOSES + timedelta(days=2) and r.definition_digest == digest
        entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert entry.action == "referendum.extended" and "Post strike" in entry.payload_json


def test_closing_before_closes_at_is_refused(app):
    make_voters(app, 1)
    vote = make_vote(app)
    with app.app_context(), pytest.raises(PhaseError, match="still open"):
        counting.close_and_count(db.session, vote, CLOSES - timedelta(seconds=1))


def test_a_turnout_quorum_failure_reads_in_plain_words(app):
    voters = make_voters(app, 50)
    vote = make_vote(app, rules=QUORUM_30)
    # 9 of 50 vote (18%): 7 yes, 2 no -> 78% yes.
    for i, member in enumerate(voters[:9]):
        cast(app, vote, member, "yes" if i < 7 else "no")
    with app.app_context():
        r = counting.close_and_count(db.session, vote, CLOSES)
        assert r.verdict.startswith("Failed: turnout 18% is below the 30% quorum, though 7")
        assert "voted yes" in r.verdict
        result = counting.result(r)
        assert result["tally"] == {"yes": 7, "no": 2, "abstain": 0}
        assert result["participation"] == result["ballots"] == 9
        assert [c["is_met"] for c in result["checks"]] == [False, True, True]


def test_a_passed_vote_and_its_final_checkpoint_verify(app):
    voters = make_voters(app, 10)
    vote = make_vote(app, rules=QUORUM_30)
    for member in voters[:6]:
        cast(app, vote, member, "yes")
    with app.app_context():
        r = counting.close_and_count(db.session, vote, CLOSES)
        assert r.verdict.startswith("Passed")
        assert checkpoints.verify(db.session, r) == []
        assert db.session.scalar(select(func.count()).where(Ballot.checkpoint_seq.is_(None))) == 0


def test_a_ballot_changed_in_the_database_breaks_the_chain(app):
    voters = make_voters(app, 4)
    vote = make_vote(app)
    for member in voters:
        cast(app, vote, member, "no")
    with app.app_context():
        r = counting.close_and_count(db.session, vote, CLOSES)
        db.session.execute(text("UPDATE ballot SET choice = 'yes' WHERE choice = 'no'"))
        db.session.commit()
        problems = checkpoints.verify(db.session, r)
        assert problems and "ballots_digest does not match" in problems[0]


def test_checkpoints_seal_batches_of_at_least_k(app):
    voters = make_voters(app, 5)
    vote = make_vote(app)
    for member in voters[:3]:
        cast(app, vote, member, "yes")
    with app.app_context():
        later = T0 + timedelta(hours=2)
        assert checkpoints.seal_due(db.session, later, min_ballots=4, min_minutes=30) == 0
        cast(app, vote, voters[3], "no")
        assert checkpoints.seal_due(db.session, later, min_ballots=4, min_minutes=30) == 1
        r = referendums.get(db.session, vote)
        head = checkpoints.head_digest(db.session, r)
        assert head != r.definition_digest
        db.session.commit()  # SQLite: a reading transaction holds the write lock too
        cast(app, vote, voters[4], "no")
        counting.close_and_count(db.session, vote, CLOSES)
        chain = checkpoints.checkpoints(db.session, r)
        assert [(c.seq, c.n) for c in chain] == [(1, 4), (2, 1)]
        assert chain[1].prev_digest == head


def test_receipt_check_finds_the_ballot_and_shows_the_choice_only_after_close(app):
    (ann,) = make_voters(app, 1)
    vote = make_vote(app)
    receipt = cast(app, vote, ann, "abstain")
    with app.app_context():
        before = voting.check_receipt(db.session, vote, receipt)
        assert before.is_found and before.choice is None and before.checkpoint_seq is None
        assert not voting.check_receipt(db.session, vote, "made-up-receipt").is_found
        counting.close_and_count(db.session, vote, CLOSES)
        after = voting.check_receipt(db.session, vote, receipt)
        assert after.choice == "abstain" and after.checkpoint_seq == 1


def test_close_notifies_the_committee(app):
    from deliberate.models import OutboxMessage, Role

    make_member(app, "chair@example.org", name="Chair", roles=(Role.COMMITTEE,))
    vote = make_vote(app)
    with app.app_context():
        counting.close_and_count(db.session, vote, CLOSES)
        message = db.session.scalars(select(OutboxMessage)).one()
        assert message.to_address == "chair@example.org"
        assert "Failed" in message.body_text


def test_tick_opens_due_drafts_and_closes_due_votes(app):
    make_voters(app, 2)
    later = make_vote(app, opens_at=T0 + timedelta(days=1), now=T0)
    with app.app_context():
        to_open, to_close = referendums.due(db.session, T0 + timedelta(days=1))
        assert to_open == [later] and to_close == []
        assert referendums.open_if_due(db.session, later, T0 + timedelta(days=1))
        assert referendums.get(db.session, later).electorate_size == 2
