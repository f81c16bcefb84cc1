"""The committee and the members read what an invalidation undid (T33)."""

from datetime import timedelta

from sqlalchemy import select

from deliberate.extensions import db
from deliberate.models import AuditEntry, Member, Proposal, ProposalState, Role, RoleGrant
from deliberate.services import proposals, signature_checks, signing
from deliberate.services.signature_checks import Condition
from tests.conftest import AuthActions, csrf_from
from tests.proposal_builders import NOW, add_members, proposal, ruleset

BOT_IP = "203.0.113.9"


def test_the_committee_is_told_the_proposal_reopened_and_its_page_shows_why(app):
    with app.app_context():
        p = proposal(db.session, ruleset(threshold=3))
        signer_ids = add_members(db.session, 1, prefix="home") + add_members(
            db.session, 2, prefix="bot"
        )
        for member_id, ip in zip(signer_ids, ("198.51.100.7", BOT_IP, BOT_IP), strict=True):
            signing.sign(db.session, proposal_id=p.id, member_id=member_id, show_name=False,
                         ip=ip, now=NOW)  # fmt: skip
        (chair_id,) = add_members(db.session, 1, prefix="chair")
        db.session.add(RoleGrant(member_id=chair_id, role=Role.COMMITTEE, granted_at=NOW))
        db.session.commit()
        path, ref = proposals.path_of(p), p.public_id
    client = app.test_client()
    AuthActions(client).login("chair.0@example.org")
    page = client.get("/admin/signatures").get_data(as_text=True)
    form = {"csrf_token": csrf_from(page), "field": "ip", "value": BOT_IP, "reason": "Bots",
            "action": "apply", "expected": "2"}  # fmt: skip
    preview = client.post("/admin/signatures", data={**form, "action": "preview"})
    assert (
        f"{ref} would no longer meet tier 1 and would go to the stage “Collecting signatures”."
        in preview.get_data(as_text=True)
    )

    done = client.post("/admin/signatures", data=form, follow_redirects=True)

    text = done.get_data(as_text=True)
    assert f"No longer met with the remaining signatures: {ref} tier 1" in text
    assert f"{ref} no longer qualifies and is now at the stage “Collecting signatures”" in text
    shown = client.get(path).get_data(as_text=True)
    assert "Reached, then no longer met on" in shown
    assert "Threshold no longer met: tier 1" in shown
    assert "2 still needed" in shown


def test_restoring_a_batch_tells_the_committee_the_lapse_is_undone(app):
    opened = NOW - timedelta(days=40)  # the 30-day window closed ten days ago
    with app.app_context():
        p = proposal(db.session, ruleset(threshold=3, deliberation_days=14), now=opened)
        signer_ids = add_members(db.session, 1, prefix="home") + add_members(
            db.session, 2, prefix="bot"
        )
        for member_id, ip in zip(signer_ids, ("198.51.100.7", BOT_IP, BOT_IP), strict=True):
            signing.sign(db.session, proposal_id=p.id, member_id=member_id, show_name=False,
                         ip=ip, now=opened + timedelta(days=1))  # fmt: skip
        (chair_id,) = add_members(db.session, 1, prefix="chair")
        chair = db.session.get(Member, chair_id)
        db.session.add(RoleGrant(member_id=chair_id, role=Role.COMMITTEE, granted_at=NOW))
        signature_checks.invalidate(
            db.session, condition=Condition("ip", BOT_IP), reason="Bots", expected=2,
            actor=chair, now=NOW - timedelta(hours=1),
        )  # fmt: skip
        assert db.session.get(Proposal, p.id).state == ProposalState.LAPSED
        path, ref = proposals.path_of(p), p.public_id
        seq = db.session.scalar(select(AuditEntry.seq).where(
            AuditEntry.action == "signatures.invalidated"))  # fmt: skip
    client = app.test_client()
    AuthActions(client).login("chair.0@example.org")
    page = client.get("/admin/signatures").get_data(as_text=True)

    done = client.post("/admin/signatures/restore", data={
        "restore-csrf_token": csrf_from(page), "restore-invalidation": str(seq),
        "restore-reason": "A shared office address"}, follow_redirects=True)  # fmt: skip

    assert (
        f"{ref} had lapsed; with these signatures it meets its threshold, so it qualifies again."
        in done.get_data(as_text=True)
    )
    shown = client.get(path).get_data(as_text=True)
    assert "Invalidated signatures restored: the threshold is met again" in shown
    assert "In deliberation" in shown
