"""Auditor-only API endpoints: a token made in the browser opens them; revoked, it doesn't."""

import re

from deliberate.models import Role
from tests.conftest import make_member


def new_token(auth, name="recount script") -> str:
    page = auth.post("/account/api-tokens", {"name": name}).get_data(as_text=True)
    return re.search(r"(dlb_[A-Za-z0-9_-]+)", page).group(1)


def test_token_opens_the_audit_log_and_revoking_closes_it(app, client, auth):
    make_member(app, "audit@example.org", roles=(Role.AUDITOR,))
    auth.login("audit@example.org")
    token = new_token(auth)
    headers = {"Authorization": f"Bearer {token}"}
    body = client.get("/api/v1/audit/log", headers=headers).get_json()
    assert body["items"][0]["action"] == "api_token.created"
    assert client.get("/api/v1/audit/log").status_code == 401  # a cookie is not enough
    page = auth.client.get("/account/api-tokens").get_data(as_text=True)
    assert token not in page  # shown once only
    token_id = re.search(r"/account/api-tokens/(\d+)/revoke", page).group(1)
    auth.post(f"/account/api-tokens/{token_id}/revoke", {}, token_from="/account/api-tokens")
    response = client.get("/api/v1/audit/log", headers=headers)
    assert response.status_code == 401 and response.get_json()["error"] == "unauthorized"


def test_a_token_stops_working_when_the_auditor_role_is_removed(app, client, auth):
    make_member(app, "audit@example.org", roles=(Role.AUDITOR,))
    auth.login("audit@example.org")
    token = new_token(auth)
    from sqlalchemy import delete

    from deliberate.extensions import db
    from deliberate.models import RoleGrant

    with app.app_context():
        db.session.execute(delete(RoleGrant))
        db.session.commit()
    assert (
        client.get("/api/v1/audit/log", headers={"Authorization": f"Bearer {token}"}).status_code
        == 401
    )


def test_members_cannot_create_tokens(app, auth):
    make_member(app)
    auth.login()
    assert auth.client.get("/account/api-tokens").status_code == 403


def test_made_up_tokens_are_refused(client):
    for value in ("Bearer dlb_madeup", "Bearer ", "Basic abc", "dlb_x"):
        assert client.get("/api/v1/audit/log", headers={"Authorization": value}).status_code == 401
