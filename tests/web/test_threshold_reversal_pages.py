"""The committee and the members read what an invalidation undid (T33)."""

from deliberate.extensions import db
from deliberate.models import Role, RoleGrant
from deliberate.services import proposals, signing
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
