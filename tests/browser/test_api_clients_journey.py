"""Account settings → API in a real Chromium, on a desktop and on a phone: a Global admin opens Account
settings, clicks API, creates a client and copies its secret, which a reload no longer shows; the secret gets a
token; revoking asks first, then the client gets none."""

import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from partnerhub.accounts.models import Role
from tests.api.calls import request_token
from tests.browser import steps
from tests.browser.helpers import sign_in
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [390, 1280])
def test_a_global_admin_creates_an_api_client_sees_its_secret_once_and_revokes_it(
    live_server, settings, browser, width
):
    base = steps.serve(live_server, settings)
    organization = OrganizationFactory(legal_name="Contoso Distribution Inc.", primary_domain="contoso.example")
    user = UserFactory(email="megan@contoso.example", first_name="Megan", last_name="Bowen")
    MembershipFactory(organization=organization, user=user, roles=[Role.GLOBAL_ADMIN, Role.SALES_AGENT])
    page = sign_in(browser, base, "megan@contoso.example", viewport={"width": width, "height": 800})

    # Account settings → API (on a phone, the menu opens first).
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
    page.get_by_role("button", name="Account settings").or_(page.get_by_role("link", name="Account settings")).click()
    page.get_by_role("link", name="API", exact=True).click()
    expect(page.get_by_role("heading", name="API clients")).to_be_visible()
    expect(page.get_by_test_id("no-api-clients")).to_be_visible()

    # A new client: only Megan's own roles are offered.
    page.get_by_role("link", name="New API client").click()
    expect(page.get_by_role("checkbox")).to_have_count(2)
    page.get_by_label("Name").fill("ERP")
    page.get_by_label("Sales agent").check()
    page.get_by_label("IP allow-list").fill("127.0.0.0/8")
    page.get_by_role("button", name="Create API client").click()

    # Its ID and secret, once, with a curl to try them.
    expect(page.get_by_test_id("secret-once")).to_contain_text("the only time it is shown")
    client_id = page.get_by_test_id("client-id").input_value()
    secret = page.get_by_test_id("client-secret").input_value()
    assert len(secret) > 40
    expect(page.get_by_test_id("curl-example")).to_have_value(re.compile(re.escape(f"{client_id}:{secret}")))
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert request_token(client_id, secret).status_code == 200

    page.reload()
    expect(page.get_by_test_id("secret-gone")).to_be_visible()
    expect(page.get_by_test_id("client-secret")).to_have_count(0)
    assert secret not in page.content()

    # The client calls the API once; the list shows it live, its page shows the call; revoking asks first.
    token = request_token(client_id, secret).json()["access_token"]
    answer = Client().get("/api/v1/organization", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    page.get_by_role("link", name="Back to API clients").click()
    table = page.get_by_test_id("api-client-table")
    expect(table).to_contain_text("ERP")
    expect(table).to_contain_text("Sales agent")
    expect(table).to_contain_text("127.0.0.0/8")
    expect(table).not_to_contain_text("No calls yet")
    expect(table.get_by_test_id("api-client-status")).to_have_text("Live")
    table.get_by_role("link", name="ERP", exact=True).click()
    calls = page.get_by_test_id("api-call-table")
    expect(calls).to_contain_text("/api/v1/organization")
    expect(calls).to_contain_text(answer["X-Request-Id"])
    page.get_by_role("link", name="Revoke", exact=True).click()
    expect(page.get_by_text("Revoke ERP? Its tokens stop working at once")).to_be_visible()
    page.get_by_role("button", name="Yes, revoke it").click()

    expect(page.get_by_role("alert")).to_contain_text("ERP is revoked")
    expect(page.get_by_test_id("api-client-table").get_by_test_id("api-client-status")).to_have_text("Revoked")
    assert request_token(client_id, secret).status_code == 401
