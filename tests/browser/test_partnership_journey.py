"""Partnerships in a real Chromium: the provider requests a partnership and sends it from PartnerHub →
the reseller's Global admin opens the emailed link and authorizes → each lists the other → the
reseller removes the provider's admin access → the provider removes the partnership."""

import pytest
from playwright.sync_api import expect

from tests.browser import steps
from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_partnership_journey(live_server, settings, browser, tmp_path):
    base = steps.serve(live_server, settings, tmp_path)
    mpa = steps.partner_agreement()
    staff = steps.reviewer()
    for name, email, program in (
        ("Contoso Distribution", "megan@contoso.example", "indirect_provider"),
        ("Fabrikam LLC", "alex@fabrikam.example", "indirect_reseller"),
    ):
        steps.partner_organization(name, email, program, staff, mpa, domain="contoso.example")

    # The provider requests a partnership and sends it from PartnerHub.
    provider = sign_in(browser, base, "megan@contoso.example")
    steps.request_partnership(provider, base, "alex@fabrikam.example")
    provider.get_by_role("button", name="Send", exact=True).click()
    expect(provider.get_by_test_id("partnership-invitations")).to_contain_text("alex@fabrikam.example")

    # The reseller's Global admin opens the emailed link and authorizes.
    reseller = sign_in(browser, base, "alex@fabrikam.example")
    reseller.goto(
        steps.emailed_link(base, "alex@fabrikam.example", r"/partnership/\S+/", template="partnership_invitation")
    )
    expect(reseller.get_by_role("heading", name="Contoso Distribution invites you to partner")).to_be_visible()
    reseller.get_by_label("I authorize this indirect provider").check()
    reseller.get_by_role("button", name="Authorize indirect provider").click()
    expect(reseller.get_by_test_id("provider-table")).to_contain_text("Contoso Distribution")

    provider.goto(f"{base}/partners/resellers/")
    expect(provider.get_by_test_id("reseller-table")).to_contain_text("Fabrikam LLC")

    # The reseller removes the provider's admin access; then the provider removes the partnership.
    reseller.get_by_role("link", name="Remove admin access").click()
    reseller.get_by_role("button", name="Remove admin access").click()
    expect(reseller.get_by_test_id("provider-table")).to_contain_text("Removed")

    provider.reload()
    expect(provider.get_by_test_id("reseller-table")).to_contain_text("no admin access")
    provider.get_by_role("link", name="Remove partnership").click()
    provider.get_by_role("button", name="Yes, remove the partnership").click()
    expect(provider.get_by_test_id("reseller-table")).not_to_contain_text("Fabrikam LLC")
    reseller.reload()
    expect(reseller.get_by_test_id("provider-table")).not_to_contain_text("Contoso Distribution")
