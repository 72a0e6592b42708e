# ruff: noqa: F811 - the fixtures imported from tests.api.commerce are this module's arguments
"""Offers and orders through the API: the catalogue of a market, placing an order with an Idempotency-Key
(the same key, the same order; another body, refused), the partner-of-record pre-flight's codes, the
customer agreement; listing and reading orders; permissions and another tenant's ids."""

from __future__ import annotations

import uuid

import pytest

from customers.models import Order, Subscription
from customers.services import order_submit
from enrollment.models import PartnerId, ProgramEnrollment
from enrollment.services import partner_id_issue_global
from partnerhub.accounts.models import Role
from tests.api.commerce import (  # noqa: F401 - fixtures
    API_CALL_QUERIES,
    contoso_api,
    contoso_api_as,
    fabrikam_api,
    northwind,
    problem_of,
    queries_of,
)
from tests.customers.bulk import bulk_customers, bulk_subscriptions

pytestmark = pytest.mark.django_db


def _location(organization) -> int:
    return PartnerId.objects.get(organization=organization, csp_associated=True).number


def _orders_url(created) -> str:
    return f"/api/v1/customers/{created.organization.tenant_id}/orders"


def _line(offer, quantity=3, **extra):
    return {"offer": offer.pk, "quantity": quantity, **extra}


# --- offers ----------------------------------------------------------------------------------------------


def test_offers_are_the_partners_market_in_its_currency(contoso_api, offers, seller):
    body = contoso_api.get("/api/v1/offers").json()

    assert [offer["sku"] for offer in body["items"]] == ["PH-BIZ-STD", "PH-PLAN", "PH-SECURITY"]  # no EU-only offer
    standard = next(offer for offer in body["items"] if offer["sku"] == "PH-BIZ-STD")
    assert (standard["unit_price"], standard["currency"], standard["term"]) == ("12.50", "USD", "P1M")
    assert standard["maximum_quantity"] == 300


def test_offers_in_a_customers_market_and_another_tenants_customer_is_404(contoso_api, customer, northwind):
    mine = contoso_api.get("/api/v1/offers", {"customer": str(customer.organization.tenant_id)})
    assert len(mine.json()["items"]) == 3

    assert problem_of(contoso_api.get("/api/v1/offers", {"customer": str(northwind[2].organization.tenant_id)}), 404)
    assert problem_of(contoso_api.get("/api/v1/offers", {"customer": "nope"}), 400)["field"] == "customer"


# --- placing orders --------------------------------------------------------------------------------------


def test_an_order_records_the_resellers_location_and_answers_once_per_key(contoso_api, customer, offers, seller):
    key = {"Idempotency-Key": "erp-order-0001"}
    body = {"lines": [_line(offers["plan"], 1, friendly_name="Compute")]}

    first = contoso_api.post(_orders_url(customer), body, headers=key)
    again = contoso_api.post(_orders_url(customer), body, headers=key)

    assert first.status_code == 201, first.content
    order = first.json()
    assert order["customer"] == str(customer.organization.tenant_id)
    assert order["number"] == 2  # the customer's first subscriptions were order #1
    (line,) = order["lines"]
    assert (line["offer"], line["quantity"], line["friendly_name"]) == (offers["plan"].pk, 1, "Compute")
    assert line["partner_id_on_record"] == str(_location(seller[2]))  # the associated reseller's, as the form
    subscription = Subscription.objects.get(public_id=line["subscription"])
    assert subscription.reseller == seller[2]
    assert (again.status_code, again["Idempotent-Replayed"]) == (201, "true")
    assert again.json() == order
    assert Order.objects.filter(customer=customer.organization).count() == 2


def test_the_same_key_with_another_body_is_refused(contoso_api, customer, offers):
    key = {"Idempotency-Key": "erp-order-0002"}
    assert (
        contoso_api.post(_orders_url(customer), {"lines": [_line(offers["standard"])]}, headers=key).status_code == 201
    )

    refused = contoso_api.post(_orders_url(customer), {"lines": [_line(offers["standard"], 4)]}, headers=key)

    assert problem_of(refused, 422)["code"] == "idempotency_key_reused"
    assert Order.objects.filter(customer=customer.organization).count() == 2


def test_the_service_layer_agrees_with_the_key(contoso_api, customer, offers, seller):
    """The order's own key is derived from the organization and the header: order_submit, called with it
    (as after the API's record of the key has been swept), finds the same order."""
    from api.views.commerce import order_key
    from customers.services import LineInput

    created = contoso_api.post(_orders_url(customer), {"lines": [_line(offers["standard"])]},
                               headers={"Idempotency-Key": "k-1"}).json()  # fmt: skip
    order, was_created = order_submit(partner=seller[0], customer=customer.organization, actor=seller[1],
                                      key=order_key(seller[0], "k-1"),
                                      lines=[LineInput(offer=offers["standard"], quantity=3)])  # fmt: skip

    assert (order.pk, was_created) == (created["id"], False)
    assert order_key(seller[0], "k-1") != order_key(seller[2], "k-1")  # per organization


def test_without_a_key_each_call_is_an_order(contoso_api, customer, offers):
    body = {"lines": [_line(offers["standard"])]}
    assert contoso_api.post(_orders_url(customer), body).status_code == 201
    assert contoso_api.post(_orders_url(customer), body).status_code == 201
    assert Order.objects.filter(customer=customer.organization).count() == 3


def test_sold_directly_when_the_partner_of_record_is_empty(contoso_api, customer, offers):
    order = contoso_api.post(_orders_url(customer), {"lines": [_line(offers["standard"], partner_id_on_record=None)]})
    assert order.json()["lines"][0]["partner_id_on_record"] is None


@pytest.fixture
def refusal(contoso_api, customer, offers):
    def post(number, offer=None, quantity=3):
        before = Subscription.objects.count()
        line = _line(offer or offers["standard"], quantity, partner_id_on_record=str(number))
        body = problem_of(contoso_api.post(_orders_url(customer), {"lines": [line]}), 400)
        assert Subscription.objects.count() == before
        return body

    return post


def test_the_partner_of_record_preflight_answers_with_the_status_lookups_codes(refusal, seller, make_reseller):
    stranger, _ = make_reseller("Stranger LLC")
    french, _ = make_reseller("Litware SAS", country="FR", csp_region="europe")
    unsigned, _ = make_reseller("Unsigned LLC", signed=False)
    global_id = partner_id_issue_global(organization=seller[2]).number

    no_partnership = refusal(_location(stranger))
    assert no_partnership["code"] == "no_partnership"
    assert no_partnership["field"] == "lines.0.partner_id_on_record"
    assert "Stranger" not in no_partnership["detail"]
    assert refusal(global_id)["code"] == "2202"
    assert refusal(_location(unsigned))["code"] == "2203"
    other_region = refusal(_location(french))
    assert other_region["code"] == "2201"
    assert "Litware" not in other_region["detail"]
    ProgramEnrollment.objects.filter(organization=seller[2]).update(status=ProgramEnrollment.Status.SUSPENDED)
    assert refusal(_location(seller[2]))["code"] == "800039"
    assert "invalid or does not exist" in refusal(9999999)["detail"]


def test_the_catalogue_rules_and_the_customer_agreement(contoso_api, refusal, make_customer, offers):
    too_many = refusal("", quantity=51, offer=offers["security"])
    assert (too_many["field"], too_many["code"]) == ("lines.0.quantity", "2002")
    assert too_many["detail"] == "Endpoint Security is sold in quantities from 1 to 50."
    assert refusal("", offer=offers["eu"])["detail"] == "EU Backup Vault isn't sold to customers in this country."
    unknown_offer = {"lines": [{"offer": 10**9, "quantity": 1}]}
    unknown = problem_of(contoso_api.post(_orders_url(make_customer("x1")), unknown_offer), 400)
    assert unknown["field"] == "lines.0.offer"

    unattested = make_customer("noagreement", attest=False)
    no_agreement = problem_of(contoso_api.post(_orders_url(unattested), {"lines": [_line(offers["standard"])]}), 400)
    assert no_agreement["code"] == "13605"
    assert "accept it before you can complete this purchase" in no_agreement["detail"]
    assert problem_of(contoso_api.post(_orders_url(unattested), {"lines": []}), 400)["field"] == "lines"


def test_who_may_order(contoso_api_as, fabrikam_api, customer, offers, northwind, contoso_api):
    body = {"lines": [_line(offers["standard"])]}
    assert contoso_api_as(Role.SALES_AGENT).post(_orders_url(customer), body).status_code == 201
    assert problem_of(contoso_api_as(Role.HELPDESK_AGENT).post(_orders_url(customer), body), 403)["code"] == "forbidden"
    assert problem_of(fabrikam_api.post(_orders_url(customer), body), 403)["code"] == "not_seller"
    assert problem_of(contoso_api.post(_orders_url(northwind[2]), body), 404)
    assert problem_of(contoso_api.post("/api/v1/customers/nope/orders", body), 404)
    assert Order.objects.filter(customer=northwind[2].organization).count() == 1


# --- reading orders --------------------------------------------------------------------------------------


def test_orders_list_and_detail_and_another_tenants_are_404(contoso_api, customer, northwind, make_customer, offers):
    other = make_customer("second", lines=[(offers["security"], 2)])

    listed = contoso_api.get("/api/v1/orders").json()["items"]
    only_woodgrove = contoso_api.get("/api/v1/orders", {"customer": str(customer.organization.tenant_id)}).json()

    assert [order["number"] for order in listed] == [2, 1]
    assert listed[0]["customer"] == str(other.organization.tenant_id)
    assert [line["offer"] for line in listed[1]["lines"]] == [offers["standard"].pk, offers["security"].pk]
    assert [order["number"] for order in only_woodgrove["items"]] == [1]
    assert contoso_api.get(f"/api/v1/orders/{listed[0]['id']}").json() == listed[0]
    theirs = Order.objects.get(partner=northwind[0])
    assert problem_of(contoso_api.get(f"/api/v1/orders/{theirs.pk}"), 404)
    assert problem_of(contoso_api.get("/api/v1/orders/-1"), 404)
    assert problem_of(contoso_api.get(f"/api/v1/orders/{10**25}"), 404)
    assert problem_of(contoso_api.get("/api/v1/orders", {"customer": str(northwind[2].organization.tenant_id)}), 404)


def test_the_reseller_lists_no_orders_it_did_not_place(fabrikam_api, customer):
    assert fabrikam_api.get("/api/v1/orders").json()["items"] == []


def test_the_orders_list_pins_its_queries(contoso_api, seller, offers):
    provider, _, fabrikam, _ = seller
    (first,) = bulk_customers(provider, 1, reseller=fabrikam, prefix="one")
    bulk_subscriptions(provider=provider, customer=first, reseller=fabrikam, offers=offers, count=1)
    contoso_api.get("/api/v1/orders")
    few = queries_of(lambda: contoso_api.get("/api/v1/orders"))
    for organization in bulk_customers(provider, 12, reseller=fabrikam, prefix="many"):
        bulk_subscriptions(provider=provider, customer=organization, reseller=fabrikam, offers=offers, count=3)
    many = queries_of(lambda: contoso_api.get("/api/v1/orders"))

    assert few == many == API_CALL_QUERIES + 2  # the page (customers joined) and its lines (offer, partner ID,
    # subscription joined)


def test_orders_need_a_token(contoso_api):
    assert problem_of(contoso_api.http.get("/api/v1/orders"), 401)["code"] == "not_authenticated"
    assert problem_of(contoso_api.http.post(f"/api/v1/customers/{uuid.uuid4()}/orders"), 401)


def test_the_offers_list_pins_its_queries(contoso_api, offers):
    from tests.scenarios import make_offer

    contoso_api.get("/api/v1/offers")
    few = queries_of(lambda: contoso_api.get("/api/v1/offers"))
    for n in range(12):
        make_offer(f"PH-MORE-{n}", f"More {n}")
    many = queries_of(lambda: contoso_api.get("/api/v1/offers"))

    assert few == many == API_CALL_QUERIES + 1  # the page, each offer's price in the market's currency annotated
    assert len(contoso_api.get("/api/v1/offers").json()["items"]) == 15
