"""A signature's one read on PostgreSQL: the same facts as the member's and proposal's two."""

import pytest
from sqlalchemy import update

from deliberate.core.errors import NotFoundError
from deliberate.models import Member, Role, RoleGrant, Signature
from deliberate.services import signable_proposal, signature_read, signed_in
from deliberate.services.signature_bursts import BurstCheck, BurstLimits
from tests.proposal_builders import NOW, add_group, add_members, author, proposal, ruleset

LIMITS = BurstLimits(per_ip=20, per_domain=50)
OFFICE = "203.0.113.9"


@pytest.fixture(autouse=True)
def _postgresql_only(session):
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite reads in-process and keeps the two statements")


def _sign_rows(session, proposal_id: int, member_ids, *, ip: str, domain: str) -> None:
    session.execute(
        Signature.__table__.insert(),
        [
            {
                "proposal_id": proposal_id,
                "member_id": member_id,
                "is_name_public": True,
                "signed_at": NOW,
                "ip_address": ip,
                "email_domain": domain,
            }
            for member_id in member_ids
        ],
    )
    session.commit()


def _token(session, member_id: int) -> str:
    return session.get(Member, member_id).session_token


def _read(session, member_id: int, ref: str, ip: str = OFFICE):
    token = _token(session, member_id)
    return signature_read.read(session, token=token, ref=ref, ip=ip, now=NOW, limits=LIMITS)


def test_the_one_read_finds_what_the_two_find(session):
    leeds = add_group(session, "Leeds")
    add_members(session, 1, prefix="author", group_id=leeds)  # a Leeds proposal's author
    p = proposal(session, ruleset(threshold=100), local_group_id=leeds)
    earlier = add_members(session, 30, prefix="earlier")
    _sign_rows(session, p.id, earlier[:7], ip=OFFICE, domain="example.org")
    _sign_rows(session, p.id, earlier[7:], ip="198.51.100.1", domain="example.org")
    (signer_id,) = add_members(session, 1, group_id=leeds)

    found = _read(session, signer_id, p.public_id)

    burst = BurstCheck(ip=OFFICE, domain="example.org", now=NOW, limits=LIMITS)
    assert found.signer == signed_in.by_id(session, signer_id)
    assert found.burst == burst
    assert found.proposal == signable_proposal.by_id(session, p.id, burst=burst)
    assert (found.proposal.recent_from_ip, found.proposal.recent_from_domain) == (7, 30)
    assert found.proposal.local_group_name == "Leeds"


def test_no_member_for_the_token_is_nobody_and_no_proposal_is_none(session):
    p = proposal(session, ruleset(threshold=100))
    (signer_id,) = add_members(session, 1)

    nobody = signature_read.read(
        session, token="no-such-token", ref=p.public_id, ip=OFFICE, now=NOW, limits=LIMITS
    )
    missing = _read(session, signer_id, "NOSUCHREF")

    assert nobody is None
    assert missing.signer.id == signer_id and missing.proposal is None
    with pytest.raises(NotFoundError):
        signable_proposal.visible(missing.proposal, signer_id)


def test_a_draft_is_read_but_visible_only_to_its_author(session):
    drafter = author(session)
    draft = proposal(session, ruleset(threshold=100), by=drafter, register=False)
    (other_id,) = add_members(session, 1)

    mine = _read(session, drafter.id, draft.public_id)
    theirs = _read(session, other_id, draft.public_id)

    assert signable_proposal.visible(mine.proposal, drafter.id).id == draft.id
    with pytest.raises(NotFoundError):
        signable_proposal.visible(theirs.proposal, other_id)


def test_a_member_with_roles_is_one_member_and_one_proposal(session):
    p = proposal(session, ruleset(threshold=100))
    (chair_id,) = add_members(session, 1, prefix="chair")
    session.add_all(
        RoleGrant(member_id=chair_id, role=role, granted_at=NOW)
        for role in (Role.COMMITTEE, Role.MODERATOR, Role.AUDITOR)
    )
    session.commit()

    found = _read(session, chair_id, p.public_id)  # three rows, one per role

    assert found.signer == signed_in.by_id(session, chair_id)
    assert found.signer.roles == frozenset({Role.COMMITTEE, Role.MODERATOR, Role.AUDITOR})
    assert found.proposal.id == p.id


def test_an_email_stored_unnormalised_is_counted_under_the_domain_signing_stores(session):
    # signing.email_domain lower-cases what it stores; SQL's split of an address stored
    # in capitals would count nothing, so the read counts again as signing would.
    p = proposal(session, ruleset(threshold=100))
    earlier = add_members(session, 4, prefix="earlier")
    _sign_rows(session, p.id, earlier, ip="198.51.100.1", domain="shouting.example")
    (signer_id,) = add_members(session, 1)
    session.execute(
        update(Member).where(Member.id == signer_id).values(email="Loud@SHOUTING.Example")
    )
    session.commit()

    found = _read(session, signer_id, p.public_id)

    assert found.burst.domain == "shouting.example"
    assert found.proposal.recent_from_domain == 4
