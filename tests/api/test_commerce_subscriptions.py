# ruff: noqa: F811 - the fixtures imported from tests.api.commerce are this module's arguments
"""Subscriptions through the API: the list (by customer, by status), one subscription, changing its quantity,
auto-renew and friendly name under the 7-day rules, cancelling; the reseller of record reads only; another
tenant's subscription is not found."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from customers.models import Subscription
from partnerhub.accounts.models import Role
from tests.api.calls import Api, request_token
from tests.api.commerce import (  # noqa: F401 - fixtures
    API_CALL_QUERIES,
    contoso_api,
    contoso_api_as,
    fabrikam_api,
    northwind,
    northwind_subscription,
    problem_of,
    queries_of,
)
from tests.customers.bulk import bulk_customers, bulk_subscriptions

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscription(customer, offers):
    return Subscription.objects.get(customer=customer.organization, offer=offers["standard"])


def _url(subscription) -> str:
    return f"/api/v1/subscriptions/{subscription.public_id}"


def _later(api: Api) -> Api:
    """The same client with a token taken now (a token lives minutes; the tests travel days)."""
    token = request_token(api.client.client_id, api.secret).json()["access_token"]
    return Api(api.client, api.secret, token)


# --- reading ---------------------------------------------------------------------------------------------


def test_list_filter_and_read(contoso_api, customer, make_customer, offers, subscription):
    other = make_customer("second", with_reseller=False, lines=[(offers["plan"], 1)])

    everything = contoso_api.get("/api/v1/subscriptions").json()["items"]
    woodgrove = contoso_api.get("/api/v1/subscriptions", {"customer": str(customer.organization.tenant_id)}).json()

    assert len(everything) == 3
    assert everything[0]["customer"] == str(other.organization.tenant_id)  # newest first
    assert {row["offer_name"] for row in woodgrove["items"]} == {"Business Standard", "Endpoint Security"}
    body = contoso_api.get(_url(subscription)).json()
    assert (body["id"], body["quantity"], body["status"], body["auto_renew"]) == (
        str(subscription.public_id), 10, "active", True)  # fmt: skip
    assert body["seller"]["name"] == "Contoso Distribution Inc."
    assert body["partner_id_on_record"] is not None
    assert body["cancellable_until"] > body["created_at"]

    Subscription.objects.filter(pk=subscription.pk).update(status="suspended")
    suspended = contoso_api.get("/api/v1/subscriptions", {"status": "suspended"}).json()["items"]
    assert [row["id"] for row in suspended] == [str(subscription.public_id)]
    by_both = contoso_api.get("/api/v1/subscriptions", {"customer": str(customer.organization.tenant_id),
                                                        "status": "active"}).json()["items"]  # fmt: skip
    assert [row["offer_name"] for row in by_both] == ["Endpoint Security"]
    assert problem_of(contoso_api.get("/api/v1/subscriptions", {"status": "gone"}), 400)["field"] == "status"


def test_another_tenants_subscriptions_are_not_found(contoso_api, customer, northwind, northwind_subscription):
    assert problem_of(contoso_api.get(_url(northwind_subscription)), 404)
    assert problem_of(contoso_api.patch(_url(northwind_subscription), {"quantity": 1}), 404)
    assert problem_of(contoso_api.post(f"{_url(northwind_subscription)}/cancel"), 404)
    tailspin = str(northwind[2].organization.tenant_id)
    assert problem_of(contoso_api.get("/api/v1/subscriptions", {"customer": tailspin}), 404)
    assert str(northwind_subscription.public_id) not in contoso_api.get("/api/v1/subscriptions").content.decode()
    for bad in ("nope", "1", "%00"):
        assert problem_of(contoso_api.get(f"/api/v1/subscriptions/{bad}"), 404)
    northwind_subscription.refresh_from_db()
    assert (northwind_subscription.quantity, northwind_subscription.status) == (4, "active")


def test_the_reseller_of_record_manages_within_the_sellers_rules(fabrikam_api, subscription):
    """Issue 18: the reseller of record's client changes its subscriptions as the seller would; suspending
    and upgrading stay the seller's."""
    assert fabrikam_api.get(_url(subscription)).status_code == 200
    assert len(fabrikam_api.get("/api/v1/subscriptions").json()["items"]) == 2

    assert fabrikam_api.patch(_url(subscription), {"quantity": 11}).status_code == 200
    refused = problem_of(fabrikam_api.post(f"{_url(subscription)}/suspend"), 403)
    assert "Only the partner that sold this subscription" in refused["detail"]
    subscription.refresh_from_db()
    assert (subscription.quantity, subscription.status) == (11, "active")


def test_roles_without_manage_subscription_are_refused(contoso_api_as, subscription):
    billing = contoso_api_as(Role.BILLING_ADMIN)
    assert billing.get(_url(subscription)).status_code == 200
    assert problem_of(billing.patch(_url(subscription), {"quantity": 11}), 403)["code"] == "forbidden"
    assert problem_of(billing.post(f"{_url(subscription)}/cancel"), 403)["code"] == "forbidden"
    assert contoso_api_as(Role.HELPDESK_AGENT).patch(_url(subscription), {"quantity": 11}).status_code == 200


def test_the_list_pins_its_queries(contoso_api, seller, offers):
    provider, _, fabrikam, _ = seller
    (first,) = bulk_customers(provider, 1, reseller=fabrikam, prefix="one")
    bulk_subscriptions(provider=provider, customer=first, reseller=fabrikam, offers=offers, count=1)
    contoso_api.get("/api/v1/subscriptions")
    few = queries_of(lambda: contoso_api.get("/api/v1/subscriptions"))
    for organization in bulk_customers(provider, 5, reseller=fabrikam, prefix="many"):
        bulk_subscriptions(provider=provider, customer=organization, reseller=fabrikam, offers=offers, count=8)
    many = queries_of(lambda: contoso_api.get("/api/v1/subscriptions"))
    customer = str(first.tenant_id)
    one_customer = queries_of(lambda: contoso_api.get("/api/v1/subscriptions", {"customer": customer}))

    assert few == many == API_CALL_QUERIES + 1  # the page: offer, customer, seller, partner ID, contact joined
    assert one_customer == API_CALL_QUERIES + 2  # the relationship, then its page


# --- changing --------------------------------------------------------------------------------------------


def test_quantity_goes_up_any_time_and_down_only_within_seven_days(contoso_api, subscription):
    start = subscription.last_increase_at
    with time_machine.travel(start + timedelta(days=6), tick=False):
        api = _later(contoso_api)
        assert api.patch(_url(subscription), {"quantity": 8}).json()["quantity"] == 8
    with time_machine.travel(start + timedelta(days=8), tick=False):
        api = _later(contoso_api)
        refused = problem_of(api.patch(_url(subscription), {"quantity": 7}), 400)
        assert (refused["field"], refused["code"]) == ("quantity", "reduction_window_closed")
        assert refused["detail"].startswith("Licenses can only be removed within 7 days of being added")
        assert api.patch(_url(subscription), {"quantity": 12}).json()["quantity"] == 12
        assert api.patch(_url(subscription), {"quantity": 11}).json()["quantity"] == 11  # a new window
    out_of_range = problem_of(_later(contoso_api).patch(_url(subscription), {"quantity": 301}), 400)
    assert (out_of_range["code"], out_of_range["detail"]) == (
        "2002", "Business Standard is sold in quantities from 1 to 300.")  # fmt: skip
    Subscription.objects.filter(pk=subscription.pk).update(status="suspended")
    assert problem_of(_later(contoso_api).patch(_url(subscription), {"quantity": 20}), 400)["code"] == "2001"


def test_a_refused_change_leaves_the_others_undone(contoso_api, subscription):
    with time_machine.travel(subscription.last_increase_at + timedelta(days=8), tick=False):
        change = {"friendly_name": "Head office", "auto_renew": False, "quantity": 1}
        refused = _later(contoso_api).patch(_url(subscription), change)
    assert problem_of(refused, 400)["field"] == "quantity"
    subscription.refresh_from_db()
    assert (subscription.friendly_name, subscription.auto_renew, subscription.quantity) == ("", True, 10)


def test_auto_renew_and_friendly_name(contoso_api, subscription):
    body = contoso_api.patch(_url(subscription), {"friendly_name": "  Head office ", "auto_renew": False}).json()
    assert (body["friendly_name"], body["auto_renew"]) == ("Head office", False)
    assert contoso_api.patch(_url(subscription), {"auto_renew": True}).json()["friendly_name"] == "Head office"

    Subscription.objects.filter(pk=subscription.pk).update(status="suspended", auto_renew=False)
    refused = problem_of(contoso_api.patch(_url(subscription), {"auto_renew": True}), 400)
    assert (refused["field"], refused["detail"]) == (
        "auto_renew", "Auto-renew can be turned on only for an active subscription.")  # fmt: skip
    for bad in ({"quantity": 0}, {"quantity": "many"}, {"friendly_name": "x" * 101}, {"auto_renew": "perhaps"}, []):
        assert problem_of(contoso_api.patch(_url(subscription), bad), 400)


def test_cancel_within_seven_days_only(contoso_api, customer, subscription, offers):
    security = Subscription.objects.get(customer=customer.organization, offer=offers["security"])
    with time_machine.travel(subscription.created_at + timedelta(days=8), tick=False):
        refused = problem_of(_later(contoso_api).post(f"{_url(subscription)}/cancel"), 400)
        assert refused["code"] == "cancellation_window_closed"
        assert refused["detail"].startswith("A subscription can be cancelled only within 7 days of purchase")
    with time_machine.travel(security.created_at + timedelta(days=6), tick=False):
        api = _later(contoso_api)
        cancelled = api.post(f"{_url(security)}/cancel").json()
        again = api.post(f"{_url(security)}/cancel")
    assert (cancelled["status"], cancelled["auto_renew"]) == ("cancelled", False)
    assert cancelled["cancelled_at"] is not None
    assert again.status_code == 200
    assert Subscription.objects.get(pk=subscription.pk).status == "active"
