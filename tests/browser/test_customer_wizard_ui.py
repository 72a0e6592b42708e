"""The add-customer wizard and a customer's subscriptions as a provider uses them in Chromium: Cancel
leaves nothing behind, the country starts empty, every error of a submit shows at once."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser import steps
from tests.browser.helpers import PHONE, new_page, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def provider_page(live_server, settings, browser, tmp_path, seller):
    steps.serve(live_server, settings, tmp_path)
    return sign_in(browser, live_server.url, "megan@contoso.example")


def _account_info(page, domain="woodgrovefoods"):
    steps.fill_customer_account(page, domain=domain)
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


def test_indirect_resellers_fit_a_phone_with_their_actions_on_screen(live_server, settings, browser, seller):
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


def test_country_starts_at_the_partners_own_in_the_wizard_and_empty_on_the_signup_link(
    live_server,
    provider_page,
    browser,
    seller,
):
    from customers.services import customer_invitation_create

    page, base = provider_page, live_server.url
    page.goto(f"{base}/customers/new/?new=1")
    expect(page.get_by_label("Country/region")).to_have_value("US")  # Contoso's own country
    expect(page.get_by_label("Country/region").locator("option:checked")).to_have_text("United States of America")

    _, token = customer_invitation_create(sender=seller[0], actor=seller[1])
    invitee = new_page(browser)
    invitee.goto(f"{base}/customer-invitation/{token}/")
    expect(invitee.get_by_label("Country/region")).to_have_value("")
    expect(invitee.get_by_label("Country/region").locator("option:checked")).to_have_text("Select a country/region")


def test_every_error_of_a_wizard_step_shows_at_once(live_server, provider_page):
    page, base = provider_page, live_server.url
    page.goto(f"{base}/customers/new/?new=1")
    page.get_by_label("Company name").fill("LLC")
    page.get_by_label("Domain name").fill("-woodgrove-")
    page.get_by_role("button", name="Next: Customer agreement").click()

    expect(page.get_by_text("“LLC” is a legal form, not a company name.", exact=False)).to_be_visible()
    expect(page.get_by_text("Use 2 to 27 lowercase letters", exact=False)).to_be_visible()
    for field in ("Address line 1", "City", "Postal code", "First name", "Last name", "Email address"):
        expect(page.get_by_label(field)).to_have_class(re.compile("is-invalid"))

    page.get_by_label("Company name").fill("Woodgrove Foods Inc.")
    _account_info(page)
    page.get_by_label("First name").fill("")
    page.get_by_label("Email address").fill("")
    page.get_by_role("button", name="Next", exact=True).click()

    expect(page.get_by_text("Enter the first name of the person who accepted.")).to_be_visible()
    expect(page.get_by_text("Enter the email of the person who accepted.")).to_be_visible()
    expect(page.get_by_text("Enter the date the customer accepted the agreement.")).to_be_visible()


def test_cancel_subscription_asks_first_and_a_cancelled_subscription_has_no_forms(
    live_server,
    provider_page,
    customer,
):
    from customers.models import Subscription

    page, base = provider_page, live_server.url
    page.goto(f"{base}/customers/")
    page.get_by_role("link", name="Woodgrove Foods Inc.").click()
    page.get_by_test_id("subscription-table").get_by_role("link", name="Business Standard").click()
    subscription = Subscription.objects.get(customer=customer.organization, offer__sku="PH-BIZ-STD")

    page.get_by_role("link", name="Cancel subscription").click()
    expect(page.get_by_test_id("cancel-confirmation")).to_contain_text("Cancel this subscription?")
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.ACTIVE
    page.get_by_role("link", name="Keep the subscription").click()
    expect(page.get_by_test_id("cancel-confirmation")).to_have_count(0)
    expect(page.get_by_test_id("subscription-status")).to_have_text("Active")

    page.get_by_role("link", name="Cancel subscription").click()
    page.get_by_role("button", name="Yes, cancel the subscription").click()
    expect(page.get_by_text("The subscription was cancelled.")).to_be_visible()
    expect(page.get_by_test_id("subscription-status")).to_have_text("Cancelled")
    expect(page.get_by_test_id("subscription-cancelled")).to_be_visible()
    main = page.locator("main")
    expect(main.locator("input:not([type=hidden]), select, textarea")).to_have_count(0)
    expect(main.get_by_role("button")).to_have_count(1)  # the message's Close button only
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.CANCELLED


def test_remove_roles_asks_first(live_server, settings, browser, seller, customer):
    from access.models import AdminRelationship
    from partnerhub.accounts.models import Role
    from tests.factories import MembershipFactory, UserFactory

    settings.SITE_URL = live_server.url
    admin = UserFactory(email="nestor@woodgrove.example", first_name="Nestor")
    MembershipFactory(organization=customer.organization, user=admin, roles=[Role.GLOBAL_ADMIN])
    page = sign_in(browser, live_server.url, "nestor@woodgrove.example")
    page.goto(f"{live_server.url}/customer/partners/")
    partners = page.get_by_test_id("customer-partners")
    row = partners.get_by_role("row", name=re.compile("Contoso Distribution"))

    row.get_by_role("link", name="Remove roles").click()
    expect(page.get_by_role("heading", name="Remove admin roles")).to_be_visible()
    contoso = AdminRelationship.objects.filter(customer=customer.organization, partner=seller[0])
    assert contoso.live().exists()
    page.get_by_role("link", name="Keep admin roles").click()
    expect(row).to_contain_text("Admin relationships")

    row.get_by_role("link", name="Remove roles").click()
    page.get_by_role("button", name="Remove admin roles").click()
    expect(page.get_by_text("Contoso Distribution Inc. no longer has admin roles.")).to_be_visible()
    assert not contoso.live().exists()  # its admin relationships were terminated
