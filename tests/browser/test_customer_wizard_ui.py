"""The add-customer wizard and a customer's subscriptions as a provider uses them in Chromium: Cancel
leaves nothing behind, the country starts empty, every error of a submit shows at once."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.helpers import PHONE, sign_in
from tests.customers.conftest import mca, offers, seller  # noqa: F401 — fixtures
from tests.relationships.conftest import active_provider, make_reseller, mpa, staff  # noqa: F401 — fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def provider_page(live_server, settings, browser, tmp_path, seller):  # noqa: F811
    settings.SITE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path
    return sign_in(browser, live_server.url, "megan@contoso.example")


def _account_info(page, domain="woodgrovefoods"):
    page.get_by_label("Company name").fill("Woodgrove Foods Inc.")
    page.get_by_label("Domain name").fill(domain)
    page.get_by_label("Country/region").select_option("US")
    page.get_by_label("Address line 1").fill("77 Market Street")
    page.get_by_label("City").fill("Portland")
    page.get_by_label("State or province").fill("OR")
    page.get_by_label("Postal code").fill("97204")
    page.get_by_label("First name").fill("Nestor")
    page.get_by_label("Last name").fill("Wilke")
    page.get_by_label("Email address").fill("nestor@woodgrove.example")
    page.get_by_role("button", name="Next: Customer agreement").click()


def test_cancel_on_review_with_attestation_ticked_creates_nothing(live_server, provider_page):
    from partnerhub.accounts.models import Organization

    page, base = provider_page, live_server.url
    customers_before = Organization.objects.filter(kind="customer").count()
    page.goto(f"{base}/customers/new/?new=1")
    _account_info(page)
    page.get_by_label("Date agreed").fill((timezone.localdate() - timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Next", exact=True).click()
    page.get_by_label("Business Standard").fill("3")
    page.get_by_role("button", name="Next: Review").click()
    page.get_by_label(re.compile("I confirm that my organization is acting")).check()

    page.get_by_role("button", name="Cancel").click()

    expect(page).to_have_url(re.compile(r"/customers/$"))
    expect(page.get_by_text("The new customer was cancelled; nothing was saved.")).to_be_visible()
    expect(page.get_by_text("Woodgrove Foods Inc.")).to_have_count(0)
    assert Organization.objects.filter(kind="customer").count() == customers_before
    # The wizard starts afresh: nothing of the cancelled customer is kept.
    page.goto(f"{base}/customers/new/")
    expect(page.get_by_label("Company name")).to_have_value("")


def test_indirect_resellers_fit_a_phone_with_their_actions_on_screen(live_server, settings, browser, seller):  # noqa: F811
    settings.SITE_URL = live_server.url
    page = sign_in(browser, live_server.url, "megan@contoso.example", viewport=PHONE)
    page.get_by_role("button", name="Toggle navigation").click()
    page.get_by_role("button", name="Partners").click()
    page.get_by_role("link", name="Indirect resellers").click()

    expect(page.get_by_role("heading", name="Indirect resellers")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    row = page.get_by_test_id("reseller-table").get_by_role("row", name=re.compile("Fabrikam Solutions LLC"))
    for action in ("Add new customer", "Remove partnership"):
        box = row.get_by_role("link", name=action).bounding_box()
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= PHONE["width"], action
