"""Signing: one per member, exact counts, clear refusals, thresholds that fire exactly once."""

from datetime import timedelta
from fractions import Fraction

import pytest
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import func, select, update

from deliberate.core.errors import ConflictError, NotEligibleError, PhaseError
from deliberate.core.rules import Consequence, Eligibility, Threshold, Tier
from deliberate.extensions import db
from deliberate.models import (
    AuditEntry,
    Member,
    MembershipStatus,
    Proposal,
    ProposalState,
    ProposalTransition,
    Signature,
    SignatureTally,
    ThresholdCrossing,
)
from deliberate.services import signing, thresholds
from tests.proposal_builders import NOW, add_group, add_members, proposal, ruleset


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def sign(session, p, member_id, *, now=NOW, ip="192.0.2.1", show_name=False):
    return signing.sign(
        session, proposal_id=p.id, member_id=member_id, show_name=show_name, ip=ip, now=now
    )


def test_a_signature_moves_the_stored_count_and_the_tally_by_group_and_day(session):
    leeds = add_group(session, "Leeds")
    p = proposal(session, ruleset(threshold=50))
    signers = add_members(session, 3, group_id=leeds)
    for member_id in signers:
        result = sign(session, p, member_id)
    assert result.count == 3
    session.refresh(p)
    assert p.signature_count == 3
    assert thresholds.by_group(session, p.id) == {"Leeds": 3}
    tally = session.execute(select(SignatureTally.day, SignatureTally.count)).all()
    assert tally == [(NOW.date(), 3)]


def test_second_signature_of_one_member_is_refused_and_changes_nothing(session):
    p = proposal(session, ruleset(threshold=50))
    (member_id,) = add_members(session, 1)
    sign(session, p, member_id)
    with pytest.raises(ConflictError, match="already signed"):
        sign(session, p, member_id)
    session.rollback()
    assert count(session, Signature) == 1
    assert session.get(Proposal, p.id).signature_count == 1


@pytest.mark.parametrize(
    ("member_kwargs", "rules_kwargs", "reason"),
    [
        ({"joined_days_ago": 3}, {"min_membership_days": 30}, "member for 3 days; 30 are needed"),
        ({"status": MembershipStatus.SUSPENDED}, {}, "Your membership is suspended"),
        ({"status": MembershipStatus.LAPSED}, {}, "Your membership has lapsed"),
    ],
)
def test_ineligible_member_is_told_exactly_why_and_nothing_is_recorded(
    session, member_kwargs, rules_kwargs, reason
):
    p = proposal(session, ruleset(threshold=5, eligibility=Eligibility(**rules_kwargs)))
    (member_id,) = add_members(session, 1, **member_kwargs)
    with pytest.raises(NotEligibleError, match=reason):
        sign(session, p, member_id)
    session.rollback()
    assert count(session, Signature) == 0
    assert session.get(Proposal, p.id).signature_count == 0


def test_member_outside_the_proposals_group_cannot_sign(session):
    leeds, cardiff = add_group(session, "Leeds"), add_group(session, "Cardiff")
    by = session.get(Member, add_members(session, 1, prefix="leedsauthor", group_id=leeds)[0])
    p = proposal(session, ruleset(threshold=5), by=by, local_group_id=leeds)
    (outsider,) = add_members(session, 1, prefix="cardiff", group_id=cardiff)
    with pytest.raises(NotEligibleError, match="open only to members of Leeds"):
        sign(session, p, outsider)
    session.rollback()
    (insider,) = add_members(session, 1, prefix="leeds", group_id=leeds)
    assert sign(session, p, insider).count == 1


def test_window_is_closed_at_the_closing_instant_and_open_a_moment_before(session):
    p = proposal(session, ruleset(threshold=50, collection_days=10))
    early, late = add_members(session, 2)
    closes = p.collection_closes_at
    assert sign(session, p, early, now=closes - timedelta(milliseconds=1)).count == 1
    with pytest.raises(PhaseError, match="window closed"):
        sign(session, p, late, now=closes)
    session.rollback()
    assert session.get(Proposal, p.id).signature_count == 1


def test_signatures_are_refused_before_they_open(session):
    p = proposal(session, ruleset(threshold=5, co_sponsors=2))
    assert p.state == ProposalState.SEEKING_COSPONSORS
    (member_id,) = add_members(session, 1)
    with pytest.raises(PhaseError, match="needs its co-sponsors"):
        sign(session, p, member_id)
    session.rollback()
    assert count(session, Signature) == 0


def test_crossing_fires_exactly_once_and_later_signers_hear_signing_has_closed(session):
    p = proposal(session, ruleset(threshold=5))
    signers = add_members(session, 9)
    crossed = [sign(session, p, member_id).crossed for member_id in signers[:5]]
    assert crossed == [(), (), (), (), (1,)]
    for member_id in signers[5:]:
        with pytest.raises(PhaseError, match="closed"):
            sign(session, p, member_id)
        session.rollback()
    assert count(session, ThresholdCrossing) == 1
    assert count(session, AuditEntry, AuditEntry.action == "proposal.threshold_crossed") == 1
    assert (
        count(session, ProposalTransition, ProposalTransition.to_state == ProposalState.QUALIFIED)
        == 1
    )
    assert session.get(Proposal, p.id).state == ProposalState.DELIBERATION
    assert session.get(Proposal, p.id).signature_count == 5


def test_a_tier_already_claimed_by_another_transaction_is_not_fired_again(session):
    p = proposal(session, ruleset(threshold=2))
    first, second = add_members(session, 2)
    sign(session, p, first)
    session.get(Proposal, p.id)
    # Another process claims tier 1 first: our claim hits the UNIQUE pair and fires nothing.
    assert thresholds._claim(session, p, 0, NOW) is True
    assert thresholds._claim(session, p, 0, NOW) is False
    session.commit()
    assert sign(session, p, second).crossed == ()
    assert count(session, ThresholdCrossing) == 1
    assert count(session, AuditEntry, AuditEntry.action == "proposal.threshold_crossed") == 0
    assert session.get(Proposal, p.id).state == ProposalState.COLLECTING


def test_lower_tier_notifies_but_keeps_collecting_until_the_vote_tier(session):
    rules = ruleset(
        tiers=(
            Tier(Threshold(count=2), Consequence.COMMITTEE_MUST_CONSIDER),
            Tier(Threshold(count=4), Consequence.QUALIFIES_FOR_VOTE),
        )
    )
    p = proposal(session, rules)
    results = [sign(session, p, m).crossed for m in add_members(session, 4)]
    assert results == [(), (1,), (), (2,)]
    assert session.get(Proposal, p.id).state == ProposalState.DELIBERATION


def test_withdrawal_decrements_and_signing_again_clears_it(session):
    p = proposal(session, ruleset(threshold=50))
    (member_id,) = add_members(session, 1)
    sign(session, p, member_id)
    assert signing.withdraw(session, proposal_id=p.id, member_id=member_id, now=NOW) == 0
    assert sum(session.scalars(select(SignatureTally.count))) == 0
    with pytest.raises(ConflictError, match="nothing to withdraw"):
        signing.withdraw(session, proposal_id=p.id, member_id=member_id, now=NOW)
    session.rollback()
    assert sign(session, p, member_id, show_name=True).count == 1
    row = session.scalar(select(Signature))
    assert row.withdrawn_at is None and row.is_name_public
    assert count(session, Signature) == 1


def test_signature_cannot_be_withdrawn_once_the_proposal_qualified(session):
    p = proposal(session, ruleset(threshold=1))
    (member_id,) = add_members(session, 1)
    sign(session, p, member_id)
    with pytest.raises(PhaseError, match="moved on"):
        signing.withdraw(session, proposal_id=p.id, member_id=member_id, now=NOW)


def test_share_threshold_uses_the_electorate_frozen_at_opening(session):
    add_members(session, 99, prefix="existing")
    rules = ruleset(
        tiers=(
            Tier(
                Threshold(share=Fraction(10, 100)),
                Consequence.QUALIFIES_FOR_VOTE,
            ),
        )
    )
    p = proposal(session, rules)
    assert p.electorate_size == 100  # 99 members and the author
    add_members(session, 900, prefix="latecomer")  # joining later does not move the bar
    session.execute(update(Proposal).where(Proposal.id == p.id).values(signature_count=9))
    session.commit()
    status = thresholds.status(session, session.get(Proposal, p.id))
    assert status.tiers[0].required == 10 and status.tiers[0].still_needed == 1


def test_a_proposal_closed_after_the_checks_read_it_takes_no_signature(session, monkeypatch):
    # The checks run before the write lock; the count update re-checks the state under
    # it. Here the committee's close lands in between: the signer is told, nothing stays.
    p = proposal(session, ruleset(threshold=50))
    (member_id,) = add_members(session, 1)
    checks = signing._check_may_sign

    def checks_then_the_proposal_closes(*args):
        checks(*args)
        with db.engine.begin() as committee:  # another connection, committed at once
            committee.execute(
                update(Proposal).where(Proposal.id == p.id).values(state=ProposalState.LAPSED)
            )

    monkeypatch.setattr(signing, "_check_may_sign", checks_then_the_proposal_closes)
    with pytest.raises(PhaseError, match="stage “Lapsed”"):
        sign(session, p, member_id)
    assert count(session, Signature) == 0
    assert count(session, SignatureTally) == 0
    assert session.get(Proposal, p.id).signature_count == 0


def test_tiers_are_not_read_below_the_fewest_signatures_any_tier_needs(session, monkeypatch):
    p = proposal(session, ruleset(threshold=3))
    signers = add_members(session, 3)
    statuses = []
    real_status = thresholds.status
    monkeypatch.setattr(thresholds, "status", lambda *a: statuses.append(1) or real_status(*a))
    assert sign(session, p, signers[0]).crossed == ()
    assert sign(session, p, signers[1]).crossed == ()
    assert statuses == []
    assert sign(session, p, signers[2]).crossed == (1,)
    assert statuses == [1]


def test_a_first_signature_below_every_tier_is_one_statement_committing_itself(session):
    # Each statement is a round trip on PostgreSQL, made while the proposal's row is
    # locked by the count: the insert, the count and the tally go as one WITH there,
    # which commits by itself, so no COMMIT round trip holds the row (issue 9). SQLite
    # runs the three in-process, in its write transaction.
    leeds = add_group(session, "Leeds")
    p = proposal(session, ruleset(threshold=50))
    (member_id,) = add_members(session, 1, group_id=leeds)
    session.commit()
    writes: list[tuple[str, bool]] = []

    def record(conn, _cursor, statement, *_args):
        verb = statement.lstrip().split(None, 1)[0].upper()
        if verb in {"INSERT", "UPDATE", "WITH"}:
            writes.append((verb, getattr(conn.connection.dbapi_connection, "autocommit", False)))

    engine = db.engine
    sqlalchemy_event.listen(engine, "before_cursor_execute", record)
    try:
        assert sign(session, p, member_id).count == 1
    finally:
        sqlalchemy_event.remove(engine, "before_cursor_execute", record)
    if engine.dialect.name == "postgresql":
        assert writes == [("WITH", True)]
    else:
        assert [verb for verb, _ in writes] == ["INSERT", "UPDATE", "INSERT"]
    assert thresholds.by_group(session, p.id) == {"Leeds": 1}
    assert session.get(Proposal, p.id).signature_count == 1


def test_the_signature_that_meets_a_tier_is_counted_and_claimed_together(session, monkeypatch):
    # I9: the count never meets a tier without its crossing. Below every tier a
    # signature may commit on its own (PostgreSQL); the one that can meet a tier is
    # counted in the transaction that claims it, so a failure before the claim loses both.
    p = proposal(session, ruleset(threshold=3))
    first, second, third = add_members(session, 3)
    sign(session, p, first)
    sign(session, p, second)

    def crash(*_args, **_kwargs):
        raise RuntimeError("the process died before the claim")

    monkeypatch.setattr(thresholds, "evaluate_tiers", crash)
    with pytest.raises(RuntimeError):
        sign(session, p, third)
    session.rollback()
    assert session.get(Proposal, p.id).signature_count == 2
    assert count(session, Signature, Signature.member_id == third) == 0
    assert count(session, ThresholdCrossing) == 0
