"""The committee's membership pages: statuses, roles, the roll import; all audited."""

import io

from sqlalchemy import func, select

from deliberate.extensions import db
from deliberate.forms.admin import ROLL_MAX_CHARS
from deliberate.models import AuditEntry, Member, MembershipStatus, Role, RollEntry
from tests.conftest import csrf_from, make_member

ROLL = """name,email,local_group,join_date
Ann Example,ann@example.org,Leeds,2020-01-15
Bo Brown,bo@example.org,Leeds,2021-03-01
Cy Chen,cy@example.org,Cardiff,2022-07-30
"""


def sign_in_committee(app, auth) -> None:
    make_member(app, "chair@example.org", name="Chair", roles=(Role.COMMITTEE,))
    auth.login("chair@example.org")


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


def test_status_change_is_recorded_with_reason_and_audited(app, auth):
    sign_in_committee(app, auth)
    ann = make_member(app)
    response = auth.post(
        f"/admin/members/{ann}/status",
        {"status": "suspended", "effective_on": "2026-11-30", "reason": "Unpaid dues"},
        token_from=f"/admin/members/{ann}",
    )
    assert response.status_code == 302
    page = auth.client.get(f"/admin/members/{ann}").get_data(as_text=True)
    assert "Active → Suspended" in page and "Unpaid dues" in page
    assert audit_actions(app) == ["member.status_changed"]


def test_status_change_without_reason_keeps_the_form_and_changes_nothing(app, auth):
    sign_in_committee(app, auth)
    ann = make_member(app)
    response = auth.post(
        f"/admin/members/{ann}/status",
        {"status": "expelled", "effective_on": "2026-11-30", "reason": ""},
        token_from=f"/admin/members/{ann}",
    )
    assert response.status_code == 422
    assert "State the reason" in response.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalar(select(Member.status).where(Member.public_id == ann))
            == MembershipStatus.ACTIVE
        )
    assert audit_actions(app) == []


def test_committee_grants_and_removes_roles(app, auth):
    sign_in_committee(app, auth)
    ann = make_member(app)
    path = f"/admin/members/{ann}"
    auth.post(f"{path}/roles", {"role": "moderator", "action": "grant"}, token_from=path)
    with app.app_context():
        member = db.session.scalar(select(Member).where(Member.public_id == ann))
        assert member.roles == {Role.MODERATOR}
    auth.post(f"{path}/roles", {"role": "moderator", "action": "revoke"}, token_from=path)
    with app.app_context():
        member = db.session.scalar(select(Member).where(Member.public_id == ann))
        assert member.roles == set()
    assert audit_actions(app) == ["role.granted", "role.revoked"]


def test_last_committee_member_cannot_be_removed(app, auth):
    sign_in_committee(app, auth)
    with app.app_context():
        chair = db.session.scalar(
            select(Member.public_id).where(Member.email == "chair@example.org")
        )
    path = f"/admin/members/{chair}"
    response = auth.post(
        f"{path}/roles",
        {"role": "committee", "action": "revoke"},
        token_from=path,
        follow_redirects=True,
    )
    assert "last committee member" in response.get_data(as_text=True)
    assert audit_actions(app) == []


def test_mass_assigned_role_fields_are_ignored(app, auth):
    make_member(app)
    auth.login()
    auth.post(
        "/account", {"display_name": "Ann", "language": "", "role": "committee", "is_admin": "1"}
    )
    with app.app_context():
        assert (
            db.session.scalar(select(Member).where(Member.email == "ann@example.org")).roles
            == set()
        )


def test_roll_preview_then_apply_then_reimport_updates(app, auth):
    sign_in_committee(app, auth)
    page = auth.post("/admin/roll", {"roll_text": ROLL}).get_data(as_text=True)
    assert "to add" in page and "Cardiff" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RollEntry)) == 0
    apply_token = csrf_from(page)
    response = auth.client.post(
        "/admin/roll/apply", data={"csrf_token": apply_token, "roll_text": ROLL}
    )
    assert response.status_code == 302
    changed = ROLL.replace("Bo Brown,bo@example.org,Leeds", "Bo Brown,bo@example.org,Cardiff")
    page = auth.post("/admin/roll", {"roll_text": changed}).get_data(as_text=True)
    assert "group Leeds → Cardiff" in page
    auth.client.post(
        "/admin/roll/apply", data={"csrf_token": csrf_from(page), "roll_text": changed}
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RollEntry)) == 3
        bo = db.session.scalar(select(RollEntry).where(RollEntry.email == "bo@example.org"))
        assert bo.local_group.name == "Cardiff"
    assert audit_actions(app) == ["roll.imported", "roll.imported"]


def test_bad_roll_rows_are_reported_by_line_and_nothing_is_imported(app, auth):
    sign_in_committee(app, auth)
    bad = ROLL + "No Email,,Leeds,2020-01-01\nDee,dee@example.org,Leeds,15/01/2020\n"
    page = auth.post("/admin/roll", {"roll_text": bad}).get_data(as_text=True)
    assert "Line 5" in page and "missing email" in page
    assert "Line 6" in page and "is not YYYY-MM-DD" in page
    assert "Apply these changes" not in page
    response = auth.client.post(
        "/admin/roll/apply",
        data={"csrf_token": csrf_from(page), "roll_text": bad},
        follow_redirects=True,
    )
    assert "Nothing was imported" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RollEntry)) == 0


def test_an_uploaded_roll_too_long_to_apply_is_refused_before_the_preview(app, auth):
    # The preview hands the roll back in a hidden field; a file longer than that field
    # may hold would preview, then fail to apply. It is refused up front instead.
    sign_in_committee(app, auth)
    line = "Member Name,member{n}@example.org,Leeds,2020-01-01\n"
    text = "name,email,local_group,join_date\n"
    text += "".join(line.format(n=n) for n in range(ROLL_MAX_CHARS // len(line) + 1))
    token = csrf_from(auth.client.get("/admin/roll").get_data(as_text=True))
    response = auth.client.post(
        "/admin/roll",
        data={"csrf_token": token, "roll_file": (io.BytesIO(text.encode()), "roll.csv")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "too long to import at once: at most 480,000 characters" in page
    assert "Apply these changes" not in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RollEntry)) == 0


def test_roll_admission_lets_only_listed_emails_join(app, auth):
    app.config["ADMISSION_MODE"] = "roll"
    sign_in_committee(app, auth)
    page = auth.post("/admin/roll", {"roll_text": ROLL}).get_data(as_text=True)
    auth.client.post("/admin/roll/apply", data={"csrf_token": csrf_from(page), "roll_text": ROLL})
    auth.logout()
    for email in ("cy@example.org", "stranger@example.org"):
        auth.post(
            "/register",
            {
                "display_name": "X Y",
                "email": email,
                "password": "long enough pass",
                "password_confirm": "long enough pass",
                "accept_declaration": "y",
            },
        )
    with app.app_context():
        emails = set(db.session.scalars(select(Member.email)))
        cy = db.session.scalar(select(Member).where(Member.email == "cy@example.org"))
        assert cy.local_group.name == "Cardiff" and cy.joined_on.isoformat() == "2022-07-30"
    assert "stranger@example.org" not in emails
