"""Steps every browser journey shares: signing in and out through the real form."""

from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD


def sign_in(page: Page, base: str, email: str, password: str = PASSWORD) -> None:
    """Sign in with the form and wait until the page says so."""
    page.goto(base + "/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def sign_out(page: Page) -> None:
    """Sign out with the header button and wait until the page says so."""
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
