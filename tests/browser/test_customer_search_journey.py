"""A provider with more resellers than the filter lists, in a real Chromium at 1280 and 390 px: it searches by
the start of a word, is told the reseller list shows the first 50, types the start of a reseller's name,
picks it and sees only that reseller's customers."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import sign_in
from tests.customers.bulk import bulk_customers
from tests.customers.test_search import _partnerships

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_a_provider_narrows_the_reseller_filter_by_name_and_searches_by_word(
    live_server, browser, seller, make_member, width
):
    from partnerhub.accounts.models import Role

    provider = seller[0]
    resellers = _partnerships(provider, 60, name="Channel Partner {n:03d}")
    bulk_customers(provider, 2, reseller=resellers[57], name="Alpine Ski House {n}", prefix="alpineski")
    bulk_customers(provider, 1, name="Alpine Bakery", prefix="alpinebakery")
    member = make_member(provider, Role.HELPDESK_AGENT, email="dana@contoso.example")

    page = sign_in(browser, live_server.url, member.user.email, viewport={"width": width, "height": 900})
    page.goto(f"{live_server.url}/customers/")
    page.get_by_placeholder("Company name, domain or tenant ID").fill("ski alp")
    page.get_by_role("button", name="Search", exact=True).click()
    table = page.get_by_test_id("customer-table")
    expect(table).to_contain_text("Alpine Ski House 0")
    expect(table).not_to_contain_text("Alpine Bakery")

    expect(page.get_by_test_id("reseller-choices")).to_contain_text("first 50 resellers")
    expect(page.get_by_label("Indirect reseller").locator("option")).to_have_count(51)  # with "All resellers"
    page.get_by_placeholder("Company name, domain or tenant ID").fill("")
    page.get_by_placeholder("Reseller name starts with").fill("Channel Partner 05")
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_label("Indirect reseller").select_option(label="Channel Partner 057")
    page.get_by_role("button", name="Search", exact=True).click()

    expect(page.get_by_label("Indirect reseller")).to_have_value(str(resellers[57].pk))
    expect(table).to_contain_text("Alpine Ski House 1")
    expect(table).not_to_contain_text("Alpine Bakery")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
