"""A transfer in a real Chromium, on a desktop and on a phone: Woodgrove, a customer of Contoso through its
reseller Fabrikam, is moved to Northwind, Fabrikam's other indirect provider ("from one reseller's provider to
another"). Contoso's Global admin opens the customer, clicks Transfer subscriptions and requests it; Northwind's
Global admin opens Transfers, reads what accepting does and accepts; the subscriptions now show under Northwind."""

import pytest
from playwright.sync_api import expect

from enrollment.models import PartnerId
from tests import scenarios
from tests.browser import steps
from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _menu(page) -> None:
    """On a phone the navigation is behind the menu button."""
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()


@pytest.mark.parametrize("width", [390, 1280])
def test_a_customer_moves_from_one_provider_to_another(live_server, settings, browser, width):
    base = steps.serve(live_server, settings)
    mpa, staff = steps.partner_agreement(), steps.reviewer()
    scenarios.customer_agreement()
    offers = scenarios.catalogue()
    contoso, megan = steps.partner_organization("Contoso Distribution", "megan@contoso.example", "indirect_provider",
                                                staff, mpa)  # fmt: skip
    northwind, nina = steps.partner_organization("Northwind Traders", "nina@northwind.example", "indirect_provider",
                                                 staff, mpa)  # fmt: skip
    fabrikam, alex = steps.partner_organization("Fabrikam LLC", "alex@fabrikam.example", "indirect_reseller",
                                                staff, mpa)  # fmt: skip
    scenarios.partner(contoso, megan, fabrikam, alex)
    scenarios.partner(northwind, nina, fabrikam, alex)
    scenarios.new_customer(contoso, megan, fabrikam, prefix="woodgrovefoods", company_name="Woodgrove Foods Inc.",
                           lines=[(offers["standard"], 10), (offers["security"], 5)])  # fmt: skip
    fabrikam_id = str(PartnerId.objects.get(organization=fabrikam, csp_associated=True).number)
    viewport = {"width": width, "height": 900}

    # Contoso's Global admin: Customers → Woodgrove → Transfer subscriptions.
    provider = sign_in(browser, base, "megan@contoso.example", viewport=viewport)
    _menu(provider)
    provider.get_by_role("link", name="Customers", exact=True).click()
    provider.get_by_role("link", name="Woodgrove Foods Inc.").click()
    provider.get_by_role("link", name="Transfer subscriptions").click()
    expect(provider.get_by_role("heading", name="Transfer subscriptions")).to_be_visible()
    for checkbox in provider.get_by_role("checkbox").all():
        checkbox.check()
    provider.get_by_label("Receiving partner").fill(str(northwind.tenant_id))
    provider.get_by_label("Partner of record").fill(fabrikam_id)
    provider.get_by_role("button", name="Request transfer").click()
    expect(provider.get_by_test_id("transfer-status")).to_have_text("Pending")
    expect(provider.get_by_test_id("transfer-target")).to_have_text("Northwind Traders")
    expect(provider.get_by_role("button", name="Cancel transfer")).to_be_visible()
    assert provider.evaluate("document.documentElement.scrollWidth") <= width

    # Northwind's Global admin: Transfers → the incoming transfer → reads what accepting does → Accept.
    target = sign_in(browser, base, "nina@northwind.example", viewport=viewport)
    _menu(target)
    target.get_by_role("link", name="Transfers", exact=True).click()
    expect(target.get_by_test_id("transfers")).to_contain_text("Pending")
    target.get_by_role("link", name="Woodgrove Foods Inc.").click()
    expect(target.get_by_text("If you accept, these subscriptions become yours")).to_be_visible()
    expect(target.get_by_test_id("transfer-items")).to_contain_text("Business Standard")
    target.get_by_role("button", name="Accept transfer").click()
    expect(target.get_by_test_id("transfer-status")).to_have_text("Accepted")
    assert target.evaluate("document.documentElement.scrollWidth") <= width

    # The subscriptions now show under Northwind, on its customer's page.
    _menu(target)
    target.get_by_role("link", name="Customers", exact=True).click()
    target.get_by_role("link", name="Woodgrove Foods Inc.").click()
    table = target.locator("table").filter(has_text="Business Standard")
    expect(table).to_contain_text("Endpoint Security")

    # Contoso sees the transfer accepted.
    provider.reload()
    expect(provider.get_by_test_id("transfer-status")).to_have_text("Accepted")
