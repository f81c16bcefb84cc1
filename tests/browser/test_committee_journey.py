"""The committee raises a signature threshold and a quorum, previews, saves, and it is public."""

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from deliberate.extensions import db
from deliberate.models import Proposal, ProposalState, Role, RulebookVersion
from tests.audit_builders import closed_vote
from tests.browser.journeys import sign_in
from tests.conftest import make_member
from tests.debate_builders import member_id
from tests.voting import T0

pytestmark = pytest.mark.browser


def past_proposal(app, author: int, title: str, signatures: int, days: int) -> None:
    """A proposal whose collection finished: what the feasibility replay reads."""
    opened = T0 - timedelta(days=200)
    with app.app_context():
        db.session.add(
            Proposal(
                kind="campaign",
                title=title,
                summary="A past proposal.",
                body="Done.",
                author_id=author,
                state=ProposalState.LAPSED,
                signature_count=signatures,
                signatures_open_at=opened,
                closed_at=opened + timedelta(days=days),
                created_at=opened,
            )
        )
        db.session.commit()


@pytest.fixture
def history(app):
    """Two past proposals (12 signatures in 30 days, 30 in 10) and one closed referendum
    (7 voters: 3 yes, 1 no, 1 abstain, so 5 of 7 turned out)."""
    closed_vote(app)
    chair = make_member(app, "chair@example.org", name="Chris Chair", roles=(Role.COMMITTEE,))
    past_proposal(app, member_id(app, chair), "Longer opening hours", 12, 30)
    past_proposal(app, member_id(app, chair), "A members' newsletter", 30, 10)


def versions(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(RulebookVersion))


def test_committee_previews_feasibility_saves_with_reason_and_the_history_shows_it(
    app, history, live_url, page: Page
):
    sign_in(page, live_url, "chair@example.org")
    page.get_by_role("navigation").get_by_role("link", name="Rulebook").click()
    campaign = page.get_by_role("region", name="Campaign campaign")
    # Today: 2% of 8 members is 1 signature, which both past proposals reached.
    expect(campaign.locator(".feasibility")).to_contain_text(
        "1 signature needed; median past proposal 21, best ever 30; "
        "2 of 2 past proposals would have qualified"
    )
    campaign.get_by_role("link", name="Edit these rules").click()
    expect(page.get_by_role("heading", name="Edit the rules for campaign")).to_be_visible()

    tier = page.get_by_role("group", name="Tier 1")
    tier.get_by_label("Number of signatures").fill("20")
    tier.get_by_label("Percentage of members").fill("")
    page.get_by_label("Turnout quorum (%)").fill("75")
    page.get_by_role("button", name="Preview").click()

    preview = page.get_by_role("region", name="Preview (nothing saved yet)")
    expect(preview).to_be_visible()
    diff = preview.get_by_role("table", name="Changes against the rules in force")
    expect(diff).to_contain_text("At 2% of members, it goes to a members' vote")
    expect(diff).to_contain_text("→ At 20 signatures, it goes to a members' vote")
    expect(diff).to_contain_text("→ At least 75% of the electorate must vote")
    sentences = preview.locator(".feasibility")
    expect(sentences).to_contain_text(
        "Tier 1 (it goes to a members' vote): 20 signatures needed; median past proposal 21, "
        "best ever 30; 1 of 2 past proposals would have qualified. That is 1 a day over the "
        "window; the fastest ever was 3 a day."
    )
    expect(sentences).to_contain_text("0 of 1 past referendum would have passed.")
    expect(sentences).to_contain_text("75% turnout needed; best ever 71.4%")
    # The preview kept what was typed, and saved nothing.
    expect(tier.get_by_label("Number of signatures")).to_have_value("20")
    expect(page.get_by_text("Based on version 1.")).to_be_visible()
    assert versions(app) == 1

    page.get_by_label("Reason for the change (shown in the public history)").fill(
        "Ask for broader support before a vote"
    )
    page.get_by_role("button", name="Save as new version").click()
    expect(page.get_by_text("Saved as version 2 of the rulebook.")).to_be_visible()
    expect(page.get_by_role("heading", name="Rulebook version 2")).to_be_visible()
    expect(page.get_by_role("table", name="Changes from version 1")).to_contain_text(
        "→ At 20 signatures, it goes to a members' vote"
    )

    assert versions(app) == 2
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    page.goto(live_url + "/rulebook/")
    facts = page.locator("section", has=page.get_by_role("heading", name="Rules in force"))
    expect(facts).to_contain_text("Ask for broader support before a vote")
    expect(facts.locator("dd").first).to_have_text("2")
    campaign = page.get_by_role("region", name="Campaign campaign")
    expect(campaign).to_contain_text("At 20 signatures, it goes to a members' vote")
    expect(campaign).to_contain_text("At least 75% of the electorate must vote")
    expect(campaign).not_to_contain_text("At 2% of members")
    expect(campaign.locator(".feasibility")).to_contain_text(
        "20 signatures needed; median past proposal 21, best ever 30; "
        "1 of 2 past proposals would have qualified"
    )
    expect(page.get_by_role("link", name="Edit these rules")).to_have_count(0)

    page.get_by_role("link", name="History of changes").click()
    newest = page.get_by_role("row").nth(1)
    expect(newest).to_contain_text("Version 2")
    expect(newest).to_contain_text("Chris Chair")
    expect(newest).to_contain_text("Ask for broader support before a vote")
    expect(page.get_by_role("row").nth(2)).to_contain_text("Initial rulebook")
