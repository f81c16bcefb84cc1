"""The signed-in member and the signed proposal as plain rows: the same facts as the ORM."""

import dataclasses

import pytest

from deliberate.core.errors import NotFoundError
from deliberate.extensions import db
from deliberate.models import Member, MembershipStatus, Proposal, ProposalState, Role, RoleGrant
from deliberate.services import proposals, signable_proposal, signed_in
from tests.proposal_builders import NOW, add_group, add_members, author, proposal, ruleset


def test_a_member_with_two_roles_and_a_group_is_one_row_with_both(session):
    leeds = add_group(session, "Leeds")
    (member_id,) = add_members(session, 1, group_id=leeds)
    session.add_all(
        [
            RoleGrant(member_id=member_id, role=Role.COMMITTEE, granted_at=NOW),
            RoleGrant(member_id=member_id, role=Role.MODERATOR, granted_at=NOW),
        ]
    )
    session.commit()
    orm = session.get(Member, member_id)

    row = signed_in.by_session_token(session, orm.session_token)

    assert row == signed_in.by_id(session, member_id)
    assert row.roles == frozenset({Role.COMMITTEE, Role.MODERATOR}) == orm.roles
    assert (row.id, row.public_id, row.email, row.display_name) == (
        orm.id,
        orm.public_id,
        orm.email,
        orm.display_name,
    )
    assert (row.local_group_id, row.local_group_name) == (leeds, "Leeds")
    assert (row.status, row.joined_on, row.is_verified) == (orm.status, orm.joined_on, True)
    assert row.has_two_factor is False and row.get_id() == orm.session_token


def test_a_plain_member_has_no_roles_and_no_group(session):
    (member_id,) = add_members(session, 1, status=MembershipStatus.EXPELLED)

    row = signed_in.by_id(session, member_id)

    assert row.roles == frozenset() and row.local_group_name is None
    assert row.is_authenticated and not row.is_anonymous and not row.is_active


def test_an_unknown_or_rotated_session_token_finds_nobody(session):
    (member_id,) = add_members(session, 1)
    member = session.get(Member, member_id)
    old_token = member.session_token
    member.session_token = "rotated-" + old_token[:20]
    session.commit()

    assert signed_in.by_session_token(session, old_token) is None
    assert signed_in.by_session_token(session, "") is None
    assert signed_in.by_session_token(session, member.session_token).id == member_id


def test_the_row_cannot_be_changed_in_place(session):
    (member_id,) = add_members(session, 1)
    row = signed_in.by_id(session, member_id)
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.display_name = "Someone else"


def test_a_signable_proposal_reads_what_the_orm_proposal_has(session):
    york = add_group(session, "York")
    (yorker,) = add_members(session, 1, prefix="yorker", group_id=york)
    p = proposal(
        session, ruleset(threshold=50), by=session.get(Member, yorker), local_group_id=york
    )

    row = signable_proposal.by_ref(session, p.public_id, viewer_id=None)

    assert row == signable_proposal.by_id(session, p.id)
    for field in dataclasses.fields(row):
        if field.name.startswith("recent_from_"):  # read only for a signer's burst check
            assert getattr(row, field.name) is None, field.name
            continue
        assert getattr(row, field.name) == getattr(p, field.name), field.name
    assert row.local_group_name == "York" and row.state is ProposalState.COLLECTING
    assert proposals.is_due(row, NOW) is proposals.is_due(p, NOW) is False
    late = p.collection_closes_at
    assert proposals.is_due(row, late) is proposals.is_due(p, late) is True


def test_a_draft_is_signable_for_nobody_but_its_author_to_see(session):
    by = author(session, "drafter")
    draft = proposal(session, ruleset(threshold=50), by=by, register=False)
    assert draft.state is ProposalState.DRAFT

    assert signable_proposal.by_ref(session, draft.public_id, viewer_id=by.id).id == draft.id
    with pytest.raises(NotFoundError):
        signable_proposal.by_ref(session, draft.public_id, viewer_id=None)
    with pytest.raises(NotFoundError):
        signable_proposal.by_ref(session, "no-such-ref", viewer_id=by.id)
    with pytest.raises(NotFoundError):
        signable_proposal.by_id(session, db.session.query(Proposal).count() + 100)
