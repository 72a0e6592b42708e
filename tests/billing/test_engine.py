"""The billing engine end to end: an order rated for each tier, a quantity change prorated by the day, a
cycle charge, the billing run issuing numbered invoices once, and a credit note capped at the invoice."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from billing.models import BillingProfile, ChargeLine, Invoice, PriceRule
from billing.services import rating, runs
from billing.services.runs import credit_note_issue
from customers import services
from partnerhub.core.errors import ApplicationError

pytestmark = pytest.mark.django_db


def _at(year, month, day, hour=10):
    return time_machine.travel(datetime(year, month, day, hour, tzinfo=UTC), tick=False)


def _buy(seller, customer, offer, quantity=10, **line):
    order, _ = services.order_submit(
        partner=seller[0], customer=customer, actor=seller[1], key=uuid.uuid4(),
        lines=[services.LineInput(offer=offer, quantity=quantity, **line)],
    )  # fmt: skip
    return order.subscriptions.get()


def test_an_order_is_rated_for_the_vendor_and_the_provider_tier(seller, make_customer, offers):
    provider, user, reseller, _ = seller
    PriceRule.objects.create(issuer=None, name="Vendor discount", program="indirect_provider", percent="-15",
                             effective_from=date(2026, 1, 1))  # fmt: skip
    PriceRule.objects.create(issuer=provider, name="Resellers", percent="10", effective_from=date(2026, 1, 1))
    with _at(2026, 3, 1):
        customer = make_customer("woodgrove").organization
        subscription = _buy(
            seller, customer, offers["standard"], 10, partner_of_record=services.location_partner_id(reseller)
        )
    lines = {line.recipient_id: line for line in ChargeLine.objects.filter(subscription=subscription)}
    assert set(lines) == {provider.pk, reseller.pk}
    price = subscription.unit_price
    vendor, provider_line = lines[provider.pk], lines[reseller.pk]
    assert vendor.issuer_id is None
    assert vendor.charge_type == "new"
    assert vendor.subtotal == (price * Decimal("0.85") * 10).quantize(Decimal("0.01"))
    assert provider_line.issuer_id == provider.pk
    assert provider_line.subtotal == (price * Decimal("0.85") * Decimal("1.1") * 10).quantize(Decimal("0.01"))
    assert (vendor.charge_start, vendor.charge_end) == (date(2026, 3, 1), date(2026, 3, 31))

    # Two seats added on 17 March: 15 of the cycle's 31 days.
    with _at(2026, 3, 17):
        services.subscription_change_quantity(subscription=subscription, actor=user, quantity=12)
    added = ChargeLine.objects.get(subscription=subscription, recipient=provider, charge_type="addQuantity")
    assert added.subtotal == (vendor.unit_price * 2 * 15 / 31).quantize(Decimal("0.01"))

    # The run on 1 April issues one invoice per pair, numbered; a second run issues nothing.
    with _at(2026, 4, 1):
        issued = runs.billing_run()
        assert runs.billing_run() == 0
    assert issued == 2
    invoice = Invoice.objects.get(issuer=provider, recipient=reseller)
    assert invoice.number == "2026-00001"
    assert invoice.total == sum(line.total for line in invoice.lines.all())
    assert (invoice.period_start, invoice.period_end) == (date(2026, 3, 1), date(2026, 3, 31))
    vendor_invoice = Invoice.objects.get(issuer=None, recipient=provider)
    assert vendor_invoice.number == "PH2026-00001"
    assert BillingProfile.objects.get(issuer=provider, recipient=reseller).next_run_on == date(2026, 5, 1)

    with _at(2026, 4, 2):
        credit_note_issue(invoice=invoice, amount=Decimal("1.00"), reason="Goodwill")
        with pytest.raises(ApplicationError):
            credit_note_issue(invoice=invoice, amount=invoice.total, reason="Too much")
    assert Invoice.objects.get(kind="credit_note").number == "2026-00002"


def test_an_annual_term_billed_monthly_gets_a_cycle_charge_each_month(seller, make_customer, offers):
    offer = offers["standard"]
    offer.terms = ["P1M", "P1Y"]
    offer.save()
    with _at(2026, 1, 15):
        customer = make_customer("woodgrove").organization
        subscription = _buy(seller, customer, offer, 4, term="P1Y", billing_frequency="monthly")
    with _at(2026, 2, 15):
        assert rating.sweep_cycles() == 1
        assert rating.sweep_cycles() == 0
    cycle = ChargeLine.objects.get(subscription=subscription, issuer=None, charge_type="cycleCharge")
    assert (cycle.charge_start, cycle.charge_end) == (date(2026, 2, 15), date(2026, 3, 14))
