"""Open redirects and links to other sites (T22).

Redirect targets: the only ones taken from a request are ?next= on sign-in (and the
two-factor step after it), both through web/forms_glue.py::safe_next; sign-out and every
other redirect goes to a url_for address, and a static sweep keeps it that way. There is no
language switch with a return address: the language is an account setting.

Links in members' Markdown carry rel="nofollow noopener noreferrer ugc", and a link to
another site goes through /leave, a page that names the site (and its punycode spelling)
before the reader follows it, as Decidim does since CVE-2023-32693.
"""

import ast
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
import time_machine

from deliberate.services import markdown
from tests.conftest import PASSWORD, AuthActions, csrf_from, make_member, now_utc
from tests.debate_builders import contribute, make_proposal
from tests.web.test_two_factor import enrol

ROOT = Path(__file__).resolve().parents[2]

HOSTILE_TARGETS = [
    "https://evil.example/",
    "http://evil.example",
    "//evil.example/",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "\\/evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "http:evil.example",
    "https:/evil.example",
    " //evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "\x00//evil.example",
    "evil.example",
]


def login_with_next(app, target: str):
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    data = {"csrf_token": token, "email": "ann@example.org", "password": PASSWORD}
    return client.post("/login", query_string={"next": target}, data=data)


@pytest.mark.parametrize("target", HOSTILE_TARGETS)
def test_sign_in_never_redirects_off_the_site(app, target):
    make_member(app)
    response = login_with_next(app, target)
    assert response.status_code == 302
    assert response.location == "/", (target, response.location)


@pytest.mark.parametrize("target", ["/account", "/proposals?sort=new", "/%2F/evil.example"])
def test_sign_in_follows_a_same_site_path(app, target):
    make_member(app)
    response = login_with_next(app, target)
    assert response.location == target
    assert not urlsplit(response.location).netloc


@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example", "javascript:alert(1)"])
def test_the_two_factor_step_never_redirects_off_the_site(app, client, auth, target):
    make_member(app)
    auth.login()
    secret = enrol(app, auth)
    auth.logout()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    data = {"csrf_token": token, "email": "ann@example.org", "password": PASSWORD}
    response = client.post("/login", query_string={"next": target}, data=data)
    assert response.location.endswith("/login/code")
    with time_machine.travel(now_utc() + timedelta(seconds=60)):
        response = auth.post("/login/code", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302 and response.location == "/"


def test_sign_out_ignores_a_next_address(app, client, auth):
    make_member(app)
    auth.login()
    token = csrf_from(client.get("/").get_data(as_text=True))
    response = client.post("/logout?next=https://evil.example/", data={"csrf_token": token})
    assert response.status_code == 302 and response.location == "/"


# -- every redirect in the code takes a target the app built ---------------------------------

# Calls whose result is an address the app built itself (or checked, for safe_next).
SAFE_TARGETS = {"url_for", "safe_next", "thread_url"}


def _called(node) -> str | None:
    if isinstance(node, ast.Call):
        func = node.func
        return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    return None


def _assigned(function) -> dict[str, list]:
    values: dict[str, list] = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                pairs = (
                    zip(target.elts, node.value.elts, strict=False)
                    if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple)
                    else [(target, node.value)]
                )
                for name, value in pairs:
                    if isinstance(name, ast.Name):
                        values.setdefault(name.id, []).append(value)
    return values


def _is_built(node, assigned: dict[str, list]) -> bool:
    if _called(node) in SAFE_TARGETS:
        return True
    if isinstance(node, ast.Name) and node.id in assigned:
        return all(_called(value) in SAFE_TARGETS for value in assigned[node.id])
    return False


def unsafe_redirects(source: str, filename: str) -> list[str]:
    """Every redirect(...) in the source whose target is not an address the app built."""
    found = []
    tree = ast.parse(source)
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        assigned = _assigned(function)
        for node in ast.walk(function):
            if _called(node) == "redirect" and not _is_built(node.args[0], assigned):
                found.append(f"{filename}:{node.lineno} {ast.unparse(node)}")
    return found


def test_every_redirect_in_the_app_goes_to_an_address_it_built():
    found = []
    for path in sorted((ROOT / "deliberate").rglob("*.py")):
        found += unsafe_redirects(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert found == []


def test_no_view_reads_the_referer_or_sets_a_location_itself():
    for path in sorted((ROOT / "deliberate").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert "request.referrer" not in text and '"Location"' not in text, path


def test_the_redirect_sweep_catches_a_target_from_the_request():
    hostile = (
        "def view():\n"
        "    target = request.args.get('next')\n"
        "    if target:\n"
        "        return redirect(target)\n"
        "    return redirect(request.form['back'])\n"
    )
    assert len(unsafe_redirects(hostile, "hostile.py")) == 2
    fine = "def view():\n    path = url_for('x')\n    return redirect(path)\n"
    assert unsafe_redirects(fine, "fine.py") == []


# -- links in members' Markdown ---------------------------------------------------------------


def test_a_link_to_another_site_goes_through_the_warning_page_with_ugc_rel():
    html = markdown.as_markup(markdown.render("[site](https://evil.example/a?b=1&c=2)"))
    assert 'rel="nofollow noopener noreferrer ugc"' in html
    href = html.split('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert href.startswith("/leave?")
    assert parse_qs(urlsplit(href).query) == {"to": ["https://evil.example/a?b=1&c=2"]}


@pytest.mark.parametrize(
    ("source", "leaves_to"),
    [
        ("[a](//evil.example/p)", "https://evil.example/p"),
        ("[a](/\\/evil.example)", "https://evil.example"),  # Markdown's \/ is a /
        ("[a](http:evil.example)", "http://evil.example"),
        ("[a](https:/evil.example)", "https://evil.example"),
        ("[a](HTTPS://EVIL.example)", "https://EVIL.example"),
        ("<https://evil.example>", "https://evil.example"),
    ],
)
def test_every_spelling_of_an_off_site_link_is_caught(source, leaves_to):
    html = markdown.as_markup(markdown.render(source))
    href = html.split('href="', 1)[1].split('"', 1)[0]
    assert parse_qs(urlsplit(href).query) == {"to": [leaves_to]}, html


@pytest.mark.parametrize("source", ["[a](/proposals/x)", "[a](#top)", "[a](mailto:a@b.example)"])
def test_links_that_stay_on_the_site_are_left_alone(source):
    html = markdown.as_markup(markdown.render(source))
    assert "/leave" not in html and 'rel="nofollow noopener noreferrer ugc"' in html


def test_a_stored_row_with_a_backslash_or_spaced_link_is_caught_when_shown():
    # Stored HTML changed behind the app's back is cleaned again when shown.
    html = markdown.as_markup('<a href="/\\evil.example">x</a><a href=" https://e.example">y</a>')
    assert html.count('href="/leave?to=https%3A%2F%2F') == 2


def test_the_stored_html_keeps_the_real_address():
    assert 'href="https://evil.example/"' in markdown.render("[a](https://evil.example/)")


def test_the_warning_page_names_the_site_and_does_not_redirect(app, client):
    response = client.get("/leave", query_string={"to": "https://evil.example/path?q=1"})
    assert response.status_code == 200
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    page = response.get_data(as_text=True)
    assert '<bdi id="leave-host">evil.example</bdi>' in page
    assert (
        '<a class="button" id="leave-continue" href="https://evil.example/path?q=1" '
        'rel="nofollow noopener noreferrer ugc">'
    ) in page
    assert "Never enter your password for" in page


def test_the_warning_page_spells_an_international_host_in_punycode(client):
    page = client.get("/leave", query_string={"to": "https://\u0430pple.example/"}).get_data(
        as_text=True
    )
    assert '<span id="leave-ascii-host">xn--pple-43d.example</span>' in page


@pytest.mark.parametrize(
    "target", ["", "javascript:alert(1)", "/proposals", "mailto:a@b.example", "https://", "evil"]
)
def test_the_warning_page_refuses_what_is_not_a_web_address(client, target):
    assert client.get("/leave", query_string={"to": target}).status_code == 400


def test_a_script_target_is_escaped_on_the_warning_page(client):
    target = 'https://evil.example/"><script>alert(1)</script>'
    page = client.get("/leave", query_string={"to": target}).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("own", ["http://localhost/proposals?sort=new", "//localhost/proposals"])
def test_a_link_to_our_own_site_skips_the_warning_as_a_relative_path(client, own):
    response = client.get("/leave", query_string={"to": own})
    assert response.status_code == 302
    assert response.location.startswith("/proposals") and not urlsplit(response.location).netloc


def test_a_debate_post_shows_its_off_site_link_through_the_warning(app):
    ann = make_member(app, "ann@example.org", name="Ann")
    proposal = make_proposal(app, ann)
    contribute(app, proposal, ann, "See [the report](https://evil.example/report).")
    page = app.test_client().get(f"/proposals/{proposal}/discussion").get_data(as_text=True)
    assert 'href="/leave?to=https%3A%2F%2Fevil.example%2Freport"' in page
    assert 'href="https://evil.example/report"' not in page
    client = app.test_client()
    AuthActions(client).login("ann@example.org")
    warning = client.get("/leave?to=https%3A%2F%2Fevil.example%2Freport")
    assert warning.status_code == 200 and "evil.example" in warning.get_data(as_text=True)


@pytest.mark.parametrize("template_filter", ["proposal_html", "sanitised"])
def test_under_a_path_prefix_the_warning_page_link_keeps_the_prefix(app, template_filter):
    # Served at https://example.org/deliberate/ (SCRIPT_NAME=/deliberate), "/leave" would
    # be another application's page; the filters ask the app where its page is.
    html = markdown.render("[site](https://evil.example/)")
    with app.test_request_context("/", base_url="http://localhost/deliberate/"):
        shown = app.jinja_env.filters[template_filter](html)
    assert 'href="/deliberate/leave?to=https%3A%2F%2Fevil.example%2F"' in shown
