"""Price lists and Insights in a real Chromium, on a desktop and on a phone: Contoso puts its reseller Fabrikam
in the gold tier, adds a gold rule and then an override for Fabrikam, and sees the preview's price follow; then
opens Insights, whose charts fit the screen."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from customers.models import OfferPrice
from tests import scenarios
from tests.browser import steps
from tests.browser.helpers import shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _price(page, offer) -> Decimal:
    return Decimal(page.locator(f'tr[data-offer="{offer.pk}"] [data-testid="price"]').inner_text().replace(",", ""))


@pytest.mark.parametrize("width", [390, 1280])
def test_a_provider_prices_its_reseller_and_reads_its_insights(live_server, settings, browser, width):
    base = steps.serve(live_server, settings)
    mpa, staff = steps.partner_agreement(), steps.reviewer()
    scenarios.customer_agreement()
    offers = scenarios.catalogue()
    contoso, megan = steps.partner_organization("Contoso Distribution", "megan@contoso.example", "indirect_provider",
                                                staff, mpa)  # fmt: skip
    fabrikam, alex = steps.partner_organization("Fabrikam LLC", "alex@fabrikam.example", "indirect_reseller",
                                                staff, mpa)  # fmt: skip
    scenarios.partner(contoso, megan, fabrikam, alex)
    scenarios.new_customer(contoso, megan, fabrikam, prefix="woodgrovefoods", company_name="Woodgrove Foods Inc.",
                           lines=[(offers["standard"], 10)])  # fmt: skip
    standard = offers["standard"]
    list_price = OfferPrice.objects.get(offer=standard, currency=contoso.currency).unit_price
    viewport = {"width": width, "height": 900}

    page = sign_in(browser, base, "megan@contoso.example", viewport=viewport)
    page.goto(f"{base}/billing/prices/")
    expect(page.get_by_role("heading", name="Your price list")).to_be_visible()
    assert _price(page, standard) == list_price  # no rule yet: the list price

    # Fabrikam goes in the gold tier.
    tiers = page.get_by_test_id("tier-form")
    tiers.get_by_label("Organization").select_option(label="Fabrikam LLC")
    tiers.get_by_label("Price tier").fill("gold")
    tiers.get_by_role("button", name="Set the tier").click()
    expect(page.get_by_test_id("recipient-tiers")).to_contain_text("gold")

    # A gold rule: +20%.
    adding = page.get_by_test_id("add-rule")
    adding.locator("summary").click()
    adding.get_by_label("Price list name").fill("Gold resellers")
    adding.get_by_label("Applies to").select_option("tier")
    adding.get_by_label("Price tier").fill("gold")
    adding.get_by_label("Markup (%)").fill("20")
    adding.get_by_role("button", name="Add the rule").click()
    expect(page.get_by_test_id("price-rules")).to_contain_text("Gold resellers")
    page.get_by_label("Price for").select_option(label="Tier “gold”")
    page.get_by_role("button", name="Show").click()
    assert _price(page, standard) == (list_price * Decimal("1.2")).quantize(Decimal("0.01"))

    # An override for Fabrikam: 5% off.
    adding = page.get_by_test_id("add-rule")
    adding.locator("summary").click()
    adding.get_by_label("Price list name").fill("Fabrikam deal")
    adding.get_by_label("Applies to").select_option("recipient")
    adding.get_by_label("Organization").select_option(label="Fabrikam LLC")
    adding.get_by_label("Markup (%)").fill("-5")
    adding.get_by_role("button", name="Add the rule").click()
    page.get_by_label("Price for").select_option(label="Fabrikam LLC")
    page.get_by_role("button", name="Show").click()
    assert _price(page, standard) == (list_price * Decimal("0.95")).quantize(Decimal("0.01"))
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    if width > 1000:
        shot(page, "billing-price-list")

    # Insights: six charts, their numbers behind "The numbers", nothing wider than the screen.
    page.get_by_role("link", name="Insights").click()
    expect(page.locator("svg[data-chart]")).to_have_count(6)
    page.get_by_test_id("chart-revenue-cost").locator("summary").click()
    expect(page.get_by_test_id("table-revenue-cost")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    if width > 1000:
        shot(page, "billing-insights")
