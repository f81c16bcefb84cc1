"""Hostile input on every form route (T17-T23): never a 500, and a refusal writes nothing.

The routes and field names are discovered from the app itself, so a new form is covered
the day it is added. Signed in as a committee member, so most routes pass their policy
and the input reaches the form and the service.
"""

import importlib
import inspect
import pkgutil

import pytest
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

import deliberate.forms
from deliberate.extensions import db
from deliberate.models import Base, Role
from tests.conftest import AuthActions, csrf_from, make_member
from tests.web.test_permissions import url_arguments

NASTY = [
    "",
    " ",
    "\x00",
    "nul\x00inside",
    "\u202eevil\u202c",
    "zero\u200bwidth\u200d",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "' OR 1=1--",
    "title desc; drop table member",
    '=HYPERLINK("http://x","y")',
    "9" * 40,
    "-1",
    "1e309",
    "2026-02-30",
    "x" * 20_000,
    "Ünïcødé 🗳️",
    "\r\nSet-Cookie: x=y",
]


def form_field_names() -> list[str]:
    """Every field name declared by any form in deliberate.forms."""
    names = set()
    for info in pkgutil.iter_modules(deliberate.forms.__path__):
        module = importlib.import_module(f"deliberate.forms.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, FlaskForm) and cls is not FlaskForm:
                names.update(
                    name
                    for name in dir(cls)
                    if not name.startswith("_") and hasattr(getattr(cls, name), "field_class")
                )
    return sorted(names)


FIELDS = form_field_names()


def row_counts(app) -> dict[str, int]:
    with app.app_context():
        return {
            t.name: db.session.scalar(select(func.count()).select_from(t))
            for t in Base.metadata.sorted_tables
        }


def post_routes(app, target: str) -> list[str]:
    adapter = app.url_map.bind("localhost")
    urls = []
    known = url_arguments(app, target)
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and rule.endpoint not in ("static", "auth.logout"):
            # Arguments the permission matrix does not know get a harmless "1".
            arguments = {name: known.get(name, "1") for name in rule.arguments}
            urls.append(adapter.build(rule.endpoint, arguments))
    return sorted(urls)


values = st.one_of(st.sampled_from(NASTY), st.text(max_size=300))
form_data = st.lists(
    st.tuples(st.sampled_from(FIELDS + ["role", "is_admin", "id"]), values), max_size=12
)


@pytest.fixture
def signed_in_committee(app):
    """A committee member's client and every POST route, with real ids filled in."""
    make_member(app, "chair@example.org", name="Chair", roles=(Role.COMMITTEE,))
    target = make_member(app, "target@example.org", name="Target")
    client = app.test_client()
    AuthActions(client).login("chair@example.org")
    return client, post_routes(app, target)


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_hostile_forms_never_crash_and_refusals_write_nothing(app, signed_in_committee, data):
    client, routes = signed_in_committee
    url = data.draw(st.sampled_from(routes), label="url")
    fields = MultiDict(data.draw(form_data, label="fields"))
    fields.add("csrf_token", csrf_from(client.get("/account").get_data(as_text=True)))
    before = row_counts(app)
    response = client.post(url, data=fields)
    assert response.status_code < 500, (url, response.status_code)
    if 400 <= response.status_code < 500:
        after = row_counts(app)
        changed = {t for t in before if before[t] != after[t]} - {"outbox_message"}
        assert not changed, (url, response.status_code, changed)


def test_invalid_utf8_and_repeated_fields_get_a_clear_refusal(app, client, auth):
    make_member(app)
    auth.login()
    token = csrf_from(client.get("/account").get_data(as_text=True))
    before = row_counts(app)
    raw = b"csrf_token=" + token.encode() + b"&display_name=%FF%FE%00&language=en&language=xx"
    response = client.post("/account", data=raw, content_type="application/x-www-form-urlencoded")
    assert 200 <= response.status_code < 500
    assert row_counts(app) == before or response.status_code == 302


def test_names_with_direction_overrides_are_stored_clean(app, client, auth):
    make_member(app)
    auth.login()
    auth.post("/account", {"display_name": "Ann\u202e\u200b Example", "language": ""})
    from deliberate.models import Member

    with app.app_context():
        name = db.session.scalar(select(Member.display_name))
    assert name == "Ann Example"
