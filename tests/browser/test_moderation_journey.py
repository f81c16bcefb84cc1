"""A post is flagged and hidden under a house rule: the public sees the notice and the log."""

import re

import pytest
from playwright.sync_api import Page, expect

from deliberate.models import Role
from tests.browser.journeys import sign_in, sign_out
from tests.conftest import make_member
from tests.debate_builders import make_proposal

pytestmark = pytest.mark.browser
INSULT = "Anyone who votes against this is a complete fool."
NOTICE = "Hidden by a moderator: R1 Personal attacks — Calls opponents fools"


@pytest.fixture
def proposal(app) -> str:
    make_member(app, "ann@example.org", name="Ann Author")
    make_member(app, "bo@example.org", name="Bo Bystander")
    make_member(app, "mo@example.org", name="Mo Moderator", roles=(Role.MODERATOR,))
    proposer = make_member(app, "pat@example.org", name="Pat Proposer")
    return make_proposal(app, proposer, title="Plant a tree on every street")


def test_flagged_post_is_hidden_with_a_public_reason_and_only_moderators_see_the_text(
    app, proposal, live_url, page: Page
):
    thread = f"{live_url}/proposals/{proposal}/discussion"
    sign_in(page, live_url, "ann@example.org")
    page.goto(f"{live_url}/proposals/{proposal}")
    page.get_by_role("link", name="Read the whole debate").click()
    page.get_by_role("group", name="Your stance").get_by_label("For").check()
    page.get_by_label("Your contribution").fill(INSULT)
    page.get_by_role("button", name="Post").click()
    expect(page.get_by_text("Your contribution is posted.")).to_be_visible()
    post = page.locator("article.contribution", has_text="Ann Author")
    expect(post).to_contain_text(INSULT)
    sign_out(page)

    sign_in(page, live_url, "bo@example.org")
    page.goto(thread)
    post.get_by_role("link", name="Flag").click()
    expect(page.get_by_role("heading", name="Flag a contribution")).to_be_visible()
    page.get_by_label("Which house rule does it break, and how?").fill("R1: calls people fools")
    page.get_by_role("button", name="Send to the moderators").click()
    expect(page.get_by_text("Thank you. The moderators will look at it.")).to_be_visible()
    expect(post.get_by_role("link", name="Flag")).to_have_count(0)
    sign_out(page)

    sign_in(page, live_url, "mo@example.org")
    page.goto(live_url + "/moderation/queue")
    flagged = page.locator("article", has_text=INSULT)
    expect(flagged).to_contain_text("1 flags")
    expect(flagged).to_contain_text("R1: calls people fools")
    flagged.get_by_role("link", name="Open the case").click()
    page.get_by_label("House rule broken").select_option(label="R1 Personal attacks")
    page.get_by_label("Public reason (shown in place of the text and in the moderation log)").fill(
        "Calls opponents fools"
    )
    page.get_by_role("button", name="Hide with this public reason").click()
    expect(
        page.get_by_text("Hidden. The notice and the moderation log show your reason.")
    ).to_be_visible()
    expect(page.locator("ul.timeline")).to_contain_text(
        "· R1 Personal attacks · Calls opponents fools · Mo Moderator"
    )
    page.goto(thread)
    expect(post.locator(".hidden-notice")).to_have_text(NOTICE)
    post.get_by_text("Original text (moderators and auditors only)").click()
    expect(post.locator("details.original")).to_contain_text(INSULT)
    page.goto(live_url + "/moderation/queue")
    expect(page.get_by_text("Nothing flagged.")).to_be_visible()
    sign_out(page)

    for who in ("bo@example.org", None):  # a member, then an anonymous visitor
        if who:
            sign_in(page, live_url, who)
        page.goto(thread)
        expect(post.locator(".hidden-notice")).to_have_text(NOTICE)
        expect(page.locator("main")).not_to_contain_text(INSULT)
        expect(page.locator("details.original")).to_have_count(0)
        page.get_by_role("link", name="Moderation log").click()
        entry = page.get_by_role("row").nth(1)
        expect(entry.locator(".badge")).to_have_text(re.compile("^hid", re.I))
        for text in ("Ann Author", "R1 Personal attacks", "Calls opponents fools", "Mo Moderator"):
            expect(entry).to_contain_text(text)
        expect(page.locator("main")).not_to_contain_text(INSULT)
        if who:
            sign_out(page)
