"""Small builders for proposal tests: rules in force, members in bulk, proposals at a stage."""

from datetime import UTC, datetime, timedelta
from fractions import Fraction

from sqlalchemy import insert, select

from deliberate.core.rules import (
    Admission,
    Consequence,
    Eligibility,
    Majority,
    Rulebook,
    RuleSet,
    Threshold,
    Tier,
    VoteRules,
    canonical_json,
    rulebook_hash,
)
from deliberate.extensions import db
from deliberate.models import LocalGroup, Member, MembershipStatus, Proposal, RulebookVersion
from deliberate.models.member import new_public_id, new_session_token
from deliberate.services import drafting, rulebook
from tests.conftest import _PASSWORD_HASH

NOW = datetime.now(UTC).replace(microsecond=0)


def ruleset(
    *,
    threshold: int = 5,
    co_sponsors: int = 0,
    admission: Admission | None = None,
    collection_days: int | None = 30,
    vote: bool = True,
    tiers: tuple[Tier, ...] | None = None,
    eligibility: Eligibility | None = None,
    deliberation_days: int = 14,
) -> RuleSet:
    """A compact rule set: one vote tier of ``threshold`` signatures unless tiers are given."""
    consequence = Consequence.QUALIFIES_FOR_VOTE if vote else Consequence.COMMITTEE_MUST_RESPOND
    return RuleSet(
        name="Test campaign",
        co_sponsors=co_sponsors,
        admission=admission or Admission(),
        collection_days=collection_days,
        tiers=tiers or (Tier(Threshold(count=threshold), consequence),),
        vote=VoteRules(
            majority=Majority(Fraction(1, 2)),
            deliberation_days=deliberation_days,
            voting_days=7,
        )
        if vote or (tiers and any(t.consequence.leads_to_vote for t in tiers))
        else None,
        eligibility=eligibility or Eligibility(),
    )


def use_rules(session, rules: RuleSet, kind: str = "campaign") -> None:
    """Put ``rules`` in force for ``kind`` as the next rulebook version."""
    current = rulebook.current_version(session)
    book = Rulebook({**rulebook.rulebook_of(current).rulesets, kind: rules})
    session.add(
        RulebookVersion(
            number=current.number + 1,
            content_json=canonical_json(book),
            content_hash=rulebook_hash(book),
            reason="test rules",
            created_at=NOW,
        )
    )
    session.commit()


def add_group(session, name: str) -> int:
    group = LocalGroup(name=name, slug=name.lower().replace(" ", "-"))
    session.add(group)
    session.commit()
    return group.id


def add_members(
    session,
    count: int,
    *,
    prefix: str = "signer",
    group_id: int | None = None,
    joined_days_ago: int = 400,
    status: MembershipStatus = MembershipStatus.ACTIVE,
) -> list[int]:
    """Insert ``count`` verified members in one statement; returns their ids."""
    joined = (NOW - timedelta(days=joined_days_ago)).date()
    rows = [
        {
            "public_id": new_public_id(),
            "email": f"{prefix}.{n}@example.org",
            "display_name": f"{prefix.title()} {n}",
            "password_hash": _PASSWORD_HASH,
            "session_token": new_session_token(),
            "email_verified_at": NOW,
            "declaration_accepted_at": NOW,
            "local_group_id": group_id,
            "joined_on": joined,
            "status": status,
            "created_at": NOW,
        }
        for n in range(count)
    ]
    session.execute(insert(Member), rows)
    session.commit()
    return list(
        session.scalars(
            select(Member.id)
            .where(Member.email.like(f"{prefix}.%@example.org"))
            .order_by(Member.id)
        )
    )


def author(session, prefix: str = "author") -> Member:
    """The proposals' author: one member, created on first use."""
    member = session.scalar(select(Member).where(Member.email == f"{prefix}.0@example.org"))
    if member is None:
        (member_id,) = add_members(session, 1, prefix=prefix)
        member = session.get(Member, member_id)
    return member


def proposal(
    session,
    rules: RuleSet | None = None,
    *,
    by: Member | None = None,
    now: datetime = NOW,
    title: str = "More bike racks",
    local_group_id: int | None = None,
    register: bool = True,
) -> Proposal:
    """A proposal under ``rules`` (registered, so collecting when the rules allow)."""
    if rules is not None:
        use_rules(session, rules)
    by = by or author(session)
    draft = drafting.create_draft(
        session,
        author=by,
        kind="campaign",
        title=title,
        summary="Racks at every station.",
        body="We want **racks**.",
        local_group_id=local_group_id,
        now=now,
    )
    if register:
        drafting.register(session, proposal_id=draft.id, author_id=by.id, now=now)
    return session.get(Proposal, draft.id)


def proposal_fixture(app) -> dict:
    """For the permission matrix: a collecting proposal whose author is none of the roles."""
    cached = app.extensions.get("test_proposal_fixture")
    if cached:
        return cached
    with app.app_context():
        p = proposal(db.session, ruleset(threshold=1000), by=author(db.session, "fixtureauthor"))
        cached = {"ref": p.public_id}
    app.extensions["test_proposal_fixture"] = cached
    return cached
