"""T36 refused admin pages are logged and role changes need a fresh sign-in; T38 export links.

A session is "fresh" (Flask-Login) only when the password was given in it. One restored
from the remember-me cookie is not, and neither is one whose address or browser changed
(session protection "basic" keeps the member signed in but marks the session not fresh).
"""

import logging
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from deliberate.extensions import db
from deliberate.models import AuditEntry, Member, Role, VoteMethod, utcnow
from deliberate.services import membership
from tests.audit_builders import closed_vote
from tests.conftest import PASSWORD, AuthActions, csrf_from, make_member


@pytest.fixture
def app_config(app_config, tmp_path):
    return {**app_config, "SIGNING_KEY_PATH": str(tmp_path / "signing_key.pem")}


def signed_in(app, email: str, *roles: Role, remember: bool = False) -> AuthActions:
    make_member(app, email, name=email.split("@")[0].title(), roles=roles)
    auth = AuthActions(app.test_client())
    assert auth.login(email, **({"remember": "y"} if remember else {})).status_code == 302
    return auth


def member_row(app, email: str) -> Member:
    with app.app_context():
        member = db.session.scalar(select(Member).where(Member.email == email))
        db.session.expunge(member)
        return member


def roles_of(app, email: str) -> set[Role]:
    with app.app_context():
        return db.session.scalar(select(Member).where(Member.email == email)).roles


def audit(app, action: str | None = None) -> list[AuditEntry]:
    with app.app_context():
        query = select(AuditEntry).order_by(AuditEntry.seq)
        if action:
            query = query.where(AuditEntry.action == action)
        entries = list(db.session.scalars(query))
        db.session.expunge_all()
        return entries


# T36 -------------------------------------------------------------------------------------


def test_a_refused_committee_page_is_logged_with_who_and_where_and_nothing_secret(app, caplog):
    caplog.set_level(logging.DEBUG)
    target = make_member(app, "target@example.org", name="Target")
    member = signed_in(app, "plain@example.org")
    auditor = signed_in(app, "auditor@example.org", Role.AUDITOR)
    assert member.client.get("/admin/members?q=look-for-me").status_code == 403
    path = f"/admin/members/{target}/roles"
    refused = member.post(path, {"role": "committee", "action": "grant"}, token_from="/")
    assert refused.status_code == 403
    assert auditor.client.get("/admin/outbox").status_code == 403
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("403: ")]
    plain = member_row(app, "plain@example.org").public_id
    auditor_id = member_row(app, "auditor@example.org").public_id
    assert lines == [
        f"403: member {plain} lacks can_manage_members for GET '/admin/members'",
        f"403: member {plain} lacks can_manage_members for POST '{path}'",
        f"403: member {auditor_id} lacks can_manage_members for GET '/admin/outbox'",
    ]
    assert all(r.levelno == logging.WARNING for r in caplog.records if r.getMessage() in lines)
    cookies = [
        member.client.get_cookie("session").value,
        auditor.client.get_cookie("session").value,
    ]
    everything = " ".join(r.getMessage() for r in caplog.records)
    assert "look-for-me" not in everything  # the query string is not logged
    assert PASSWORD not in everything and not any(c in everything for c in cookies)
    assert roles_of(app, "target@example.org") == set()


@pytest.mark.parametrize("staleness", ["remembered", "moved"])
@pytest.mark.parametrize(
    ("role", "action", "before", "after"),
    [
        ("committee", "grant", set(), {Role.COMMITTEE}),
        ("auditor", "grant", set(), {Role.AUDITOR}),
        ("committee", "revoke", {Role.COMMITTEE}, set()),
        ("auditor", "revoke", {Role.AUDITOR}, set()),
    ],
)
def test_a_session_that_is_not_fresh_must_sign_in_again_before_a_role_change(
    app, caplog, staleness, role, action, before, after
):
    caplog.set_level(logging.DEBUG)
    chair = signed_in(app, "chair@example.org", Role.COMMITTEE, remember=True)
    ann = make_member(app, roles=tuple(before))
    if staleness == "remembered":
        chair.client.delete_cookie("session")  # the browser was closed; the cookie remains
    else:
        chair.client.environ_base["REMOTE_ADDR"] = "198.51.100.77"  # another network
    page = f"/admin/members/{ann}"
    assert chair.client.get(page).status_code == 200  # still signed in, may look
    asked = chair.post(f"{page}/roles", {"role": role, "action": action}, token_from=page)
    assert asked.status_code == 302
    login = urlsplit(asked.headers["Location"])
    assert login.path == "/login" and parse_qs(login.query)["next"] == [page]
    shown = chair.client.get(asked.headers["Location"]).get_data(as_text=True)
    assert "Sign in again to confirm it is you. Nothing was changed." in shown
    assert roles_of(app, "ann@example.org") == before
    assert not [e for e in audit(app) if e.action.startswith("role.")]
    assert any(r.getMessage().startswith("re-authentication asked") for r in caplog.records)
    # Signing in again brings the chair back to the member's page, and the change works.
    again = chair.client.post(
        asked.headers["Location"],
        data={"csrf_token": csrf_from(shown), "email": "chair@example.org", "password": PASSWORD},
    )
    assert again.status_code == 302 and again.headers["Location"] == page
    done = chair.post(f"{page}/roles", {"role": role, "action": action}, token_from=page)
    assert done.status_code == 302 and done.headers["Location"] == page
    assert roles_of(app, "ann@example.org") == after
    assert [e.action for e in audit(app)] == [
        f"role.{'granted' if action == 'grant' else 'revoked'}"
    ]


@pytest.mark.parametrize("staleness", ["remembered", "moved"])
def test_a_session_that_is_not_fresh_must_sign_in_again_before_a_status_change(app, staleness):
    # A suspension takes a member's vote away: as weighty as a role change.
    chair = signed_in(app, "chair@example.org", Role.COMMITTEE, remember=True)
    ann = make_member(app)
    make_stale(chair, staleness)
    page = f"/admin/members/{ann}"
    change = {"status": "suspended", "effective_on": "2026-11-30", "reason": "Unpaid dues"}
    asked = chair.post(f"{page}/status", change, token_from=page)
    assert asked.status_code == 302
    login = urlsplit(asked.headers["Location"])
    assert login.path == "/login" and parse_qs(login.query)["next"] == [page]
    assert member_row(app, "ann@example.org").status.value == "active"
    assert not [e for e in audit(app) if e.action.startswith("member.")]
    sign_in_again(chair, asked)
    assert chair.post(f"{page}/status", change, token_from=page).status_code == 302
    assert member_row(app, "ann@example.org").status.value == "suspended"
    assert [e.action for e in audit(app)] == ["member.status_changed"]


@pytest.mark.parametrize("staleness", ["remembered", "moved"])
def test_a_session_that_is_not_fresh_must_sign_in_again_before_a_roll_import(app, staleness):
    roll = "name,email,local_group,join_date\nBo Brown,bo@example.org,Leeds,2021-03-01\n"
    chair = signed_in(app, "chair@example.org", Role.COMMITTEE, remember=True)
    make_stale(chair, staleness)
    preview = chair.post("/admin/roll", {"roll_text": roll}).get_data(as_text=True)
    assert "to add" in preview  # looking changes nothing, and needs no fresh sign-in
    apply = {"csrf_token": csrf_from(preview), "roll_text": roll}
    asked = chair.client.post("/admin/roll/apply", data=apply)
    assert asked.status_code == 302
    login = urlsplit(asked.headers["Location"])
    assert login.path == "/login" and parse_qs(login.query)["next"] == ["/admin/roll"]
    assert not [e for e in audit(app) if e.action == "roll.imported"]
    sign_in_again(chair, asked)
    preview = chair.post("/admin/roll", {"roll_text": roll}).get_data(as_text=True)
    apply = {"csrf_token": csrf_from(preview), "roll_text": roll}
    assert chair.client.post("/admin/roll/apply", data=apply).status_code == 302
    assert [e.action for e in audit(app)] == ["roll.imported"]


def make_stale(auth: AuthActions, staleness: str) -> None:
    """Make the session not fresh, as a closed browser or another network would."""
    if staleness == "remembered":
        auth.client.delete_cookie("session")  # the remember-me cookie signs in again
    else:
        auth.client.environ_base["REMOTE_ADDR"] = "198.51.100.77"


def sign_in_again(auth: AuthActions, asked) -> None:
    shown = auth.client.get(asked.headers["Location"]).get_data(as_text=True)
    assert "Sign in again to confirm it is you. Nothing was changed." in shown
    form = {"csrf_token": csrf_from(shown), "email": "chair@example.org", "password": PASSWORD}
    assert auth.client.post(asked.headers["Location"], data=form).status_code == 302


# T38 -------------------------------------------------------------------------------------


def bundle_link(auth: AuthActions) -> str:
    index = auth.client.get("/audit/").get_data(as_text=True)
    return re.search(r'href="(/audit/referendums/[^"]+/bundle\.zip)"', index).group(1)


def exports(app) -> list[tuple[int | None, str]]:
    return [(e.actor_id, e.actor_label) for e in audit(app, "bundle.exported")]


def api_token(auth: AuthActions) -> str:
    page = auth.post("/account/api-tokens", {"name": "recount"}).get_data(as_text=True)
    return re.search(r"(dlb_[A-Za-z0-9_-]+)", page).group(1)


def test_two_auditors_each_download_under_their_own_name_and_the_link_grants_nothing(app):
    closed_vote(app, VoteMethod.YES_NO)
    alma = signed_in(app, "alma@example.org", Role.AUDITOR)
    bea = signed_in(app, "bea@example.org", Role.AUDITOR)
    link = bundle_link(alma)
    assert "token" not in link and "?" not in link  # the link carries no credential
    assert alma.client.get(link).status_code == 200
    assert bea.client.get(link).status_code == 200  # Bea's own session, not Alma's link
    a, b = member_row(app, "alma@example.org"), member_row(app, "bea@example.org")
    assert exports(app) == [
        (a.id, f"Alma ({a.public_id})"),
        (b.id, f"Bea ({b.public_id})"),
    ]
    # The same link in anyone else's hands opens nothing and logs no download.
    plain = signed_in(app, "plain@example.org")
    assert plain.client.get(link).status_code == 403
    anonymous = app.test_client().get(link)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    # Alma's API token is no key to it either: the bundle takes a session, never a token.
    token = api_token(alma)
    with_token = app.test_client().get(link, headers={"Authorization": f"Bearer {token}"})
    assert with_token.status_code == 302 and "/login" in with_token.headers["Location"]
    assert len(exports(app)) == 2


def test_an_auditors_copied_session_and_token_stop_when_she_signs_out_or_loses_the_role(app):
    closed_vote(app, VoteMethod.YES_NO)
    make_member(app, "chair@example.org", name="Chair", roles=(Role.COMMITTEE,))
    alma = signed_in(app, "alma@example.org", Role.AUDITOR, remember=True)
    bea = signed_in(app, "bea@example.org", Role.AUDITOR)
    link = bundle_link(alma)
    token = api_token(alma)
    copied = {n: alma.client.get_cookie(n).value for n in ("session", "remember_token")}
    thief = app.test_client()
    for name, value in copied.items():
        thief.set_cookie(name, value)
    assert thief.get(link).status_code == 200  # a copy works while Alma is signed in...
    assert exports(app)[-1][1].startswith("Alma (")  # ...and is logged as Alma's download
    alma.logout()
    assert thief.get(link).status_code == 302  # ...and dies when her session ends
    assert len(exports(app)) == 1
    # Signed in again, Alma loses the role: her browser and her token stop at once.
    alma.login("alma@example.org")
    assert alma.client.get(link).status_code == 200
    with app.app_context():
        chair = db.session.scalar(select(Member).where(Member.email == "chair@example.org"))
        membership.revoke_role(
            db.session,
            member_public_id=member_row(app, "alma@example.org").public_id,
            role=Role.AUDITOR,
            actor=chair,
            now=utcnow(),
        )
    assert alma.client.get(link).status_code == 403
    assert alma.client.get("/audit/").status_code == 403
    headers = {"Authorization": f"Bearer {token}"}
    assert app.test_client().get("/api/v1/audit/log", headers=headers).status_code == 401
    # Bea is unaffected, and the log holds exactly who downloaded what.
    assert bea.client.get(link).status_code == 200
    labels = [label.split(" (")[0] for _, label in exports(app)]
    assert labels == ["Alma", "Alma", "Bea"]
