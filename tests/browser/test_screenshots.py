"""Screenshots of the key pages, phone and desktop, saved for review (artifacts/screenshots)."""

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from deliberate.extensions import db
from deliberate.models import Proposal, ProposalState, Referendum, ReferendumState, utcnow
from deliberate.services import demo

pytestmark = pytest.mark.browser

OUT = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
SIZES = {"phone": {"width": 360, "height": 780}, "desktop": {"width": 1280, "height": 900}}


def key_pages(app) -> dict[str, str]:
    with app.app_context():
        collecting = db.session.scalar(
            select(Proposal.public_id)
            .where(Proposal.state == ProposalState.COLLECTING)
            .order_by(Proposal.signature_count.desc())
        )
        closed = db.session.scalar(
            select(Referendum.public_id)
            .where(Referendum.state == ReferendumState.CLOSED)
            .order_by(Referendum.id)
        )
    return {
        "home": "/",
        "proposals": "/proposals",
        "proposal": f"/proposals/{collecting}",
        "result": f"/referendums/{closed}/results",
        "rulebook": "/rulebook/",
    }


def test_key_pages_are_captured_on_phone_and_desktop(app, live_url, browser: Browser):
    with app.app_context():
        demo.seed(db.session, now=utcnow(), members=60)
    OUT.mkdir(parents=True, exist_ok=True)
    pages = key_pages(app)
    for size, viewport in SIZES.items():
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        page.goto(live_url + "/login")
        page.get_by_label("Email address").fill("member@demo.deliberate.test")
        page.get_by_label("Password", exact=True).fill(demo.DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("Welcome back")).to_be_visible()
        for name, path in pages.items():
            response = page.goto(live_url + path)
            assert response.status == 200 and "/login" not in page.url, path
            target = OUT / f"{name}-{size}.png"
            page.screenshot(path=str(target), full_page=True)
            assert target.stat().st_size > 5_000
        context.close()
