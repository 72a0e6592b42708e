"""A customer admin lost their password, in a real Chromium: the provider's Admin agent opens the customer,
Users, resets the admin's password and reads the temporary one → the customer signs in with it as
admin@<prefix>.onpartnerhub.example and must choose their own before anything else."""

import re

import pytest
from playwright.sync_api import expect

from partnerhub.accounts.models import Role, User
from tests.browser import steps
from tests.browser.helpers import new_page, sign_in, sign_in_on

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CUSTOMER = "Woodgrove Foods Inc."
OWN_PASSWORD = "woodgrove-chose-this-one"


def test_the_partner_resets_a_customer_password_and_the_customer_must_change_it(
    live_server,
    settings,
    browser,
    seller,
    make_customer,
    make_member,
    tmp_path,
):
    base = steps.serve(live_server, settings, tmp_path)
    created = make_customer("woodgrovefoods", company_name=CUSTOMER)
    admin = User.objects.get(email=created.user_name)
    admin.set_password("forgotten-long-ago-1")
    admin.must_change_password = False
    admin.save()
    agent = make_member(seller[0], Role.ADMIN_AGENT, email="isaiah@contoso.example").user

    # The Admin agent: Customers → Woodgrove → Users → Reset password → confirm.
    provider = sign_in(browser, base, agent.email)
    provider.get_by_role("link", name="Customers", exact=True).first.click()
    provider.get_by_role("link", name=CUSTOMER).click()
    provider.get_by_role("link", name="Users", exact=True).click()
    expect(provider.get_by_role("heading", name="Users")).to_be_visible()
    provider.get_by_role("link", name=f"Reset password of {created.user_name}").click()
    expect(provider.get_by_text("must change it at their next sign-in")).to_be_visible()
    provider.get_by_role("button", name="Reset password").click()

    expect(provider.get_by_role("heading", name="The password was reset")).to_be_visible()
    expect(provider.get_by_test_id("reset-user-name")).to_have_text(created.user_name)
    temporary = provider.get_by_test_id("reset-temporary-password").inner_text().strip()
    assert re.fullmatch(r"[A-Za-z0-9]{4}(-[A-Za-z0-9]{4}){3}", temporary)
    provider.get_by_role("link", name="Done").click()
    expect(provider.get_by_text(temporary)).to_have_count(0)

    # The old password no longer opens the account.
    old = sign_in_on(new_page(browser), base, created.user_name, "forgotten-long-ago-1")
    expect(old).to_have_url(re.compile(r"/accounts/login/$"))

    # The customer signs in with the temporary password and is made to choose their own first.
    customer = sign_in(browser, base, created.user_name, temporary)
    expect(customer).to_have_url(re.compile(r"/accounts/password/change/$"))
    expect(customer.get_by_text("You signed in with a temporary password")).to_be_visible()
    customer.goto(f"{base}/customer/partners/")
    expect(customer).to_have_url(re.compile(r"/accounts/password/change/$"))
    steps.change_password(customer, temporary, OWN_PASSWORD)

    expect(customer).to_have_url(re.compile(r"/customer/partners/$"))
    expect(customer.get_by_test_id("customer-partners")).to_contain_text("Contoso Distribution")
    admin.refresh_from_db()
    assert admin.check_password(OWN_PASSWORD)
    assert not admin.must_change_password
