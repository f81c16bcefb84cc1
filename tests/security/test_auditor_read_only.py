"""Auditors read everything and change nothing (T37): every write route refuses them.

Walks the URL map, so a new write route is checked the day it appears. The only writes an
auditor may make are to their own account and sign-in.
"""

from sqlalchemy import func, select

from deliberate.extensions import db
from deliberate.models import Base, Role
from tests.conftest import AuthActions, csrf_from, make_member
from tests.web.test_permissions import url_arguments

OWN_ACCOUNT = {
    "auth.login",
    "auth.logout",
    "auth.register",
    "auth.verify",
    "auth.reset_request",
    "auth.reset",
    "auth.account",
    "auth.change_password",
    "auth.change_email",
    "auth.confirm_email",
    "auth.two_factor",
    "auth.two_factor_login",
    "auth.api_tokens",
    "auth.revoke_api_token",
    "referendums.check_receipt",
    "notifications.read",
    "notifications.settings",
}


def table_fingerprint(app) -> dict[str, int]:
    with app.app_context():
        return {
            t.name: db.session.scalar(select(func.count()).select_from(t))
            for t in Base.metadata.sorted_tables
        }


def test_every_write_route_refuses_an_auditor_and_nothing_changes(app):
    target = make_member(app, "target@example.org", name="Target")
    make_member(app, "auditor@example.org", name="Auditor", roles=(Role.AUDITOR,))
    client = app.test_client()
    AuthActions(client).login("auditor@example.org")
    known = url_arguments(app, target)
    adapter = app.url_map.bind("localhost")
    checked = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint in OWN_ACCOUNT:
            continue
        if rule.endpoint.startswith("api."):
            continue  # the API takes no cookie-authenticated writes at all
        url = adapter.build(rule.endpoint, {n: known.get(n, "1") for n in rule.arguments})
        before = table_fingerprint(app)
        token = csrf_from(client.get("/account").get_data(as_text=True))
        status = client.post(url, data={"csrf_token": token}).status_code
        assert status in (403, 404), f"auditor POST {url} answered {status}"
        assert table_fingerprint(app) == before, f"auditor POST {url} wrote something"
        checked.append(rule.endpoint)
    assert any(e.startswith("admin.") for e in checked)  # the walk really covered routes
