"""Customers in a real Chromium: the provider adds a customer for its reseller with two subscriptions and
records the customer agreement → notes the one-time password → the customer signs in, changes the
password, sees its partners → the reseller sees the customer → the provider sets the reseller as support
contact and raises a quantity."""

import os
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser import steps
from tests.browser.helpers import shot, sign_in
from tests.scenarios import customer_agreement, make_offer, partner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


NEW_PASSWORD = "woodgrove-owns-its-password"
CUSTOMER = "Woodgrove Foods Inc."


def _every_session() -> list[dict]:
    """Every stored session, decoded, read as the tables' owner: the app's role may not list sessions (its
    store reaches django_session only by key, accounts migration 0006)."""
    import environ
    import psycopg
    from django.db import connection

    from partnerhub.accounts.sessions import SessionStore

    owner = environ.Env.db_url_config(os.environ.get("DATABASE_OWNER_URL") or os.environ["DATABASE_URL"])
    params = {**connection.get_connection_params(), "user": owner["USER"], "password": owner["PASSWORD"] or None}
    with psycopg.connect(**{k: v for k, v in params.items() if v is not None and k != "cursor_factory"}) as db:
        rows = db.execute("SELECT session_data FROM django_session").fetchall()
    return [SessionStore().decode(data) for (data,) in rows]


def test_customer_journey(live_server, settings, browser, tmp_path):
    from django.contrib.auth.hashers import identify_hasher

    from customers.models import Subscription
    from partnerhub.accounts.models import User
    from partnerhub.core.models import AuditEvent, Notification, OutboundEmail

    base = steps.serve(live_server, settings, tmp_path)
    mpa = steps.partner_agreement()
    customer_agreement()
    staff = steps.reviewer()
    provider_org, provider_user = steps.partner_organization(
        "Contoso Distribution", "megan@contoso.example", "indirect_provider", staff, mpa
    )
    reseller_org, reseller_user = steps.partner_organization(
        "Fabrikam LLC", "alex@fabrikam.example", "indirect_reseller", staff, mpa
    )
    partner(provider_org, provider_user, reseller_org, reseller_user)
    make_offer("PH-BIZ-STD", "Business Standard", price="12.50")
    make_offer("PH-SECURITY", "Endpoint Security", price="5.20", maximum=50)

    # The provider starts "Add new customer" from the reseller's row.
    provider = sign_in(browser, base, "megan@contoso.example")
    steps.open_add_customer_from_reseller_row(provider, base, "Fabrikam LLC")
    expect(provider).to_have_url(re.compile(rf"/customers/new/\?reseller={reseller_org.pk}$"))
    expect(provider.get_by_role("heading", name="Add new customer")).to_be_visible()

    # 1. Account info: the live check says the domain is free; the reseller is preselected.
    steps.fill_customer_account(
        provider, company=CUSTOMER, domain="woodgrovefoods", available_in=settings.CUSTOMER_DOMAIN_SUFFIX
    )
    expect(provider.get_by_label("Indirect reseller")).to_have_value(str(reseller_org.pk))
    provider.get_by_role("button", name="Next: Customer agreement").click()

    # 2. Customer agreement: the provider confirms the customer accepted it yesterday.
    expect(provider.get_by_label("I confirm the customer accepted the customer agreement")).to_be_checked()
    expect(provider.get_by_label("Email address")).to_have_value("nestor@woodgrove.example")
    yesterday = timezone.localdate() - timedelta(days=1)
    provider.get_by_label("Date agreed").fill(yesterday.isoformat())
    provider.get_by_role("button", name="Next", exact=True).click()

    # 3. Subscriptions: two offers.
    expect(provider.get_by_test_id("offer-table")).to_contain_text("Endpoint Security")
    provider.get_by_label("Business Standard").fill("10")
    provider.get_by_label("Endpoint Security").fill("5")
    provider.get_by_role("button", name="Next: Review").click()

    # 4. Review and submit.
    expect(provider.get_by_test_id("review-reseller")).to_have_text("Fabrikam LLC")
    expect(provider.get_by_test_id("review-lines")).to_contain_text("Business Standard")
    expect(provider.get_by_test_id("review-lines")).to_contain_text("Endpoint Security")
    provider.get_by_label(re.compile("I confirm that my organization is acting")).check()
    shot(provider, "customer-wizard-review")
    provider.get_by_test_id("wizard-submit").click()

    # The confirmation shows the admin's user name and temporary password exactly once.
    expect(provider.get_by_role("heading", name=f"{CUSTOMER} was added")).to_be_visible()
    user_name = provider.get_by_test_id("admin-user-name").inner_text().strip()
    temporary = provider.get_by_test_id("temporary-password").inner_text().strip()
    assert user_name == f"admin@woodgrovefoods.{settings.CUSTOMER_DOMAIN_SUFFIX}"
    assert re.fullmatch(r"[A-Za-z0-9]{4}(-[A-Za-z0-9]{4}){3}", temporary)
    done_url = provider.url
    response = provider.reload()
    assert response.status == 410
    expect(provider.get_by_role("heading", name="This information can't be shown again")).to_be_visible()
    expect(provider.get_by_text(temporary)).to_have_count(0)
    assert provider.url == done_url

    # Only the hash is stored: not the user row, the sessions, emails, audit log or notifications.
    admin = User.objects.get(email=user_name)
    assert admin.must_change_password
    identify_hasher(admin.password)
    assert temporary not in admin.password
    assert not any(temporary in str(session) for session in _every_session())
    for model in (OutboundEmail, AuditEvent, Notification):
        assert not any(temporary in str(row) for row in model.objects.values_list()), model.__name__

    # The customer signs in with the temporary password and must change it first.
    customer = sign_in(browser, base, user_name, temporary)
    expect(customer).to_have_url(re.compile(r"/accounts/password/change/$"))
    steps.change_password(customer, temporary, NEW_PASSWORD)

    # Its home is Partner relationships: both partners, the agreement, both subscriptions.
    expect(customer).to_have_url(re.compile(r"/customer/partners/$"))
    expect(customer.get_by_role("heading", name="Partner relationships")).to_be_visible()
    expect(customer.get_by_test_id("customer-partners")).to_contain_text("Contoso Distribution")
    expect(customer.get_by_test_id("customer-partners")).to_contain_text("Fabrikam LLC")
    expect(customer.get_by_test_id("customer-agreement-status")).to_contain_text("Accepted")
    expect(customer.get_by_test_id("subscription-table")).to_contain_text("Business Standard")
    expect(customer.get_by_test_id("subscription-table")).to_contain_text("Endpoint Security")
    admin.refresh_from_db()
    assert not admin.must_change_password
    assert admin.check_password(NEW_PASSWORD)

    # The reseller sees the customer and manages the subscriptions it is the reseller of record of (issue 18).
    reseller = sign_in(browser, base, "alex@fabrikam.example")
    reseller.goto(f"{base}/customers/")
    expect(reseller.get_by_test_id("customer-table")).to_contain_text(CUSTOMER)
    reseller.get_by_role("link", name=CUSTOMER).click()
    expect(reseller.get_by_role("heading", name=CUSTOMER)).to_be_visible()
    expect(reseller.get_by_test_id("subscription-table")).to_contain_text("Business Standard")
    expect(reseller.get_by_test_id("subscription-table")).to_contain_text("Endpoint Security")
    expect(reseller.get_by_role("link", name="Add subscription")).to_have_count(0)
    expect(reseller.get_by_text("As the reseller of record of a subscription, you manage it")).to_be_visible()

    # The provider names the reseller designated support contact and raises a quantity.
    provider.goto(f"{base}/customers/")
    provider.get_by_role("link", name=CUSTOMER).click()
    expect(provider.get_by_test_id("customer-reseller")).to_have_text("Fabrikam LLC")
    shot(provider, "customer-detail")
    provider.get_by_test_id("subscription-table").get_by_role("link", name="Business Standard").click()
    expect(provider.get_by_test_id("subscription-quantity")).to_have_text("10")
    expect(provider.get_by_test_id("support-contact")).to_have_text("Contoso Distribution")
    contact = provider.get_by_test_id("support-contact-form")
    contact.get_by_label("Designated support contact").select_option(label="Fabrikam LLC")
    contact.get_by_role("button", name="Save support contact").click()
    expect(provider.get_by_text("The designated support contact was updated.")).to_be_visible()
    expect(provider.get_by_test_id("support-contact")).to_have_text("Fabrikam LLC")
    quantity = provider.get_by_test_id("quantity-form")
    quantity.get_by_label("Quantity").fill("12")
    quantity.get_by_role("button", name="Update quantity").click()
    expect(provider.get_by_text("The quantity is now 12.")).to_be_visible()
    expect(provider.get_by_test_id("subscription-quantity")).to_have_text("12")
    shot(provider, "subscription-detail")
    subscription = Subscription.objects.get(customer__primary_domain=user_name.split("@")[1], offer__sku="PH-BIZ-STD")
    assert (subscription.quantity, subscription.support_contact) == (12, reseller_org)
