"""The API's documentation in a real Chromium: /api/docs/ renders the OpenAPI document with Swagger UI from our
own static files — its operations shown, an operation opened, nothing fetched from another host and nothing
blocked by the Content-Security-Policy — at 1280 and 390 px. The docs are public: no sign-in."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser import steps
from tests.browser.helpers import _WIDEST, DESKTOP, PHONE, new_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "390px"])
def test_the_api_docs_render_from_our_own_files(live_server, settings, browser, viewport):
    base = steps.serve(live_server, settings)
    local = urlsplit(base).netloc
    page = new_page(browser, viewport=viewport)
    elsewhere: list[str] = []
    page.on("request", lambda request: elsewhere.append(request.url)
            if urlsplit(request.url).scheme in ("http", "https", "ws", "wss")
            and urlsplit(request.url).netloc != local else None)  # fmt: skip

    page.goto(f"{base}/api/docs/")

    expect(page.get_by_role("heading", name="PartnerHub API")).to_be_visible()
    operation = page.locator(".opblock", has_text="/api/v1/organization")
    expect(operation).to_be_visible()
    expect(page.locator(".opblock-tag", has_text="organization")).to_be_visible()
    operation.locator(".opblock-summary").first.click()
    expect(page.locator(".opblock-body").first).to_contain_text("legal_name")
    expect(page.locator(".responses-table").first).to_contain_text("application/problem+json")
    # The token URL and scheme are shown under Authorize.
    page.get_by_role("button", name="Authorize").first.click()
    expect(page.locator(".auth-container").first).to_contain_text("/api/oauth/token/")
    assert elsewhere == []
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"the docs page is {width} px wide at {viewport['width']} px: " + page.evaluate(
        _WIDEST
    )
