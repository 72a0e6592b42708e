# ruff: noqa: F811 - the fixtures imported from tests.api.commerce are this module's arguments
"""The credit limit and blocks at order time (commerce.md §6.5: the check targets the party who owes the money,
here the reseller of record the provider bills): an order past the limit is refused with the exact figures and
writes nothing, in the services and the API (409 problem); under the limit it is accepted; a blocked pair is
refused with the issuer's reason; a payment that clears the overdue invoices lifts an automatic block."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum

from billing.models import ChargeLine, Invoice
from billing.services import credit, payments, runs
from customers.models import Order
from customers.services.common import CustomersError
from tests.api.commerce import contoso_api, problem_of  # noqa: F401 - fixtures

from .ar_helpers import at, buy, profile_of

pytestmark = pytest.mark.django_db


def _first_order(seller, make_customer, offers):
    """Woodgrove's first order through Fabrikam: what it charged Fabrikam (the provider's tier)."""
    provider, _user, reseller, _ = seller
    customer = make_customer("woodgrove").organization
    buy(seller, customer, offers["standard"], 10)
    charged = ChargeLine.objects.filter(issuer=provider, recipient=reseller).aggregate(t=Sum("subtotal"))["t"]
    assert charged > 0
    return customer, charged


def _expected(seller, *, limit, open_, order) -> str:
    provider, _user, reseller, _ = seller
    currency = profile_of(seller).currency
    fmt = credit.money_format
    return (
        f"This order would bring {reseller.legal_name}'s balance with {provider.legal_name} to "
        f"{fmt(open_ + order, currency)}, past its credit limit of {fmt(limit, currency)} (open {fmt(open_, currency)}"
        f" + this order {fmt(order, currency)})."
    )


def test_an_order_past_the_credit_limit_is_refused_with_the_figures_and_writes_nothing(seller, make_customer, offers):
    _provider, user, _reseller, _ = seller
    customer, charged = _first_order(seller, make_customer, offers)
    limit = (charged * Decimal("1.5")).quantize(Decimal("0.01"))
    credit.profile_update(profile=profile_of(seller), actor=user, credit_limit=limit)
    orders = Order.objects.count()
    with pytest.raises(CustomersError) as refused:
        buy(seller, customer, offers["standard"], 10)
    assert refused.value.code == "credit_limit"
    assert refused.value.message == _expected(seller, limit=limit, open_=charged, order=charged)
    assert Order.objects.count() == orders
    assert ChargeLine.objects.filter(recipient=seller[2]).aggregate(t=Sum("subtotal"))["t"] == charged


def test_an_order_under_the_limit_is_accepted(seller, make_customer, offers):
    _provider, user, _reseller, _ = seller
    customer, charged = _first_order(seller, make_customer, offers)
    credit.profile_update(profile=profile_of(seller), actor=user, credit_limit=charged * 2)
    buy(seller, customer, offers["standard"], 10)  # exactly at the limit: accepted
    with pytest.raises(CustomersError):
        buy(seller, customer, offers["standard"], 1)


def test_an_order_sold_directly_is_not_checked_against_the_resellers_limit(seller, make_customer, offers):
    _provider, user, _reseller, _ = seller
    customer, _charged = _first_order(seller, make_customer, offers)
    credit.profile_update(profile=profile_of(seller), actor=user, credit_limit=Decimal("0"))
    buy(seller, customer, offers["standard"], 10, via_reseller=False)


def test_a_blocked_pair_is_refused_with_the_issuers_reason(seller, make_customer, offers):
    provider, user, reseller, _ = seller
    customer, _charged = _first_order(seller, make_customer, offers)
    credit.orders_block(profile=profile_of(seller), reason="Invoice 2026-00001 is unpaid", actor=user)
    with pytest.raises(CustomersError) as refused:
        buy(seller, customer, offers["standard"], 1)
    assert refused.value.code == "orders_blocked"
    assert refused.value.message == (
        f"{provider.legal_name} has blocked new orders billed to {reseller.legal_name}: Invoice 2026-00001 is unpaid"
    )
    credit.orders_unblock(profile=profile_of(seller), actor=user)
    buy(seller, customer, offers["standard"], 1)


def test_paying_the_overdue_invoice_lifts_the_automatic_block_and_orders_flow_again(seller, make_customer, offers):
    provider, user, reseller, _ = seller
    with at(2026, 3, 1):
        customer, _charged = _first_order(seller, make_customer, offers)
    with at(2026, 4, 1):
        runs.billing_run()
    credit.profile_update(profile=profile_of(seller), actor=user, auto_block_after_days=3)
    invoice = Invoice.objects.get(issuer=provider, recipient=reseller)
    with at(2026, 5, 4):
        credit.sweep_overdue()
        with pytest.raises(CustomersError) as refused:
            buy(seller, customer, offers["standard"], 1)
        assert refused.value.code == "orders_blocked"
        assert invoice.number in refused.value.message
        payments.payment_record(invoice=invoice, amount=invoice.total, received_on=date(2026, 5, 4), reference="R-9")
        assert not profile_of(seller).is_blocked
        buy(seller, customer, offers["standard"], 1)


# --- the API ------------------------------------------------------------------------------------------------------


def test_the_api_answers_a_409_problem_with_the_figures(seller, make_customer, offers, contoso_api):
    _provider, user, _reseller, _ = seller
    customer, charged = _first_order(seller, make_customer, offers)
    limit = charged + Decimal("1.00")
    credit.profile_update(profile=profile_of(seller), actor=user, credit_limit=limit)
    orders = Order.objects.count()
    response = contoso_api.post(
        f"/api/v1/customers/{customer.tenant_id}/orders", {"lines": [{"offer": offers["standard"].pk, "quantity": 10}]}
    )
    body = problem_of(response, 409)
    assert body["code"] == "credit_limit"
    assert body["detail"] == _expected(seller, limit=limit, open_=charged, order=charged)
    assert Order.objects.count() == orders

    credit.orders_block(profile=profile_of(seller), reason="Call accounting", actor=user)
    response = contoso_api.post(
        f"/api/v1/customers/{customer.tenant_id}/orders", {"lines": [{"offer": offers["standard"].pk, "quantity": 1}]}
    )
    assert problem_of(response, 409)["code"] == "orders_blocked"
    assert "Call accounting" in response.json()["detail"]
