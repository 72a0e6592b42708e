"""An admin relationship in a real Chromium (checked at 1280 and 390 px): the provider requests one by clicking
→ the customer's Global admin opens the emailed link, sees the roles and the duration, approves → the provider
assigns a Helpdesk agent to the roles → the agent resets a customer user's password → the customer terminates
the relationship → the same reset is refused, with the reason."""

import pytest
from playwright.sync_api import expect

from access import services as access_services
from access.models import AdminRelationship
from partnerhub.accounts.models import Role, User
from tests.browser import steps
from tests.browser.helpers import sign_in
from tests.conftest import PASSWORD
from tests.factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CUSTOMER = "Woodgrove Foods Inc."
SAM = "sam@woodgrovefoods.onpartnerhub.example"


def test_admin_relationship_journey(live_server, settings, browser, seller, make_customer, make_member, tmp_path):
    base = steps.serve(live_server, settings, tmp_path)
    created = make_customer("woodgrovefoods", company_name=CUSTOMER, with_reseller=False)
    admin = User.objects.get(email=created.user_name)
    admin.set_password(PASSWORD)
    admin.must_change_password = False
    admin.save()
    MembershipFactory(organization=created.organization, user=UserFactory(email=SAM), roles=["user"])
    # The customer ended the default relationship long ago: the partner has no admin roles now.
    for default in AdminRelationship.objects.filter(customer=created.organization):
        access_services.admin_relationship_terminate(
            relationship=default, actor=admin, organization=created.organization
        )
    agent = make_member(seller[0], Role.HELPDESK_AGENT, email="isaiah@contoso.example").user

    # The provider's Global admin: Customers → Woodgrove → Admin relationships → Request new.
    provider = sign_in(browser, base, seller[1].email)
    provider.get_by_role("link", name="Customers", exact=True).first.click()
    provider.get_by_role("link", name=CUSTOMER).click()
    provider.get_by_role("link", name="Admin relationships").click()
    provider.get_by_role("link", name="Request new").click()
    provider.get_by_label("Name").fill("Helpdesk")
    provider.get_by_label("Global reader — See").check()
    provider.get_by_label("Helpdesk administrator — Reset").check()
    provider.get_by_label("Duration (days)").fill("90")
    provider.get_by_role("button", name="Send request").click()
    expect(provider.get_by_test_id("admin-relationship-status")).to_have_text("Approval pending")

    # The customer's Global admin opens the emailed link, sees what is asked for how long, approves.
    customer = sign_in(browser, base, created.user_name)
    customer.goto(steps.emailed_link(base, admin.mailbox, r"/admin-relationship-approval/\S+/"))
    expect(customer.get_by_test_id("admin-relationship-roles")).to_contain_text("Helpdesk administrator")
    expect(customer.get_by_test_id("admin-relationship-duration")).to_have_text("90 days")
    customer.get_by_role("button", name="Approve for 90 days").click()
    expect(customer.get_by_test_id("admin-relationship-status")).to_have_text("Active")

    # The provider assigns its Helpdesk agent to both roles.
    provider.reload()
    expect(provider.get_by_test_id("admin-relationship-status")).to_have_text("Active")
    for role in ("global_reader", "helpdesk_administrator"):
        provider.get_by_test_id(f"assignment-{role}").get_by_label(agent.email).check()
    provider.get_by_role("button", name="Save assignments").click()
    expect(provider.get_by_text("Assignments saved.")).to_be_visible()

    # The agent: Customers → Woodgrove → Users → Reset password of Sam.
    helpdesk = sign_in(browser, base, agent.email)
    helpdesk.get_by_role("link", name="Customers", exact=True).first.click()
    helpdesk.get_by_role("link", name=CUSTOMER).click()
    helpdesk.get_by_role("link", name="Users", exact=True).click()
    helpdesk.get_by_role("link", name=f"Reset password of {SAM}").click()
    reset_page = helpdesk.url
    helpdesk.get_by_role("button", name="Reset password").click()
    expect(helpdesk.get_by_role("heading", name="The password was reset")).to_be_visible()

    # The customer sees who acted, and terminates at once.
    customer.reload()
    expect(customer.get_by_test_id("admin-relationship-actions")).to_contain_text(agent.email)
    customer.get_by_role("button", name="Terminate relationship").click()
    expect(customer.get_by_test_id("admin-relationship-status")).to_have_text("Terminated")

    # The same reset is now refused, with the reason.
    helpdesk.goto(reset_page)
    expect(helpdesk.get_by_test_id("reset-refused")).to_contain_text("was terminated on")
