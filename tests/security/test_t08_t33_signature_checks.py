"""T08: drift raises an alert in the log. T33: invalidation in batches, cancelled, undone.

T08. ``reconcile`` logs one WARNING naming every drifted proposal with its stored and
recounted numbers, and stays quiet when nothing drifted.

T33. 30 signatures from one address are invalidated by IP in batches (oldest first):
after each batch the stored count and tallies equal the rows (I3), the batch is one
audit entry with the reason and what still matches, and a batch confirmed against a
stale preview does nothing. Stopping between batches is the cancel: what was done stays
complete and consistent. A batch made by mistake is restored: its signatures count
again, a tier they now meet is crossed once (I9), and the restore is audited.
"""

import json
import logging

import pytest
from sqlalchemy import func, select, update

from deliberate.core.errors import ConflictError, NotFoundError, ValidationError
from deliberate.core.rules import Consequence, Threshold, Tier
from deliberate.extensions import db
from deliberate.models import (
    AuditEntry,
    Member,
    Proposal,
    Role,
    RoleGrant,
    Signature,
    ThresholdCrossing,
)
from deliberate.services import invariants, signature_checks, signature_invalidations, signing
from deliberate.services.signature_checks import Condition
from tests.conftest import AuthActions, csrf_from
from tests.proposal_builders import NOW, add_members, proposal, ruleset

BOT_IP, HOME_IP = "203.0.113.9", "198.51.100.7"
BY_BOT_IP = Condition("ip", BOT_IP)


def signed(session, p, count: int, *, ip: str, prefix: str) -> list[int]:
    ids = add_members(session, count, prefix=prefix)
    for member_id in ids:
        signing.sign(
            session, proposal_id=p.id, member_id=member_id, show_name=False, ip=ip, now=NOW
        )
    return ids


def audit(session, action: str) -> list[dict]:
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
    )
    return [json.loads(entry.payload_json) | {"seq": entry.seq} for entry in entries]


def counted(session, p) -> int:
    session.expire_all()
    return session.get(Proposal, p.id).signature_count


def holds(session) -> dict[str, list[str]]:
    return {name: problems for name, problems in invariants.check_all(session).checks if problems}


def chair(session) -> Member:
    (member_id,) = add_members(session, 1, prefix="chair")
    return session.get(Member, member_id)


# --- T08 -----------------------------------------------------------------------------


def test_reconcile_alerts_in_the_log_naming_each_drifted_proposal(session, caplog):
    p = proposal(session, ruleset(threshold=100))
    signed(session, p, 4, ip=HOME_IP, prefix="signer")
    caplog.set_level(logging.WARNING, logger="deliberate.services.signature_checks")
    signature_checks.reconcile(session, fix=False, now=NOW)
    assert [r for r in caplog.records if r.name == "deliberate.services.signature_checks"] == []

    session.execute(update(Proposal).where(Proposal.id == p.id).values(signature_count=9))
    session.commit()
    signature_checks.reconcile(session, fix=True, now=NOW)
    (alert,) = [r for r in caplog.records if r.name == "deliberate.services.signature_checks"]
    assert alert.levelno == logging.WARNING
    text = alert.getMessage()
    assert text.startswith("signature count drift on 1 proposal(s): ")
    assert f"proposal='{p.public_id}', stored=9, actual=4, tally=4" in text
    assert counted(session, p) == 4  # and the fix that followed the alert


# --- T33: batches and cancelling -----------------------------------------------------


def invalidate(session, actor, *, expected: int, batch_size: int, reason: str = "Bot farm"):
    return signature_checks.invalidate(
        session, condition=BY_BOT_IP, reason=reason, expected=expected, actor=actor, now=NOW,
        batch_size=batch_size,
    )  # fmt: skip


def test_thirty_from_one_address_are_invalidated_in_batches_each_complete_and_audited(session):
    p = proposal(session, ruleset(threshold=100))
    bots = signed(session, p, 30, ip=BOT_IP, prefix="bot")
    signed(session, p, 5, ip=HOME_IP, prefix="human")
    actor = chair(session)
    done = []
    for expected, (count, remaining) in zip((30, 18, 6), ((12, 18), (12, 6), (6, 0)), strict=True):
        result = invalidate(session, actor, expected=expected, batch_size=12)
        assert (result.count, result.remaining) == (count, remaining)
        assert signature_checks.preview(session, BY_BOT_IP) == remaining
        assert counted(session, p) == 5 + remaining
        assert holds(session) == {}  # I3 (count and tallies = rows) and I9 after every batch
        done.append(result)
    entries = audit(session, "signatures.invalidated")
    assert [(e["count"], e["remaining"], e["reason"]) for e in entries] == [
        (12, 18, "Bot farm"), (12, 6, "Bot farm"), (6, 0, "Bot farm")
    ]  # fmt: skip
    # Oldest first, and every struck-out signature names the batch that struck it.
    first_batch = session.scalars(
        select(Signature.member_id).where(Signature.invalidation_seq == entries[0]["seq"])
    ).all()
    assert sorted(first_batch) == bots[:12]


def test_stopping_after_a_batch_cancels_and_a_stale_confirmation_changes_nothing(session):
    p = proposal(session, ruleset(threshold=100))
    signed(session, p, 30, ip=BOT_IP, prefix="bot")
    actor = chair(session)
    invalidate(session, actor, expected=30, batch_size=12)
    with pytest.raises(ConflictError, match="18 signatures match now, not 30 as previewed"):
        invalidate(session, actor, expected=30, batch_size=12)  # the first page, sent again
    session.rollback()
    assert counted(session, p) == 18 and signature_checks.preview(session, BY_BOT_IP) == 18
    assert len(audit(session, "signatures.invalidated")) == 1
    assert holds(session) == {}


def test_an_invalidation_needs_a_condition_and_a_reason(session):
    p = proposal(session, ruleset(threshold=100))
    signed(session, p, 3, ip=BOT_IP, prefix="bot")
    actor = chair(session)
    for condition, reason, field in (
        (Condition("ip", "  "), "Bots", "value"),
        (Condition("name", BOT_IP), "Bots", "field"),
        (BY_BOT_IP, "", "reason"),
    ):
        with pytest.raises(ValidationError) as refused:
            signature_checks.invalidate(session, condition=condition, reason=reason, expected=3,
                                        actor=actor, now=NOW)  # fmt: skip
        assert refused.value.field == field
        session.rollback()
    assert counted(session, p) == 3 and audit(session, "signatures.invalidated") == []


# --- T33: undoing a batch made by mistake --------------------------------------------


TWO_TIERS = ruleset(
    tiers=(
        Tier(Threshold(count=20), Consequence.COMMITTEE_MUST_CONSIDER),
        Tier(Threshold(count=30), Consequence.COMMITTEE_MUST_RESPOND),
    ),
    vote=False,
)


def test_restoring_a_mistaken_batch_counts_it_again_and_crosses_a_tier_once(session):
    p = proposal(session, TWO_TIERS)
    signed(session, p, 10, ip=BOT_IP, prefix="office")  # one office's shared address
    signed(session, p, 15, ip=HOME_IP, prefix="home")
    assert [c.tier_index for c in session.scalars(select(ThresholdCrossing))] == [0]
    actor = chair(session)
    result = invalidate(session, actor, expected=10, batch_size=5000, reason="Looked like bots")
    assert result.tiers_no_longer_met == (f"{p.public_id} tier 1",)
    signed(session, p, 10, ip=HOME_IP, prefix="late")  # 25 now; tier 2 needs 30
    (entry,) = audit(session, "signatures.invalidated")

    restored = signature_invalidations.restore(
        session, seq=entry["seq"], reason="The office's members, checked by phone",
        actor=actor, now=NOW,
    )  # fmt: skip
    assert restored.count == 10 and restored.tiers_crossed == (f"{p.public_id} tier 2",)
    assert counted(session, p) == 35
    crossings = session.scalars(select(ThresholdCrossing.tier_index).order_by("tier_index"))
    assert crossings.all() == [0, 1]  # tier 1 is not crossed a second time
    assert holds(session) == {}
    (undo,) = audit(session, "signatures.restored")
    assert (undo["invalidation"], undo["count"]) == (entry["seq"], 10)
    assert undo["reason"] == "The office's members, checked by phone"
    (past,) = signature_invalidations.recent_invalidations(session)
    assert (past.seq, past.count, past.still_struck_out) == (entry["seq"], 10, 0)


def test_a_restore_is_refused_twice_without_a_reason_and_for_other_entries(session):
    p = proposal(session, ruleset(threshold=100))
    signed(session, p, 4, ip=BOT_IP, prefix="bot")
    actor = chair(session)
    invalidate(session, actor, expected=4, batch_size=5000)
    (entry,) = audit(session, "signatures.invalidated")
    other = session.scalar(
        select(AuditEntry.seq).where(AuditEntry.action != "signatures.invalidated")
    )

    def restore(seq, reason="Mistake"):
        signature_invalidations.restore(session, seq=seq, reason=reason, actor=actor, now=NOW)

    for seq, reason, error in ((entry["seq"], " ", ValidationError), (other, "x", NotFoundError),
                               (10**6, "x", NotFoundError)):  # fmt: skip
        with pytest.raises(error):
            restore(seq, reason)
        session.rollback()
    assert counted(session, p) == 0
    restore(entry["seq"])
    with pytest.raises(ConflictError, match="already restored"):
        restore(entry["seq"])
    session.rollback()
    assert counted(session, p) == 4 and len(audit(session, "signatures.restored")) == 1


# --- T33: the committee's page ---------------------------------------------------------


@pytest.fixture
def app_config(app_config):
    return {**app_config, "SIGNATURE_INVALIDATION_BATCH": 12}


def test_the_committee_applies_batch_after_batch_then_restores_one(app):
    with app.app_context():
        p = proposal(db.session, ruleset(threshold=100))
        signed(db.session, p, 30, ip=BOT_IP, prefix="bot")
        member = chair(db.session)
        db.session.add(RoleGrant(member_id=member.id, role=Role.COMMITTEE, granted_at=NOW))
        db.session.commit()
        pid = p.id
    client = app.test_client()
    AuthActions(client).login("chair.0@example.org")
    page = client.get("/admin/signatures").get_data(as_text=True)
    assert "batches of at most 12" in page and 'id="no-invalidations"' in page
    form = {"csrf_token": csrf_from(page), "field": "ip", "value": BOT_IP, "reason": "Bots"}
    preview = client.post("/admin/signatures", data={**form, "action": "preview"})
    assert "30 valid signatures match" in preview.get_data(as_text=True)
    for expected, left in ((30, 18), (18, 6)):
        batch = client.post("/admin/signatures", data={**form, "action": "apply",
                                                       "expected": str(expected)})  # fmt: skip
        text = batch.get_data(as_text=True)
        assert batch.status_code == 200
        assert "12 signatures invalidated in this batch" in text
        assert f"{left} valid signatures match this condition." in text
        assert f'name="expected" value="{left}"' in text  # the next batch expects what is left
    # Stop here: the third batch is never applied. Undo the first instead.
    with app.app_context():
        first = db.session.scalar(select(func.min(Signature.invalidation_seq)))
        assert db.session.get(Proposal, pid).signature_count == 6
    page = client.get("/admin/signatures").get_data(as_text=True)
    assert f'name="restore-invalidation" value="{first}"' in page
    refused = client.post("/admin/signatures/restore", data={
        "restore-csrf_token": csrf_from(page), "restore-invalidation": str(first)})  # fmt: skip
    assert refused.status_code == 422 and "State the reason" in refused.get_data(as_text=True)
    done = client.post("/admin/signatures/restore", data={
        "restore-csrf_token": csrf_from(page), "restore-invalidation": str(first),
        "restore-reason": "Wrong address"})  # fmt: skip
    assert done.status_code == 303
    assert "12 signatures restored and counted again" in client.get("/admin/signatures").get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.get(Proposal, pid).signature_count == 18
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "signatures.restored")
            )
            == 1
        )
