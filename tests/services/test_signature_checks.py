"""Stored counts are reconciled with the rows; invalidation previews what it then applies."""

import pytest
from sqlalchemy import func, select, update

from deliberate.core.errors import ConflictError, ValidationError
from deliberate.core.rules import Consequence, Threshold, Tier
from deliberate.models import AuditEntry, Member, Proposal, Signature, SignatureTally
from deliberate.services import signature_checks, signing, thresholds
from deliberate.services.signature_checks import Condition
from tests.proposal_builders import NOW, add_group, add_members, proposal, ruleset


def signed(session, p, count: int, *, ip="192.0.2.1", prefix="signer", group_id=None):
    for member_id in add_members(session, count, prefix=prefix, group_id=group_id):
        signing.sign(
            session, proposal_id=p.id, member_id=member_id, show_name=False, ip=ip, now=NOW
        )


def audit(session, action: str) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_reconcile_reports_drift_in_the_count_and_the_tally_then_fixes_it(session):
    leeds = add_group(session, "Leeds")
    p = proposal(session, ruleset(threshold=100))
    signed(session, p, 4, group_id=leeds)
    assert signature_checks.find_drift(session) == []
    session.execute(update(Proposal).where(Proposal.id == p.id).values(signature_count=9))
    session.execute(update(SignatureTally).values(group_key=0))  # the tally lost its group
    session.commit()
    (drift,) = signature_checks.reconcile(session, fix=False, now=NOW)
    assert (drift.stored, drift.actual) == (9, 4)
    assert session.get(Proposal, p.id).signature_count == 9  # a report changes nothing
    signature_checks.reconcile(session, fix=True, now=NOW)
    assert session.get(Proposal, p.id).signature_count == 4
    assert thresholds.by_group(session, p.id) == {"Leeds": 4}
    assert signature_checks.find_drift(session) == []
    (entry,) = audit(session, "signatures.reconciled")
    assert '"stored":9' in entry.payload_json


def test_reconcile_fires_a_threshold_the_drift_had_hidden(session):
    p = proposal(session, ruleset(threshold=3))
    signed(session, p, 2)
    session.add(Signature(proposal_id=p.id, member_id=session.scalar(select(Member.id).where(
        Member.email == "author.0@example.org")), signed_at=NOW))  # fmt: skip
    session.commit()
    signature_checks.reconcile(session, fix=True, now=NOW)
    assert len(audit(session, "proposal.threshold_crossed")) == 1


def test_invalidation_applies_exactly_the_previewed_count_and_recounts(session):
    rules = ruleset(
        tiers=(
            Tier(Threshold(count=5), Consequence.COMMITTEE_MUST_CONSIDER),
            Tier(Threshold(count=50), Consequence.QUALIFIES_FOR_VOTE),
        )
    )
    p = proposal(session, rules)
    signed(session, p, 6, ip="203.0.113.9", prefix="bot")
    signed(session, p, 3, ip="198.51.100.7", prefix="human")
    condition = Condition("ip", "203.0.113.9", p.id)
    assert signature_checks.preview(session, condition) == 6
    chair = session.scalar(select(Member).where(Member.email == "human.0@example.org"))
    result = signature_checks.invalidate(
        session, condition=condition, reason="Bot farm", expected=6, actor=chair, now=NOW
    )
    assert result.count == 6
    assert session.get(Proposal, p.id).signature_count == 3
    assert sum(session.scalars(select(SignatureTally.count))) == 3
    assert result.tiers_no_longer_met == (f"{p.public_id} tier 1",)
    (entry,) = audit(session, "signatures.invalidated")
    assert '"count":6' in entry.payload_json and "Bot farm" in entry.payload_json
    assert signature_checks.preview(session, condition) == 0


def test_invalidation_refuses_when_the_count_changed_since_the_preview(session):
    p = proposal(session, ruleset(threshold=50))
    signed(session, p, 2, ip="203.0.113.9")
    chair = session.scalar(select(Member).where(Member.email == "signer.0@example.org"))
    with pytest.raises(ConflictError, match="2 signatures match now, not 1"):
        signature_checks.invalidate(
            session, condition=Condition("ip", "203.0.113.9"), reason="x", expected=1,
            actor=chair, now=NOW,
        )  # fmt: skip
    session.rollback()
    with pytest.raises(ValidationError, match="reason"):
        signature_checks.invalidate(
            session, condition=Condition("ip", "203.0.113.9"), reason="", expected=2,
            actor=chair, now=NOW,
        )  # fmt: skip
    session.rollback()
    invalid = session.scalar(
        select(func.count()).select_from(Signature).where(Signature.invalidated_at.is_not(None))
    )
    assert invalid == 0


def test_bursts_list_shared_addresses_and_domains(session):
    p = proposal(session, ruleset(threshold=50))
    signed(session, p, 4, ip="203.0.113.9")
    by_ip, by_domain = signature_checks.bursts(session, now=NOW)
    assert [(b.value, b.signatures) for b in by_ip] == [("203.0.113.9", 4)]
    assert [(b.value, b.signatures) for b in by_domain] == [("example.org", 4)]
