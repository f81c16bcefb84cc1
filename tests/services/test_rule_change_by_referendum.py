"""An entrenched rule changes only by the members: a rule-change proposal, its referendum, done."""

from dataclasses import replace
from datetime import timedelta
from fractions import Fraction

import pytest
from sqlalchemy import func, select

from deliberate.core.errors import NotFoundError, PhaseError, ValidationError
from deliberate.models import (
    Member,
    Proposal,
    ProposalState,
    Referendum,
    ReferendumState,
    Role,
    RoleGrant,
    RulebookVersion,
)
from deliberate.services import (
    amendment_drafting,
    counting,
    drafting,
    proposals,
    rulebook,
    signing,
    voting,
)
from tests.proposal_builders import NOW, add_members, author, ruleset

LOWERED = Fraction(5, 100)


def committee(session) -> Member:
    (member_id,) = add_members(session, 1, prefix="chair")
    session.add(RoleGrant(member_id=member_id, role=Role.COMMITTEE, granted_at=NOW))
    session.commit()
    return session.get(Member, member_id)


def versions(session) -> int:
    return session.scalar(select(func.count()).select_from(RulebookVersion))


def entrench_policy_quorum(session, chair):
    """The committee entrenches policy-motion's turnout quorum and sets quick rule-change rules."""
    current = rulebook.current_version(session, now=NOW)
    book = rulebook.rulebook_of(current)
    policy = replace(book.rulesets["policy-motion"], entrenched=frozenset({"vote.turnout_quorum"}))
    quick = replace(ruleset(threshold=2, co_sponsors=1, deliberation_days=1), name="Rule change")
    book = rulebook.with_kind(
        rulebook.with_kind(book, "policy-motion", policy), "rule-change", quick
    )
    rulebook.save_version(
        session, base_version=current.number, rulebook=book, reason="Entrench", actor=chair, now=NOW
    )
    return policy


def lowered(policy):
    return replace(policy, vote=replace(policy.vote, turnout_quorum=LOWERED))


def qualified_rule_change(session, policy) -> Proposal:
    """A member's rule-change proposal lowering the quorum, through co-sponsor and signatures."""
    by = author(session)
    draft = drafting.create_draft(
        session,
        author=by,
        kind="rule-change",
        title="Lower the policy-motion quorum",
        summary="Five per cent is enough.",
        body="Lower it.",
        local_group_id=None,
        now=NOW,
    )
    amendment_drafting.set_amendment(
        session,
        proposal_id=draft.id,
        author_id=by.id,
        kind="policy-motion",
        ruleset=lowered(policy),
        now=NOW,
    )
    p = drafting.register(session, proposal_id=draft.id, author_id=by.id, now=NOW)
    cosponsor, *signers = add_members(session, 3, prefix="backer")
    drafting.cosponsor(
        session, proposal_id=p.id, token=p.cosponsor_token, member_id=cosponsor, now=NOW
    )
    for member_id in signers:
        signing.sign(
            session, proposal_id=p.id, member_id=member_id, show_name=False, ip=None, now=NOW
        )
    p = session.get(Proposal, p.id)
    assert p.state == ProposalState.DELIBERATION
    return p


def open_by_itself(session, p) -> Referendum:
    assert proposals.advance_due(session, now=NOW + timedelta(days=2)) >= 1
    referendum = session.scalar(select(Referendum).where(Referendum.proposal_id == p.id))
    assert referendum is not None and referendum.state is ReferendumState.OPEN
    assert referendum.amendment_json is not None
    assert session.get(Proposal, p.id).state == ProposalState.VOTING
    return referendum


def vote_all(session, referendum, choice: str) -> None:
    voters = session.scalars(select(Member.id).where(Member.email.like("%@example.org")))
    for member_id in list(voters):
        voting.cast_ballot(
            session,
            referendum_id=referendum.public_id,
            member_id=member_id,
            choice=choice,
            now=NOW + timedelta(days=2, hours=1),
        )


def test_entrenched_quorum_changes_only_by_the_members_referendum(session):
    chair = committee(session)
    policy = entrench_policy_quorum(session, chair)
    book = rulebook.current_rulebook(session)
    with pytest.raises(PhaseError, match="members' referendum"):
        rulebook.save_version(
            session,
            base_version=rulebook.current_version(session).number,
            rulebook=rulebook.with_kind(book, "policy-motion", lowered(policy)),
            reason="Lower it ourselves",
            actor=chair,
            now=NOW,
        )
    session.rollback()
    p = qualified_rule_change(session, policy)
    changes = amendment_drafting.amendment_changes(session, p)
    assert [c.path for c in changes.changes] == ["policy-motion.vote.turnout_quorum"]
    assert changes.is_entrenched(changes.changes[0])
    referendum = open_by_itself(session, p)
    vote_all(session, referendum, "yes")
    before = versions(session)
    counting.close_and_count(session, referendum.public_id, referendum.closes_at)
    assert versions(session) == before + 1
    enacted = rulebook.current_version(session)
    assert enacted.enacted_by == f"referendum:{referendum.public_id}"
    in_force = rulebook.rulebook_of(enacted).rulesets["policy-motion"]
    assert in_force.vote.turnout_quorum == LOWERED
    assert session.get(Proposal, p.id).state == ProposalState.PASSED


def test_a_failed_referendum_enacts_nothing(session):
    policy = entrench_policy_quorum(session, committee(session))
    p = qualified_rule_change(session, policy)
    referendum = open_by_itself(session, p)
    vote_all(session, referendum, "no")
    before = versions(session)
    counting.close_and_count(session, referendum.public_id, referendum.closes_at)
    assert versions(session) == before
    assert session.get(Proposal, p.id).state == ProposalState.FAILED
    assert rulebook.current_rulebook(session).rulesets["policy-motion"].vote.turnout_quorum == (
        policy.vote.turnout_quorum
    )


def test_a_kind_without_a_vote_still_just_moves_to_voting(session):
    """The hook keeps the old behaviour when the frozen rules have no vote (defensive)."""
    chair = committee(session)
    entrench_policy_quorum(session, chair)
    by = author(session)
    draft = drafting.create_draft(
        session, author=by, kind="rule-change", title="T", summary="S", body="B",
        local_group_id=None, now=NOW,
    )  # fmt: skip
    p = session.get(Proposal, draft.id)
    p.state = ProposalState.DELIBERATION
    p.ruleset_json = None
    proposals.on_deliberation_over(session, p, now=NOW)
    assert p.state == ProposalState.VOTING
    assert session.scalar(select(Referendum).where(Referendum.proposal_id == p.id)) is None


def test_only_the_author_sets_the_amendment_only_while_editable_and_not_a_no_op(session):
    chair = committee(session)
    policy = entrench_policy_quorum(session, chair)
    by = author(session)
    draft = drafting.create_draft(
        session, author=by, kind="rule-change", title="T", summary="S", body="B",
        local_group_id=None, now=NOW,
    )  # fmt: skip
    args = {"proposal_id": draft.id, "kind": "policy-motion", "now": NOW}
    with pytest.raises(NotFoundError):
        amendment_drafting.set_amendment(
            session, author_id=chair.id, ruleset=lowered(policy), **args
        )
    session.rollback()
    with pytest.raises(ValidationError, match="changes no rule"):
        amendment_drafting.set_amendment(session, author_id=by.id, ruleset=policy, **args)
    session.rollback()
    campaign = drafting.create_draft(
        session, author=by, kind="campaign", title="C", summary="S", body="B",
        local_group_id=None, now=NOW,
    )  # fmt: skip
    with pytest.raises(PhaseError, match="rule-change"):
        amendment_drafting.set_amendment(
            session,
            author_id=by.id,
            ruleset=lowered(policy),
            **(args | {"proposal_id": campaign.id}),
        )
    session.rollback()
    p = qualified_rule_change(session, policy)
    with pytest.raises(PhaseError, match="frozen"):
        amendment_drafting.set_amendment(
            session, author_id=by.id, ruleset=lowered(policy), **(args | {"proposal_id": p.id})
        )


def test_enacting_an_amendment_leaves_the_committees_later_changes_to_other_kinds(session):
    chair = committee(session)
    policy = entrench_policy_quorum(session, chair)
    p = qualified_rule_change(session, policy)  # drafted against the rules of its day
    current = rulebook.current_version(session)
    campaign = rulebook.rulebook_of(current).rulesets["campaign"]
    longer = replace(campaign, collection_days=(campaign.collection_days or 30) + 30)
    rulebook.save_version(  # the committee changes another kind while the vote is pending
        session,
        base_version=current.number,
        rulebook=rulebook.with_kind(rulebook.rulebook_of(current), "campaign", longer),
        reason="Longer campaigns",
        actor=chair,
        now=NOW,
    )
    changes = amendment_drafting.amendment_changes(session, p)
    assert [c.path for c in changes.changes] == ["policy-motion.vote.turnout_quorum"]

    referendum = open_by_itself(session, p)
    assert referendum.amendment_kind == "policy-motion"
    vote_all(session, referendum, "yes")
    counting.close_and_count(session, referendum.public_id, referendum.closes_at)

    in_force = rulebook.current_rulebook(session).rulesets
    assert in_force["policy-motion"].vote.turnout_quorum == LOWERED  # what the members passed
    assert in_force["campaign"] == longer  # the committee's later change stands
