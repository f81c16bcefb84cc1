"""Proposals move through their life by action and by deadline, each step on the timeline."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from deliberate.core.errors import ConflictError, NotFoundError, PhaseError, ValidationError
from deliberate.core.rules import Admission, ruleset_hash
from deliberate.models import (
    AuditEntry,
    Member,
    Notification,
    NotificationPreference,
    OutboxMessage,
    Proposal,
    ProposalState,
    ProposalTextVersion,
    ProposalTransition,
    Role,
    RoleGrant,
)
from deliberate.services import (
    committee_gate,
    drafting,
    notifications,
    proposals,
    rulebook,
    rulebook_feasibility,
    signing,
)
from tests.proposal_builders import NOW, add_members, author, proposal, ruleset, use_rules


def states(session, p) -> list[str]:
    return [
        t.to_state.value
        for t in session.scalars(
            select(ProposalTransition)
            .where(ProposalTransition.proposal_id == p.id)
            .order_by(ProposalTransition.id)
        )
    ]


def actions(session) -> list[str]:
    return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


def committee(session) -> Member:
    (member_id,) = add_members(session, 1, prefix="chair")
    session.add(RoleGrant(member_id=member_id, role=Role.COMMITTEE, granted_at=NOW))
    session.commit()
    return session.get(Member, member_id)


def test_registration_freezes_the_kinds_rules_with_version_and_hash(session):
    rules = ruleset(threshold=7, co_sponsors=2)
    p = proposal(session, rules)
    assert p.state == ProposalState.SEEKING_COSPONSORS
    assert p.ruleset_hash == ruleset_hash(rules)
    assert p.rulebook_version_id == rulebook.current_version(session).id
    use_rules(session, ruleset(threshold=700))  # a later rulebook does not touch it
    assert proposals.frozen_ruleset(session.get(Proposal, p.id)).tiers[0].threshold.count == 7


def test_cosponsors_then_signatures_then_qualified_then_deliberation(session):
    p = proposal(session, ruleset(threshold=3, co_sponsors=2))
    first, second, *signers = add_members(session, 5)
    for member_id in (first, second):
        drafting.cosponsor(
            session, proposal_id=p.id, token=p.cosponsor_token, member_id=member_id, now=NOW
        )
    assert session.get(Proposal, p.id).state == ProposalState.COLLECTING
    for member_id in signers:
        signing.sign(
            session, proposal_id=p.id, member_id=member_id, show_name=True, ip=None, now=NOW
        )
    assert states(session, p) == [
        "draft", "seeking_cosponsors", "collecting", "qualified", "deliberation",
    ]  # fmt: skip


def test_cosponsoring_twice_or_with_a_wrong_token_changes_nothing(session):
    p = proposal(session, ruleset(co_sponsors=3))
    (member_id,) = add_members(session, 1)
    drafting.cosponsor(
        session, proposal_id=p.id, token=p.cosponsor_token, member_id=member_id, now=NOW
    )
    with pytest.raises(ConflictError):
        drafting.cosponsor(
            session, proposal_id=p.id, token=p.cosponsor_token, member_id=member_id, now=NOW
        )
    session.rollback()
    with pytest.raises(Exception, match="not valid"):
        drafting.cosponsor(session, proposal_id=p.id, token="guess", member_id=member_id, now=NOW)
    session.rollback()
    assert drafting.cosponsor_count(session, p.id) == 1


def test_text_is_versioned_until_signatures_open_then_frozen(session):
    p = proposal(session, ruleset(co_sponsors=1))
    by = author(session)
    drafting.edit(
        session,
        proposal_id=p.id,
        author_id=by.id,
        title="Even more bike racks",
        summary=p.summary,
        body="Version two",
        local_group_id=None,
        now=NOW,
    )
    (member_id,) = add_members(session, 1)
    drafting.cosponsor(
        session, proposal_id=p.id, token=p.cosponsor_token, member_id=member_id, now=NOW
    )
    with pytest.raises(PhaseError, match="frozen"):
        drafting.edit(
            session,
            proposal_id=p.id,
            author_id=by.id,
            title="Sneaky change",
            summary=p.summary,
            body="Version three",
            local_group_id=None,
            now=NOW,
        )
    session.rollback()
    titles = session.scalars(select(ProposalTextVersion.title).order_by(ProposalTextVersion.number))
    assert list(titles) == ["More bike racks", "Even more bike racks"]


def test_only_the_author_edits_and_bad_input_is_refused_by_field(session):
    p = proposal(session, ruleset(co_sponsors=1))
    (other,) = add_members(session, 1)
    with pytest.raises(NotFoundError, match="author"):
        drafting.edit(
            session, proposal_id=p.id, author_id=other, title="x", summary="y", body="z",
            local_group_id=None, now=NOW,
        )  # fmt: skip
    session.rollback()
    with pytest.raises(ValidationError) as error:
        drafting.create_draft(
            session, author=author(session), kind="campaign", title="  ", summary="s", body="b",
            local_group_id=None, now=NOW,
        )  # fmt: skip
    assert error.value.field == "title"


def test_collection_deadline_lapses_the_proposal_by_tick_and_notifies(session):
    p = proposal(session, ruleset(threshold=10, collection_days=30))
    (member_id,) = add_members(session, 1)
    signing.sign(session, proposal_id=p.id, member_id=member_id, show_name=False, ip=None, now=NOW)
    assert proposals.advance_due(session, now=NOW + timedelta(days=29)) == 0
    assert proposals.advance_due(session, now=NOW + timedelta(days=30)) == 1
    assert session.get(Proposal, p.id).state == ProposalState.LAPSED
    kinds = set(session.scalars(select(Notification.kind)))
    assert {"own_lapsed", "signed_closed"} <= kinds


def test_reading_a_proposal_after_its_deadline_moves_it_on(session):
    p = proposal(session, ruleset(threshold=10, collection_days=5))
    assert proposals.advance_if_due(session, p, NOW + timedelta(days=4)) is False
    assert proposals.advance_if_due(session, p, NOW + timedelta(days=5)) is True
    assert session.get(Proposal, p.id).state == ProposalState.LAPSED


def test_deliberation_end_opens_voting_through_the_hook(session):
    p = proposal(session, ruleset(threshold=1, deliberation_days=3))
    (member_id,) = add_members(session, 1)
    signing.sign(session, proposal_id=p.id, member_id=member_id, show_name=False, ip=None, now=NOW)
    assert proposals.advance_due(session, now=NOW + timedelta(days=3)) == 1
    assert states(session, p)[-2:] == ["deliberation", "voting"]


def test_committee_admits_or_rejects_with_a_public_reason_and_both_are_audited(session):
    chair = committee(session)
    gated = ruleset(admission=Admission(is_required=True))
    first = proposal(session, gated)
    second = proposal(session, title="Second")
    committee_gate.admit(session, proposal_id=first.id, actor=chair, now=NOW)
    with pytest.raises(ValidationError, match="reason"):
        committee_gate.reject(session, proposal_id=second.id, reason=" ", actor=chair, now=NOW)
    session.rollback()
    committee_gate.reject(
        session, proposal_id=second.id, reason="Outside our aims", actor=chair, now=NOW
    )
    assert session.get(Proposal, first.id).state == ProposalState.COLLECTING
    rejected = session.get(Proposal, second.id)
    assert rejected.state == ProposalState.REJECTED
    assert rejected.rejection_reason == "Outside our aims"
    assert actions(session)[-2:] == ["proposal.admitted", "proposal.rejected"]
    with pytest.raises(PhaseError):
        committee_gate.admit(session, proposal_id=second.id, actor=chair, now=NOW)


def test_committee_silence_admits_when_the_rules_say_so(session):
    p = proposal(session, ruleset(admission=Admission(is_required=True, silence_days=7)))
    proposals.advance_due(session, now=NOW + timedelta(days=7))
    assert session.get(Proposal, p.id).state == ProposalState.COLLECTING
    assert "proposal.admitted_by_silence" in actions(session)


def test_silence_escalates_once_when_the_committee_must_decide(session):
    chair = committee(session)
    p = proposal(session, ruleset(admission=Admission(is_required=True)))
    for days in (14, 15, 16):
        proposals.advance_due(session, now=NOW + timedelta(days=days))
    assert session.get(Proposal, p.id).state == ProposalState.AWAITING_COMMITTEE
    assert actions(session).count("proposal.gate_overdue") == 1
    texts = session.scalars(select(Notification.text).where(Notification.member_id == chair.id))
    assert sum("Overdue" in text for text in texts) == 1


def test_author_withdraws_before_qualifying_but_not_after(session):
    p = proposal(session, ruleset(threshold=1))
    by = author(session)
    (member_id,) = add_members(session, 1)
    signing.sign(session, proposal_id=p.id, member_id=member_id, show_name=False, ip=None, now=NOW)
    with pytest.raises(PhaseError):
        proposals.withdraw(session, proposal_id=p.id, author_id=by.id, now=NOW)
    session.rollback()
    other = proposal(session, title="Other")
    proposals.withdraw(session, proposal_id=other.id, author_id=by.id, now=NOW)
    assert session.get(Proposal, other.id).state == ProposalState.WITHDRAWN


def test_member_preferences_decide_app_and_email_notices(session):
    p = proposal(session, ruleset(co_sponsors=1))
    (member_id,) = add_members(session, 1, prefix="invitee")
    notifications.save_preferences(
        session, member_id=member_id, choices={"cosponsor_invitation": (True, False)}
    )
    before = session.scalar(select(func.count()).select_from(OutboxMessage))
    drafting.invite(
        session, proposal_id=p.id, author_id=author(session).id, emails="invitee.0@example.org",
        now=NOW,
    )  # fmt: skip
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == before
    (notice,) = session.scalars(select(Notification).where(Notification.member_id == member_id))
    assert notice.link.endswith(f"/cosponsor/{p.cosponsor_token}")
    assert session.scalar(select(func.count()).select_from(NotificationPreference)) > 1


def test_organisation_history_counts_finished_proposals(session):
    p = proposal(session, ruleset(threshold=2, collection_days=10))
    for member_id in add_members(session, 2):
        signing.sign(
            session, proposal_id=p.id, member_id=member_id, show_name=False, ip=None, now=NOW
        )
    proposal(session, title="Still collecting")
    history = rulebook_feasibility.organisation_history(session)
    assert [(past.signatures, past.days) for past in history.proposals] == [(2, 1)]
