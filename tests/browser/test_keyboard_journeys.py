"""Sign in, sign a proposal and cast a ballot with the keyboard alone, focus always visible.

Nothing here clicks or fills a locator: every step is Tab, Shift+Tab, Enter, Space or an
arrow key, and text is typed with page.keyboard after Tab has reached the field. At every
stop on the way the focused element must show a focus indicator (an outline or a shadow).
"""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from deliberate.extensions import db
from deliberate.models import Ballot, Proposal, Signature, VoteMethod, utcnow
from tests.conftest import PASSWORD, make_member
from tests.proposal_builders import proposal, ruleset
from tests.voting import make_vote

pytestmark = pytest.mark.browser
MAX_TAB_STOPS = 80

# What the focused element is, in words a test can match: its label, text or value.
DESCRIBE_FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const label = el.labels && el.labels.length ? el.labels[0].innerText : "";
  const own = el.getAttribute("aria-label") || "";
  const text = ["INPUT", "SELECT", "TEXTAREA"].includes(el.tagName) ? "" : el.innerText;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(),
    type: el.type || "",
    id: el.id,
    name: (label || own || text || el.value || "").trim().replace(/\\s+/g, " "),
    outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
    shadow: style.boxShadow !== "none",
    on_screen: box.right > 0 && box.bottom > 0 && box.width > 0 && box.height > 0,
    in_main: !!el.closest("main"),
  };
}"""


def focused(page: Page) -> dict | None:
    return page.evaluate(DESCRIBE_FOCUS)


def assert_focus_visible(stop: dict) -> None:
    assert stop["outline"] or stop["shadow"], f"no visible focus indicator on {stop}"
    assert stop["on_screen"], f"the focused element is off screen: {stop}"


def tab_to(page: Page, name: str, *, tag: str | None = None, backwards: bool = False) -> dict:
    """Press Tab (or Shift+Tab) until an element whose name starts with ``name`` has focus."""
    key = "Shift+Tab" if backwards else "Tab"
    seen = []
    for _ in range(MAX_TAB_STOPS):
        page.keyboard.press(key)
        stop = focused(page)
        if stop is None:
            continue
        assert_focus_visible(stop)
        seen.append(stop["name"])
        if stop["name"].startswith(name) and (tag is None or stop["tag"] == tag):
            return stop
    raise AssertionError(f"{name!r} cannot be reached with {key}; the stops were {seen}")


def type_into(page: Page, label: str, text: str) -> None:
    stop = tab_to(page, label)
    assert stop["tag"] in ("input", "textarea"), stop
    page.keyboard.type(text)


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/")
    tab_to(page, "Sign in", tag="a")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    type_into(page, "Email address", email)
    type_into(page, "Password", PASSWORD)
    page.keyboard.press("Enter")  # Enter in a field submits its form
    expect(page.get_by_text("Welcome back")).to_be_visible()


def test_skip_link_is_the_first_stop_is_visible_and_moves_focus_to_the_content(
    app, live_url, page: Page
):
    page.goto(live_url + "/proposals")
    page.keyboard.press("Tab")
    first = focused(page)
    assert first["name"] == "Skip to content" and first["tag"] == "a", first
    assert_focus_visible(first)
    page.keyboard.press("Enter")
    # Following an in-page link is not synchronous with the key press: wait for it.
    expect(page).to_have_url(re.compile(r"#main$"))
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'main'")
    page.keyboard.press("Tab")
    after = focused(page)
    assert after["in_main"], f"after skipping, Tab went to {after} instead of the content"
    assert after["name"] == "Search titles and summaries", after
    assert_focus_visible(after)
    page.keyboard.press("Shift+Tab")
    back = focused(page)
    assert back["name"] == "Join" and not back["in_main"], back  # the header's last link
    assert_focus_visible(back)


def test_member_signs_in_and_signs_a_proposal_by_keyboard(app, live_url, page: Page):
    make_member(app, "kay@example.org", name="Kay Keys")
    with app.app_context():
        ref = proposal(db.session, ruleset(threshold=5), title="Benches in the park").public_id
    sign_in(page, live_url, "kay@example.org")

    tab_to(page, "Proposals", tag="a")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Proposals", exact=True)).to_be_visible()
    tab_to(page, "Benches in the park", tag="a")
    page.keyboard.press("Enter")
    expect(page.locator("#proposal-state")).to_have_text("Collecting signatures")

    box = tab_to(page, "Show my name publicly as a signer")
    assert box["type"] == "checkbox", box
    page.keyboard.press("Space")
    tab_to(page, "Sign", tag="button")
    page.keyboard.press("Enter")
    expect(page.get_by_text("your signature is recorded")).to_be_visible()
    expect(page.locator("#signature-count")).to_have_text("1")
    expect(page.get_by_text("Your name is shown publicly.")).to_be_visible()
    with app.app_context():
        signatures = db.session.execute(
            select(Proposal.public_id, Signature.is_name_public).join(Proposal)
        ).all()
    assert signatures == [(ref, True)]


def test_member_casts_a_ballot_with_arrow_keys(app, live_url, page: Page):
    make_member(app, "kay@example.org", name="Kay Keys")
    start = utcnow() - timedelta(minutes=5)
    vote = make_vote(
        app, question="Move the office to Leeds?", opens_at=start,
        closes_at=start + timedelta(days=1), now=utcnow(),
    )  # fmt: skip
    sign_in(page, live_url, "kay@example.org")
    tab_to(page, "Votes", tag="a")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Votes", exact=True)).to_be_visible()
    tab_to(page, "Move the office to Leeds?", tag="a")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Move the office to Leeds?")).to_be_visible()

    first = tab_to(page, "Yes", tag="input")
    assert first["type"] == "radio", first
    page.keyboard.press("ArrowDown")  # moves to, and selects, "No"
    chosen = focused(page)
    assert chosen["name"] == "No", chosen
    assert_focus_visible(chosen)
    expect(page.get_by_label("No", exact=True)).to_be_checked()
    tab_to(page, "Cast my vote", tag="button")
    page.keyboard.press("Space")
    expect(page.get_by_role("heading", name="Your vote is recorded")).to_be_visible()
    with app.app_context():
        choices = db.session.scalars(select(Ballot.choice)).all()
    assert choices == ["no"], f"the vote {vote} recorded {choices}"


def test_member_ranks_candidates_with_arrow_keys(app, live_url, page: Page):
    make_member(app, "kay@example.org", name="Kay Keys")
    start = utcnow() - timedelta(minutes=5)
    election = make_vote(
        app, method=VoteMethod.STV, options=("Ada Lovelace", "Grace Hopper", "Alan Turing"),
        seats=2, question="Steering group", opens_at=start,
        closes_at=start + timedelta(days=1), now=utcnow(),
    )  # fmt: skip
    sign_in(page, live_url, "kay@example.org")
    page.goto(f"{live_url}/referendums/{election}")
    # One step down the list is rank 1, two steps rank 2; Ada stays unranked.
    for candidate, steps in (("Grace Hopper", 1), ("Alan Turing", 2)):
        stop = tab_to(page, candidate, tag="select")
        for _ in range(steps):
            page.keyboard.press("ArrowDown")
        assert page.evaluate("document.activeElement.value") == str(steps), stop
    tab_to(page, "Cast my vote", tag="button")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your vote is recorded")).to_be_visible()
    with app.app_context():
        choices = db.session.scalars(select(Ballot.choice)).all()
    assert choices == ["rank:grace-hopper>alan-turing"], choices
