"""XSS through display names and titles (T21): escaped in every view, data in JSON and CSV.

A member whose name, and a proposal whose title, carry each payload is put everywhere
names and titles are shown: lists, the proposal and member pages, the committee's member
and held-signature pages, the audit pages, the flash after sign-in, reflected search
fields, and the JSON and CSV views. HTML pages must show the payload escaped and never
raw. JSON and CSV are data, not markup: they must come back byte for byte as data, under
a type no browser renders as HTML (with nosniff). Debate posts and mail are swept in
tests/web/test_debate.py::test_xss_payloads_are_inert_in_every_debate_view_and_email.

The static tests fail when `|safe`, `Markup(` or autoescape-off appears anywhere but the
short reviewed list below.
"""

import ast
import csv
import io
import re
from pathlib import Path

import pytest
from markupsafe import escape
from sqlalchemy import select

from deliberate.core.rules import Rulebook
from deliberate.extensions import db
from deliberate.models import Member, Role
from deliberate.services import api_tokens, rulebook, signing
from deliberate.services.signature_bursts import BurstLimits
from tests.conftest import AuthActions, make_member
from tests.proposal_builders import NOW, proposal, ruleset

ROOT = Path(__file__).resolve().parents[2]

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "'><iframe src=javascript:alert(1)>",
    "</title><script>alert(1)</script>",
    "<a href=javascript:alert(1)>x</a>",
]


def build_world(app, payload: str) -> dict:
    """Eve, named with the payload, proposes, signs in public and is held; a committee
    member and an auditor, also named with it, save a rulebook version and make an API
    token, so the rulebook and the audit log name them."""
    make_member(app, "eve@example.org", name=f"Eve {payload}")
    make_member(app, "chair@example.org", name=f"Chair {payload}", roles=(Role.COMMITTEE,))
    auditor_id = make_member(
        app, "auditor@example.org", name=f"Auditor {payload}", roles=(Role.AUDITOR,)
    )
    with app.app_context():
        session = db.session
        eve = session.scalar(select(Member).where(Member.email == "eve@example.org"))
        own = proposal(session, ruleset(threshold=1000), by=eve, title=f"Title {payload}")
        signed = proposal(session, title="Signed in public")
        held = proposal(session, title="Held signature")
        signing.sign(session, proposal_id=signed.id, member_id=eve.id, show_name=True,
                     ip="192.0.2.1", now=NOW)  # fmt: skip
        one_per_ip = BurstLimits(per_ip=1)
        signing.sign(session, proposal_id=held.id, member_id=signed.author_id, show_name=False,
                     ip="192.0.2.9", now=NOW, limits=one_per_ip)  # fmt: skip
        result = signing.sign(session, proposal_id=held.id, member_id=eve.id, show_name=True,
                              ip="192.0.2.9", now=NOW, limits=one_per_ip)  # fmt: skip
        assert result.is_held  # so it is listed on /admin/signatures
        chair = session.scalar(select(Member).where(Member.email == "chair@example.org"))
        book = rulebook.current_rulebook(session)
        rulebook.save_version(
            session,
            base_version=rulebook.current_version(session).number,
            rulebook=Rulebook({**book.rulesets, "campaign": ruleset(threshold=999)}),
            reason=f"Reason {payload}",
            actor=chair,
            now=NOW,
        )
        auditor = session.scalar(select(Member).where(Member.email == "auditor@example.org"))
        token = api_tokens.create(session, auditor, "sweep", now=NOW)
        return {
            "eve": eve.public_id,
            "auditor": auditor_id,
            "own": own.public_id,
            "signed": signed.public_id,
            "token": token,
        }


def signed_in(app, email: str):
    client = app.test_client()
    AuthActions(client).login(email)
    return client


def assert_escaped(page: str, payload: str, where: str) -> None:
    assert payload not in page, f"{where}: the payload is in the page raw"
    assert str(escape(payload)) in page, f"{where}: the payload is not shown (escaped)"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_names_and_titles_are_escaped_in_every_html_view(app, payload):
    world = build_world(app, payload)
    public = app.test_client()
    committee = signed_in(app, "chair@example.org")
    auditor = signed_in(app, "auditor@example.org")
    views = [
        (public, "/proposals", payload),
        (public, f"/proposals/{world['own']}", payload),
        (public, f"/proposals/{world['signed']}", payload),
        (public, f"/members/{world['eve']}", payload),
        (public, f"/proposals/{world['own']}/discussion", payload),
        (public, "/rulebook/versions", payload),
        (committee, "/admin/members", payload),
        (committee, "/admin/members?q=Eve", payload),
        (committee, f"/admin/members/{world['eve']}", payload),
        (committee, "/admin/signatures", payload),
        (auditor, "/audit/log", payload),
    ]
    for client, path, expected in views:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_escaped(response.get_data(as_text=True), expected, path)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_welcome_flash_and_the_name_in_the_header_are_escaped(app, payload):
    build_world(app, payload)
    eve = app.test_client()
    response = AuthActions(eve).login("eve@example.org")
    page = eve.get(response.location).get_data(as_text=True)
    assert_escaped(page, f"Welcome back, Eve {payload}.", "flash")
    assert_escaped(eve.get("/account").get_data(as_text=True), f"Eve {payload}", "header")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_search_parameters_are_escaped_where_they_are_reflected(app, payload):
    make_member(app, "chair@example.org", name="Chair", roles=(Role.COMMITTEE,))
    committee = signed_in(app, "chair@example.org")
    for path in ("/proposals", "/admin/members"):
        response = committee.get(path, query_string={"q": payload})
        assert response.status_code == 200, path
        assert_escaped(response.get_data(as_text=True), payload, path)
    for path, args in [("/proposals", {"sort": payload}), ("/proposals", {"page": payload})]:
        response = committee.get(path, query_string=args)
        assert 400 <= response.status_code < 500, (path, args)
        assert payload not in response.get_data(as_text=True), (path, args)


def strings_in(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in strings_in(item)]
    if isinstance(value, list):
        return [s for item in value for s in strings_in(item)]
    return []


@pytest.mark.parametrize("payload", PAYLOADS)
def test_json_and_csv_views_carry_names_and_titles_as_data_never_as_a_page(app, payload):
    world = build_world(app, payload)
    public = app.test_client()
    bearer = {"Authorization": f"Bearer {world['token']}"}
    json_views = [
        (f"/proposals/{world['signed']}/signatures.json", {}, f"Eve {payload}"),
        (f"/api/v1/proposals/{world['own']}", {}, f"Title {payload}"),
        ("/api/v1/proposals", {}, f"Title {payload}"),
        ("/api/v1/rulebook/versions", {}, f"Chair {payload}"),
        ("/api/v1/rulebook/versions", {}, f"Reason {payload}"),
        ("/api/v1/audit/log", bearer, f"Auditor {payload} ({world['auditor']})"),
    ]
    for path, headers, expected in json_views:
        response = public.get(path, headers=headers)
        assert response.status_code == 200, path
        assert response.mimetype == "application/json", path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert expected in strings_in(response.get_json()), path
    response = public.get(f"/proposals/{world['signed']}/signatures.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert ["public_name", f"Eve {payload}", ""] in rows


# -- static: nothing is marked safe but what was reviewed -----------------------------------

# Each Markup(...) in the code, by file and argument, with why its content is safe.
REVIEWED_MARKUP = {
    (
        "deliberate/services/markdown.py",
        "clean(html or '', warn_off_site=True, leave_url=leave_url)",
    ): ("Markdown HTML after the nh3 allow-list, cleaned again as it is shown"),
    ("deliberate/web/auth/settings.py", "two_factor_service.qr_svg(uri)"): (
        "an SVG segno draws from the TOTP secret: paths only, no user text"
    ),
}
# Template filters that return Markup, and the only fields they may be applied to.
MARKUP_FILTERS = {"sanitised", "proposal_html"}
_FILTERED = re.compile(r"\{\{\s*([\w.]+)\s*\|\s*(\w+)")
_UNSAFE_TEMPLATE = re.compile(r"\|\s*safe\b|autoescape\s+false|\bMarkup\b", re.I)


def unreviewed_markup(source: str, filename: str) -> list[str]:
    """Markup(...) calls and Markup imports under another name that are not reviewed."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            found += [
                f"{filename}:{node.lineno} imports Markup as {alias.asname}"
                for alias in node.names
                if alias.name == "Markup" and alias.asname
            ]
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name == "Markup":
            argument = ast.unparse(node.args[0]) if node.args else ""
            if (filename, argument) not in REVIEWED_MARKUP:
                found.append(f"{filename}:{node.lineno} Markup({argument})")
    return found


def test_markup_is_only_applied_where_it_was_reviewed():
    found = []
    for path in sorted((ROOT / "deliberate").rglob("*.py")):
        relative = str(path.relative_to(ROOT))
        found += unreviewed_markup(path.read_text(encoding="utf-8"), relative)
    assert found == []


def test_the_markup_sweep_catches_a_model_field_marked_safe():
    hostile = "from markupsafe import Markup\ndef title(p):\n    return Markup(p.title)\n"
    assert unreviewed_markup(hostile, "deliberate/web/x.py") == [
        "deliberate/web/x.py:3 Markup(p.title)"
    ]
    aliased = "from markupsafe import Markup as Safe\n"
    assert len(unreviewed_markup(aliased, "deliberate/web/x.py")) == 1


def test_no_template_or_python_string_marks_text_safe():
    offenders = []
    for path in sorted(ROOT.joinpath("templates").rglob("*")) + sorted(
        ROOT.joinpath("deliberate").rglob("*")
    ):
        if path.suffix not in {".html", ".txt", ".py", ".jinja", ".j2"}:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if path.suffix == ".py":
                # In Python only a Jinja string could hold the filter; Markup( is swept above.
                hits = re.findall(r"\|\s*safe\b|autoescape\s+false", line)
            else:
                hits = _UNSAFE_TEMPLATE.findall(line)
            offenders += [f"{path.relative_to(ROOT)}:{number}" for _ in hits]
    assert offenders == []


def test_markup_filters_are_only_applied_to_sanitised_html_fields():
    uses = []
    for path in sorted(ROOT.joinpath("templates").rglob("*.html")):
        for expression, name in _FILTERED.findall(path.read_text(encoding="utf-8")):
            if name in MARKUP_FILTERS:
                uses.append(expression)
    assert uses, "the sweep found no use of the Markdown filters at all"
    assert [u for u in uses if not u.endswith("body_html")] == []


def test_every_template_is_autoescaped(app):
    templates = sorted(p for p in ROOT.joinpath("templates").rglob("*") if p.is_file())
    assert templates and all(p.suffix == ".html" for p in templates)
    assert app.jinja_env.autoescape("page.html") is True
