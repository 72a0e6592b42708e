"""The provider's admin access to a reseller's account, in a real Chromium: the provider opens Indirect resellers →
Reseller account, resets a reseller user's password (shown once) → the user signs in with it and must choose
their own → the reseller's Global admin sees the reset under Provider access, naming the provider's user, and
removes the admin access → the provider's next request is refused with the reason. At 1280 and 390 px."""

import re

import pytest
from playwright.sync_api import expect

from partnerhub.accounts.models import Role
from tests.browser import steps
from tests.browser.helpers import sign_in
from tests.factories import MembershipFactory, UserFactory
from tests.scenarios import partner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, PHONE], ids=["1280", "390"])
def test_reseller_account_journey(live_server, settings, browser, tmp_path, viewport):
    base = steps.serve(live_server, settings, tmp_path)
    mpa = steps.partner_agreement()
    staff = steps.reviewer()
    contoso, megan = steps.partner_organization(
        "Contoso Distribution", "megan@contoso.example", "indirect_provider", staff, mpa, last_name="Bowen"
    )
    fabrikam, alex = steps.partner_organization(
        "Fabrikam LLC", "alex@fabrikam.example", "indirect_reseller", staff, mpa, domain="contoso.example"
    )
    sam = UserFactory(email="sam@fabrikam.example", first_name="Sam", last_name="Rivera")
    MembershipFactory(organization=fabrikam, user=sam, roles=[Role.SALES_AGENT])
    partner(contoso, megan, fabrikam, alex)

    # The provider opens the reseller's account from its row.
    provider = sign_in(browser, base, "megan@contoso.example", viewport=viewport)
    provider.goto(f"{base}/partners/resellers/")
    provider.get_by_test_id("reseller-table").get_by_role("row", name=re.compile("Fabrikam LLC")).get_by_role(
        "link", name=re.compile("Reseller account")
    ).click()
    expect(provider.get_by_role("heading", name="Reseller account: Fabrikam LLC")).to_be_visible()
    expect(provider.get_by_test_id("reseller-account-help")).to_contain_text("reset the password of a user")
    expect(provider.get_by_test_id("reseller-enrollments")).to_contain_text("Indirect reseller")
    expect(provider.get_by_test_id("reseller-agreement-standing")).to_contain_text("Accepted")
    users = provider.get_by_test_id("reseller-users")
    expect(users).to_contain_text("alex@fabrikam.example")
    expect(users).to_contain_text("Global admin: only the reseller resets it")

    # …and resets Sam's password: the temporary one is shown once.
    users.get_by_role("row", name=re.compile("sam@fabrikam.example")).get_by_role(
        "link", name=re.compile("Reset password")
    ).click()
    expect(provider.get_by_text("Fabrikam LLC sees this under Provider access.")).to_be_visible()
    provider.get_by_role("button", name="Reset password").click()
    expect(provider.get_by_role("heading", name="The password was reset")).to_be_visible()
    temporary = provider.get_by_test_id("reset-temporary-password").inner_text()
    assert re.fullmatch(r"(\w{4}-){3}\w{4}", temporary)
    provider.get_by_role("link", name="Done").click()
    expect(provider.get_by_role("heading", name="Reseller account: Fabrikam LLC")).to_be_visible()
    assert temporary not in provider.content()

    # Sam signs in with it and must choose a new password first.
    user = sign_in(browser, base, "sam@fabrikam.example", temporary, viewport=viewport)
    expect(user).to_have_url(re.compile(r"/accounts/password/change/$"))
    expect(user.get_by_text("You signed in with a temporary password")).to_be_visible()
    steps.change_password(user, temporary, "sam-owns-his-password-42")
    expect(user).not_to_have_url(re.compile(r"/accounts/password/change/$"))
    sam.refresh_from_db()
    assert sam.check_password("sam-owns-his-password-42")
    assert not sam.must_change_password

    # The reseller's Global admin sees who used the admin access, and removes it.
    reseller = sign_in(browser, base, "alex@fabrikam.example", viewport=viewport)
    reseller.goto(f"{base}/partners/providers/")
    reseller.get_by_test_id("provider-table").get_by_role("link", name="Contoso Distribution").click()
    log = reseller.get_by_test_id("provider-access")
    expect(log).to_contain_text("Reset the password of sam@fabrikam.example")
    expect(log).to_contain_text("Megan Bowen")
    expect(log).to_contain_text("Opened your account")
    expect(reseller.get_by_test_id("admin-access-scope")).to_contain_text("Nothing else")
    reseller.get_by_role("link", name="Remove admin access").click()
    reseller.get_by_role("button", name="Remove admin access").click()
    expect(reseller.get_by_test_id("provider-table")).to_contain_text("Removed")

    # The provider's next request is refused, with the reason.
    provider.reload()
    expect(provider.get_by_test_id("reseller-account-refused")).to_contain_text(
        "Fabrikam LLC removed your admin access to its account on"
    )
    expect(provider.get_by_text("sam@fabrikam.example")).to_have_count(0)
    provider.goto(f"{base}/partners/resellers/")
    expect(provider.get_by_test_id("reseller-table")).to_contain_text("no admin access")
    expect(provider.get_by_role("link", name=re.compile("Reseller account"))).to_have_count(0)
