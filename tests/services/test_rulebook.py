"""Rulebook versions: seeding, append-only saves under concurrency, amendments, feasibility."""

from dataclasses import replace
from datetime import UTC, datetime
from fractions import Fraction

import pytest
from sqlalchemy import select

from deliberate.core.errors import ConflictError, PhaseError, ValidationError
from deliberate.core.rules import History, PastProposal, PastReferendum, presets
from deliberate.models import AuditEntry, LocalGroup, Member, MembershipStatus, Role
from deliberate.services import rulebook as rules
from deliberate.services import rulebook_feasibility
from tests.conftest import make_member

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def chair(app, session):
    make_member(app, "chair@example.org", name="Chair", roles=(Role.COMMITTEE,))
    return session.scalar(select(Member).where(Member.email == "chair@example.org"))


def _with_campaign(session, ruleset):
    return rules.with_kind(rules.current_rulebook(session), "campaign", ruleset)


def test_first_read_seeds_version_one_from_the_defaults(session):
    version = rules.current_version(session, now=NOW)
    assert (version.number, version.author_id, version.reason) == (1, None, "Initial rulebook")
    book = rules.current_rulebook(session)
    assert set(book.rulesets) == {"campaign", "policy-motion", "rule-change"}
    campaign = book.rulesets["campaign"]
    assert campaign.co_sponsors == 3 and campaign.collection_days == 90
    assert campaign.tiers[0].threshold.share == Fraction(2, 100)
    assert campaign.vote.turnout_quorum == Fraction(1, 5)
    assert rules.current_version(session).number == 1  # seeded once


def test_the_unique_number_makes_a_stale_save_fail(session, chair, monkeypatch):
    first = rules.current_version(session, now=NOW)
    rules.save_version(
        session,
        base_version=1,
        actor=chair,
        now=NOW,
        reason="First",
        rulebook=_with_campaign(session, presets.madrid_consul()),
    )
    # Simulate the race: the second writer read version 1 just before the first committed.
    monkeypatch.setattr(rules, "current_version", lambda s, now=None: first)
    with pytest.raises(ConflictError, match="now version 2"):
        rules.save_version(
            session,
            base_version=1,
            actor=chair,
            now=NOW,
            reason="Second",
            rulebook=_with_campaign(session, presets.momentum_2017()),
        )
    monkeypatch.undo()
    assert [v.number for v in rules.versions(session)] == [2, 1]
    assert rules.current_rulebook(session).rulesets["campaign"] == presets.madrid_consul()


def test_entrenched_rule_changes_only_by_enacted_amendment(session, chair):
    rules.current_version(session, now=NOW)
    entrenched = replace(presets.momentum_2017(), entrenched=frozenset({"vote.turnout_quorum"}))
    rules.save_version(
        session,
        base_version=1,
        actor=chair,
        now=NOW,
        reason="Entrench",
        rulebook=_with_campaign(session, entrenched),
    )
    lowered = replace(entrenched, vote=replace(entrenched.vote, turnout_quorum=Fraction(1, 10)))
    with pytest.raises(PhaseError, match="members' referendum"):
        rules.save_version(
            session,
            base_version=2,
            actor=chair,
            now=NOW,
            reason="Lower",
            rulebook=_with_campaign(session, lowered),
        )
    version = rules.enact_amendment(
        session, rulebook=_with_campaign(session, lowered), referendum_ref="referendum:42", now=NOW
    )
    assert (version.number, version.enacted_by, version.author_id) == (3, "referendum:42", None)
    assert rules.current_rulebook(session).rulesets["campaign"].vote.turnout_quorum == Fraction(
        1, 10
    )
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)).all()
    assert actions[-1] == "rulebook.amendment_enacted"


def test_save_needs_a_reason(session, chair):
    rules.current_version(session, now=NOW)
    with pytest.raises(ValidationError) as caught:
        rules.save_version(
            session,
            base_version=1,
            actor=chair,
            now=NOW,
            reason="  ",
            rulebook=_with_campaign(session, presets.madrid_consul()),
        )
    assert caught.value.field == "reason"


def test_version_diff_compares_with_the_previous_version(session, chair):
    rules.current_version(session, now=NOW)
    rules.save_version(
        session,
        base_version=1,
        actor=chair,
        now=NOW,
        reason="Madrid",
        rulebook=_with_campaign(session, presets.madrid_consul()),
    )
    paths = {change.path for change in rules.version_diff(session, 2)}
    assert "campaign.vote.deliberation_days" in paths
    assert not any(path.startswith("policy-motion") for path in paths)
    assert len(rules.version_diff(session, 1)) > 30  # every rule of version 1 is new


def test_feasibility_replays_the_organisations_history(app, session, monkeypatch):
    leeds = LocalGroup(slug="leeds", name="Leeds")
    session.add(leeds)
    session.flush()
    leeds_id = leeds.id
    session.commit()  # release SQLite's write lock before make_member's own session writes
    for n in range(4):
        make_member(app, f"m{n}@example.org", group_id=leeds_id)
    make_member(app, "gone@example.org", status=MembershipStatus.LAPSED)
    assert rules.electorate(session) == (4, {"Leeds": 4})
    assert (
        "No past proposals yet"
        in rulebook_feasibility.feasibility(session, presets.madrid_consul()).sentences[0]
    )
    history = History(
        proposals=(PastProposal(signatures=1, days=10),),
        referendums=(PastReferendum(electorate=4, yes=2, no=1, abstain=0),),
    )
    monkeypatch.setattr(rulebook_feasibility, "organisation_history", lambda s: history)
    result = rulebook_feasibility.feasibility(session, presets.madrid_consul())
    assert result.tiers[0].proposals_qualified == 1  # 1% of 4 members rounds up to 1
    assert result.referendums_passed == 1
