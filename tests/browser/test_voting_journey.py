"""Members vote in a referendum and an STV election, then check receipts and read the rounds."""

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from deliberate.extensions import db
from deliberate.models import VoteMethod, utcnow
from deliberate.services import counting, referendums
from tests.browser.journeys import sign_in
from tests.conftest import make_member
from tests.voting import make_vote

pytestmark = pytest.mark.browser
CANDIDATES = ("Ada Lovelace", "Grace Hopper", "Alan Turing")
BALLOTS = {  # voter -> (referendum answer, STV ranking)
    "ann": ("Yes", ["Ada Lovelace", "Grace Hopper"]),
    "bo": ("Yes", ["Grace Hopper", "Ada Lovelace"]),
    "cy": ("No", ["Ada Lovelace", "Alan Turing"]),
}


def close_now(app, vote: str) -> None:
    with app.app_context():
        closes = referendums.get(db.session, vote).closes_at
        db.session.commit()
        counting.close_and_count(db.session, vote, closes)


def test_members_vote_check_receipts_and_read_the_verdict_and_rounds(app, live_url, page: Page):
    for name in BALLOTS:
        make_member(app, f"{name}@example.org", name=name.title())
    start = utcnow() - timedelta(minutes=5)
    window = {"opens_at": start, "closes_at": start + timedelta(days=1), "now": utcnow()}
    referendum = make_vote(app, question="Adopt the new constitution?", **window)
    election = make_vote(
        app, method=VoteMethod.STV, options=CANDIDATES, seats=2, question="Steering group", **window
    )
    receipts = {}
    for name, (answer, ranking) in BALLOTS.items():
        sign_in(page, live_url, f"{name}@example.org")
        page.get_by_role("navigation").get_by_role("link", name="Votes").click()
        page.get_by_role("link", name="Adopt the new constitution?").click()
        page.get_by_label(answer, exact=True).check()
        page.get_by_role("button", name="Cast my vote").click()
        expect(page.get_by_role("heading", name="Your vote is recorded")).to_be_visible()
        page.goto(f"{live_url}/referendums/{election}")
        for rank, candidate in enumerate(ranking, start=1):
            page.get_by_label(candidate).select_option(str(rank))
        page.get_by_role("button", name="Cast my vote").click()
        receipts[name] = page.locator("#receipt").inner_text()
        page.get_by_role("button", name="Sign out").click()

    close_now(app, referendum)
    close_now(app, election)

    sign_in(page, live_url, "ann@example.org")
    page.goto(f"{live_url}/referendums/{election}")
    page.get_by_label("Your receipt code").fill(receipts["ann"])
    page.get_by_role("button", name="Check").click()
    expect(page.locator("#receipt-choice")).to_have_text("Ada Lovelace > Grace Hopper")
    page.get_by_role("link", name="Find it in the published ballot list").click()
    expect(page.get_by_role("heading", name="Every ballot", exact=False)).to_be_visible()

    page.goto(f"{live_url}/referendums/{election}/results")
    expect(page.locator("#verdict")).to_contain_text(
        "Elected, in order of election: Ada Lovelace and Grace Hopper"
    )
    expect(page.locator("#rounds")).to_be_visible()
    page.goto(f"{live_url}/referendums/{referendum}/results")
    expect(page.locator("#verdict")).to_contain_text("Passed")
