"""The billing engine end to end: an order rated for each tier, a quantity change prorated by the day, a
cycle charge, the billing run issuing numbered invoices once, and a credit note capped at the invoice."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

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
    cent = Decimal("0.01")
    cost = (price * Decimal("0.85")).quantize(cent, ROUND_HALF_UP)  # tier prices are whole cents
    assert vendor.subtotal == cost * 10
    assert provider_line.issuer_id == provider.pk
    assert provider_line.subtotal == (cost * Decimal("1.1")).quantize(cent, ROUND_HALF_UP) * 10
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


def test_a_cancellation_within_the_window_credits_the_remaining_days_never_more(seller, make_customer, offers):
    provider, user, _, _ = seller
    with _at(2026, 3, 1):
        customer = make_customer("woodgrove").organization
        subscription = _buy(seller, customer, offers["standard"], 10)
    with _at(2026, 3, 4):
        services.subscription_cancel(subscription=subscription, actor=user)
    lines = ChargeLine.objects.filter(subscription=subscription, recipient=provider)
    charged = lines.get(charge_type="new").subtotal
    credit = lines.get(charge_type="cancel").subtotal
    assert credit < 0
    # 28 of 31 days are returned: the cumulative rounding makes charged + credit the 3 days used, to the cent.
    assert charged + credit == (charged * 3 / 31).quantize(Decimal("0.01"))


def test_a_suspension_is_a_zero_line_and_billing_goes_on(seller, make_customer, offers):
    provider, user, _, _ = seller
    with _at(2026, 3, 1):
        subscription = _buy(seller, make_customer("woodgrove").organization, offers["standard"], 3)
    with _at(2026, 3, 10):
        services.subscription_suspend(subscription=subscription, actor=user)
    line = ChargeLine.objects.get(subscription=subscription, recipient=provider, charge_type="suspend")
    assert line.subtotal == 0
    assert line.description == "Billing continues while suspended"


def test_an_upgrade_credits_the_old_offer_and_charges_the_new_one(seller, make_customer, offers):
    from customers.services import lifecycle
    from tests.scenarios import make_offer

    provider, user, _, _ = seller
    standard = offers["standard"]
    standard.family, standard.family_rank = "business", 1
    standard.save()
    premium = make_offer("PH-BIZ-PREM", "Business Premium", price="22.00", maximum=20)
    premium.family, premium.family_rank = "business", 2
    premium.save()
    with _at(2026, 3, 1):
        old = _buy(seller, make_customer("woodgrove").organization, standard, 2)
    with _at(2026, 3, 16):
        new = lifecycle.subscription_upgrade(subscription=old, actor=user, offer=premium)
    credit = ChargeLine.objects.get(subscription=old, recipient=provider, charge_type="convert")
    charge = ChargeLine.objects.get(subscription=new, recipient=provider, charge_type="convert")
    assert credit.subtotal < 0 < charge.subtotal
    assert (charge.charge_start, charge.charge_end) == (date(2026, 3, 16), date(2026, 3, 31))
    assert charge.subtotal == (Decimal("22.00") * 2 * 16 / 31).quantize(Decimal("0.01"))


def test_tax_is_per_line_reverse_charge_prints_its_wording_and_issued_invoices_never_change(
    seller, make_customer, offers
):
    from django.db import IntegrityError, transaction

    from billing.models import TaxRate

    provider, _, reseller, _ = seller
    TaxRate.objects.create(issuer=provider, country=str(reseller.country), rate="0", reverse_charge=True,
                           wording="Autoliquidation — article 196 de la directive 2006/112/CE")  # fmt: skip
    with _at(2026, 3, 1):
        customer = make_customer("woodgrove").organization
        _buy(seller, customer, offers["standard"], 10, partner_of_record=services.location_partner_id(reseller))
    with _at(2026, 4, 1):
        runs.billing_run()
    invoice = Invoice.objects.get(issuer=provider, recipient=reseller)
    assert invoice.reverse_charge
    assert invoice.tax == 0
    assert invoice.tax_wording.startswith("Autoliquidation")
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(total=invoice.total + 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        ChargeLine.objects.filter(invoice=invoice).update(subtotal=0)
    # What may move: its payment standing.
    Invoice.objects.filter(pk=invoice.pk).update(reminders_sent=1)


def test_a_charge_after_its_period_closed_goes_on_the_next_invoice_as_an_adjustment(seller, make_customer, offers):
    provider, _, reseller, _ = seller
    with _at(2026, 3, 1):
        customer = make_customer("woodgrove").organization
        subscription = _buy(seller, customer, offers["standard"], 10,
                            partner_of_record=services.location_partner_id(reseller))  # fmt: skip
    with _at(2026, 4, 1):
        runs.billing_run()
        # A charge of 31 March rated after the run (a late event): it is March's, but March is closed.
        late = rating.rate(subscription, source="late:1", charge_type="addQuantity", day=date(2026, 3, 31), quantity=1)
    assert {line.invoice_id for line in late} == {None}
    with _at(2026, 5, 1):
        runs.billing_run()
    late_line = ChargeLine.objects.get(source="late:1", recipient=reseller)
    assert late_line.is_adjustment
    assert late_line.invoice.period_start == date(2026, 4, 1)


def test_a_change_before_the_sweep_reaches_its_cycle_is_rated_after_the_cycle_charge(seller, make_customer, offers):
    """The cycle sweep runs every 15 minutes: a change made in between bills the cycle first, at the quantity
    it had, so the change's credit is measured against what the cycle cost (not capped at nothing)."""
    provider, user, _, _ = seller
    offer = offers["standard"]
    offer.terms = ["P1M", "P1Y"]
    offer.save()
    with _at(2026, 1, 15):
        subscription = _buy(seller, make_customer("woodgrove").organization, offer, 4, term="P1Y",
                            billing_frequency="monthly")  # fmt: skip
    with _at(2026, 2, 16):  # cycle 2 began on 15 February; no sweep has run
        services.subscription_change_quantity(subscription=subscription, actor=user, quantity=7)
    with _at(2026, 2, 17):
        services.subscription_change_quantity(subscription=subscription, actor=user, quantity=4)
        assert rating.sweep_cycles() == 0  # nothing left to bill: the change billed it
    lines = ChargeLine.objects.filter(subscription=subscription, recipient=provider)
    cycle = lines.get(charge_type="cycleCharge")
    assert (cycle.charge_start, cycle.quantity) == (date(2026, 2, 15), 4)
    added, removed = lines.get(charge_type="addQuantity"), lines.get(charge_type="removeQuantity")
    # 3 licences for 16 February–14 March (27 of 28 days), then credited for 17 February on (26 days).
    assert added.subtotal == (added.unit_price * 3 * 27 / 28).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert -removed.subtotal == (added.unit_price * 3 * 26 / 28).quantize(Decimal("0.01"), ROUND_HALF_UP)
