"""A new member registers, opens the emailed link, signs in and out, in real Chromium."""

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD, link_in, outbox

pytestmark = pytest.mark.browser


def test_register_confirm_sign_in_and_out(app, live_url, page: Page):
    page.goto(live_url + "/")
    page.get_by_role("link", name="Join").first.click()
    page.get_by_label("Your name, as other members will see it").fill("Bea Browser")
    page.get_by_label("Email address").fill("bea@example.org")
    page.get_by_label("Password (at least 10 characters)").fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_label("I accept this declaration").check()
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()

    ((to, _subject, body, _status),) = outbox(app)
    assert to == "bea@example.org"
    page.goto(live_url + link_in(body))
    page.get_by_role("button", name="Confirm my email").click()
    expect(page.get_by_text("Your email address is confirmed")).to_be_visible()

    page.get_by_label("Email address").fill("bea@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Welcome back, Bea Browser.")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    expect(page.get_by_role("navigation").get_by_role("link", name="Sign in")).to_be_visible()


def test_bad_registration_shows_errors_beside_fields_and_keeps_input(app, live_url, page: Page):
    page.goto(live_url + "/register")
    page.get_by_label("Your name, as other members will see it").fill("Kept Name")
    page.get_by_label("Email address").fill("not-an-email")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter a valid email address")
    expect(page.get_by_label("Your name, as other members will see it")).to_have_value("Kept Name")
    email = page.get_by_label("Email address")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_attribute("aria-describedby", "email-error")
