"""Crawl every page type reachable from the home page, as each role, in real Chromium.

Each page must answer without a server error, and axe-core (WCAG 2.0/2.1 A and AA) must
find no serious or critical violation. Page types are found by link-walking, with ids in
paths folded together so each kind of page is checked once per role.

Seeding the demo organisation takes most of the time, so it is seeded once for the
module and every role crawls the same organisation (a crawl signs in and reads, nothing
more). The module's app has a database file of its own on SQLite; on PostgreSQL it
shares the test database, which it empties before seeding, and the next test outside
this module empties again when its own `app` is built.
"""

import re
from collections import deque
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import axe_playwright_python
import pytest
from playwright.sync_api import Page, expect

from config import TestConfig
from deliberate import create_app
from deliberate.extensions import db
from deliberate.models import utcnow
from deliberate.services import demo
from tests.conftest import _reset_schema, database_url

pytestmark = pytest.mark.browser

AXE_JS = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
ROLES = {
    "anonymous": None,
    "member": "member@demo.deliberate.test",
    "moderator": "moderator@demo.deliberate.test",
    "committee": "committee@demo.deliberate.test",
    "auditor": "auditor@demo.deliberate.test",
}
MAX_PAGES_PER_ROLE = 45
SKIP = re.compile(r"^/(static/|api/)|\.(csv|zip|json|svg|png)$|/logout$")


def page_type(path: str) -> str:
    """The path with ids folded, so /proposals/Ab3dE.. and /proposals/Xy9.. are one type."""
    parts = [
        ("*" if re.fullmatch(r"[A-Za-z0-9_-]{8,}|\d+", p) and not p.isalpha() else p)
        for p in path.split("/")
    ]
    return "/".join(parts)


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    """One app with the demo organisation seeded, shared by every role's crawl."""
    tmp = tmp_path_factory.mktemp("crawl")
    overrides = {
        "SQLALCHEMY_DATABASE_URI": database_url(tmp),
        "INSTANCE_PATH": str(tmp / "instance"),
        "SIGNING_KEY_PATH": str(tmp / "signing_key.pem"),  # /audit/public-key makes one
    }
    application = create_app(type("CrawlConfig", (TestConfig,), overrides))
    _reset_schema(application)
    with application.app_context():
        demo.seed(db.session, now=utcnow(), members=40)
        db.session.remove()
    yield application
    with application.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture
def app(demo_app):
    """This module's tests (and live_url) use the shared, seeded app."""
    return demo_app


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # Without this the crawl could quietly run as an anonymous visitor.
    expect(page.get_by_text("Welcome back")).to_be_visible()


def serious_violations(page: Page) -> list[str]:
    page.evaluate(AXE_JS)
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', "
        "'wcag21aa'], resultTypes: ['violations']})"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {v['nodes'][0]['target']}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_type_is_error_free_and_accessible(page: Page, live_url, role):
    if ROLES[role]:
        sign_in(page, live_url, ROLES[role])
    seen_types: set[str] = set()
    queue = deque(["/"])
    problems, visited = [], 0
    while queue and visited < MAX_PAGES_PER_ROLE:
        path = queue.popleft()
        kind = page_type(urlsplit(path).path)
        if kind in seen_types:
            continue
        seen_types.add(kind)
        response = page.goto(live_url + path)
        visited += 1
        status = response.status if response else 0
        if status >= 500:
            problems.append(f"{path}: HTTP {status}")
            continue
        is_html = "text/html" in (response.headers.get("content-type", "") if response else "")
        if status < 400 and is_html:
            problems.extend(f"{path}: {v}" for v in serious_violations(page))
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            target = urlsplit(urljoin(live_url + path, href))
            if target.netloc != urlsplit(live_url).netloc or SKIP.search(target.path):
                continue
            link = target.path + (f"?{target.query}" if target.query else "")
            if page_type(target.path) not in seen_types:
                queue.append(link)
    assert visited >= 3, f"the crawl as {role} found almost nothing"
    assert problems == [], "\n".join(problems)
