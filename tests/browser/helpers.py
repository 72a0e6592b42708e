"""What every browser journey does: open a page, sign in, and (with UPDATE_SCREENSHOTS=1) refresh the
README's screenshots."""

from __future__ import annotations

import os
from pathlib import Path

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


# Console errors that say the Content-Security-Policy blocked something, from every page of the current test
# (tests/browser/conftest.py fails the test on any).
CSP_VIOLATIONS: list[str] = []


def _watch_csp(message) -> None:
    if message.type == "error" and "Content Security Policy" in message.text:
        CSP_VIOLATIONS.append(message.text)


def watched(page):
    """A page whose console is watched for CSP violations."""
    page.on("console", _watch_csp)
    return page


def new_page(browser, **context):
    page = browser.new_context(locale="en-US", **context).new_page()
    page.set_default_timeout(10_000)
    page.on("console", _watch_csp)
    return page


def sign_in_on(page, base: str, email: str, password: str = PASSWORD):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    return page


def sign_in(browser, base: str, email: str, password: str = PASSWORD, **context):
    """A fresh browser context, signed in."""
    return sign_in_on(new_page(browser, **context), base, email, password)


def shot(page, name: str) -> None:
    """With UPDATE_SCREENSHOTS=1, refresh the README's screenshots from this journey."""
    if os.environ.get("UPDATE_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
