"""A member drafts a campaign, two co-sponsor it, thirty sign: the next stage opens once."""

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from deliberate.extensions import db
from deliberate.models import Proposal, ProposalState, ThresholdCrossing, utcnow
from deliberate.services import signing
from tests.browser.journeys import sign_in, sign_out
from tests.proposal_builders import add_members, ruleset, use_rules

pytestmark = pytest.mark.browser


def test_draft_cosponsor_and_thirty_signatures_open_deliberation_once(app, live_url, page: Page):
    with app.app_context():
        use_rules(db.session, ruleset(threshold=30, co_sponsors=2))
        add_members(db.session, 1, prefix="author")
        add_members(db.session, 2, prefix="backer")
        signers = add_members(db.session, 30, prefix="signer")

    sign_in(page, live_url, "author.0@example.org")
    page.get_by_role("navigation").get_by_role("link", name="Proposals").click()
    page.get_by_role("link", name="Start a proposal").click()
    page.get_by_label("Kind of proposal").select_option("campaign")
    page.get_by_label("Title", exact=True).fill("Bike racks at every station")
    page.get_by_label("Summary (one or two sentences, shown in lists)").fill("Secure racks.")
    page.get_by_label("Full text", exact=False).fill("We ask for **secure** racks.")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_text("Only you can see it")).to_be_visible()
    page.get_by_role("button", name="Register the proposal").click()
    expect(page.locator("#proposal-state")).to_have_text("Seeking co-sponsors")
    proposal_url = page.url
    invite = page.get_by_label("Invitation link").input_value()
    sign_out(page)

    for n in range(2):
        sign_in(page, live_url, f"backer.{n}@example.org")
        page.goto(invite.replace("http://localhost", live_url))
        page.get_by_role("button", name="Co-sponsor this proposal").click()
        expect(page.get_by_text("you co-sponsor this proposal")).to_be_visible()
        sign_out(page)
    page.goto(proposal_url)
    expect(page.locator("#proposal-state")).to_have_text("Collecting signatures")

    with app.app_context():
        pid = db.session.scalar(select(Proposal.id))
        for member_id in signers[:28]:
            signing.sign(db.session, proposal_id=pid, member_id=member_id, show_name=False,
                         ip="192.0.2.7", now=utcnow())  # fmt: skip
    for n in (28, 29):
        sign_in(page, live_url, f"signer.{n}@example.org")
        page.goto(proposal_url)
        page.get_by_label("Show my name publicly as a signer").check()
        page.get_by_role("button", name="Sign", exact=True).click()
        expect(page.get_by_text("your signature is recorded")).to_be_visible()
        sign_out(page)

    page.goto(proposal_url)
    expect(page.locator("#proposal-state")).to_have_text("In deliberation")
    expect(page.locator("#timeline")).to_contain_text("Threshold crossed: tier 1")
    expect(page.locator("#signature-count")).to_have_text("30")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ThresholdCrossing)) == 1
        assert db.session.scalar(select(Proposal.state)) == ProposalState.DELIBERATION
