"""Properties of the billing engine, over generated cases: proration telescopes to the minor unit; a term
billed monthly adds up to its price; credits never exceed what was charged; an invoice is the sum of its
lines; every event is rated exactly once per tier of its chain, however often it is replayed."""

from __future__ import annotations

import itertools
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db.models import Sum
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from billing.models import ChargeLine, Invoice, PriceRule, TaxRate
from billing.money import prorate, round_money, round_unit
from billing.pricing import add_months, chain
from billing.receivers import rate_subscription_events
from billing.services import rating, runs
from customers import services
from partnerhub.core.models import AuditEvent

CURRENCIES = {"EUR": Decimal("0.01"), "JPY": Decimal("1")}
DB_SETTINGS = settings(
    deadline=None,
    max_examples=8,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: an example is seconds of database work
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# --- proration, no database ----------------------------------------------------------------------------------


@st.composite
def cycles_and_cuts(draw):
    currency = draw(st.sampled_from(sorted(CURRENCIES)))
    minor = draw(st.integers(min_value=0, max_value=10**9))
    total = Decimal(minor) * CURRENCIES[currency]
    start = draw(st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 12, 31)))
    length = draw(st.integers(min_value=1, max_value=1100))  # a day up to a triennial cycle
    cuts = draw(st.lists(st.integers(min_value=1, max_value=length - 1), max_size=12)) if length > 1 else []
    return currency, total, start, start + timedelta(days=length - 1), sorted(set(cuts))


@settings(deadline=None, max_examples=300)
@given(case=cycles_and_cuts())
def test_the_pieces_of_a_cycle_add_up_to_its_price(case):
    currency, total, start, end, cuts = case
    bounds = [0, *cuts, (end - start).days + 1]
    pieces = [
        prorate(total, start, end, start + timedelta(days=a), start + timedelta(days=b - 1), currency)
        for a, b in itertools.pairwise(bounds)
    ]
    assert sum(pieces, Decimal(0)) == total
    assert all(piece >= 0 for piece in pieces)
    assert all(piece == round_money(piece, currency) for piece in pieces)  # whole minor units


# --- the engine over a term, with the database ---------------------------------------------------------------


def _at(day: date, hour: int = 10):
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=UTC), tick=False)


def _buy(seller, customer, offer, quantity, **line):
    order, _ = services.order_submit(
        partner=seller[0], customer=customer, actor=seller[1], key=uuid.uuid4(),
        lines=[services.LineInput(offer=offer, quantity=quantity, **line)],
    )  # fmt: skip
    return order


@pytest.fixture
def annual_offer(offers):
    offer = offers["standard"]
    offer.terms = ["P1M", "P1Y"]
    offer.save()
    return offer


ERAS = itertools.count()  # each example lives two years after the last: the pairs' periods only move forward


@pytest.mark.django_db
@DB_SETTINGS
@given(
    quantity=st.integers(min_value=1, max_value=40),
    vendor_percent=st.sampled_from(["-15", "-12.5", "0", "-7.77"]),
    markup=st.sampled_from(["10", "-5", "3.33", "0", "17.5"]),
    start_offset=st.integers(min_value=0, max_value=364),
    tax_rate=st.sampled_from(["0", "8.25", "20", "19.6"]),
    added=st.integers(min_value=0, max_value=7),
    add_after=st.integers(min_value=1, max_value=330),
    removed_after=st.integers(min_value=0, max_value=6),
    cancel_after=st.integers(min_value=0, max_value=6),
)
def test_a_term_adds_up_credits_stay_within_charges_and_invoices_sum_their_lines(
    seller, make_customer, annual_offer, quantity, vendor_percent, markup, start_offset, tax_rate, added,
    add_after, removed_after, cancel_after,
):  # fmt: skip
    provider, user, reseller, _ = seller
    begin = date(2027 + 2 * next(ERAS), 1, 1)
    start = begin + timedelta(days=start_offset)
    PriceRule.objects.create(issuer=None, name="Vendor", program="indirect_provider", percent=vendor_percent,
                             effective_from=begin)  # fmt: skip
    PriceRule.objects.create(issuer=provider, name="Resellers", percent=markup, effective_from=begin)
    TaxRate.objects.update_or_create(
        issuer=provider, country=str(reseller.country), defaults={"rate": tax_rate, "wording": "Tax"}
    )
    record = services.location_partner_id(reseller)
    with _at(start):
        customer = make_customer().organization
        order = _buy(seller, customer, annual_offer, quantity, term="P1Y", billing_frequency="monthly",
                     partner_of_record=record)  # fmt: skip
        subscription = order.subscriptions.get()
        cancelled = _buy(seller, customer, annual_offer, quantity, term="P1Y", billing_frequency="monthly",
                         partner_of_record=record).subscriptions.get()  # fmt: skip
    with _at(start + timedelta(days=cancel_after)):
        services.subscription_cancel(subscription=cancelled, actor=user)
    if added:
        with _at(start + timedelta(days=add_after)):
            services.subscription_change_quantity(subscription=subscription, actor=user, quantity=quantity + added)
        with _at(start + timedelta(days=add_after + removed_after), hour=11):
            services.subscription_change_quantity(subscription=subscription, actor=user, quantity=quantity)
    subscription.refresh_from_db()
    after_term = subscription.term_end + timedelta(days=1)
    with _at(after_term):
        rating.sweep_cycles()
    with _at(after_term + timedelta(days=32)):  # every period holding a line has closed
        runs.billing_run()

    currency = subscription.currency
    tiers = chain(subscription, start)
    assert [tier.recipient_id for tier in tiers] == [provider.pk, reseller.pk]
    mine = ChargeLine.objects.filter(subscription__in=[subscription, cancelled])
    for tier in tiers:
        lines = list(mine.filter(recipient_id=tier.recipient_id, subscription=subscription))
        # The purchase and the cycle charges: twelve whole cycles; tier prices are whole minor units, so the
        # term costs exactly its price (monthly price × 12 × quantity).
        term = [line for line in lines if line.charge_type in ("new", "cycleCharge")]
        assert len(term) == 12
        cycle_price = round_money(round_unit(tier.monthly_price) * quantity, currency)
        assert all(line.subtotal == cycle_price for line in term)
        term_price = tier.monthly_price * 12 * quantity
        assert sum(line.subtotal for line in term) == term_price
        assert term[-1].charge_end == subscription.term_end
        # Licences added then removed: the credit never exceeds what was charged for them in that cycle.
        changes = {line.charge_type: line for line in lines if line.charge_type.endswith("Quantity")}
        if added:
            charge, credit = changes["addQuantity"], changes["removeQuantity"]
            assert credit.subtotal <= 0
            assert -credit.subtotal <= charge.subtotal
            assert -credit.subtotal == prorate(
                round_unit(tier.monthly_price) * added,
                *_cycle(credit.charge_start, subscription.term_start),
                credit.charge_start,
                credit.charge_end,
                currency,
            )
        # A cancelled subscription is credited at most what it was charged.
        gone = mine.filter(recipient_id=tier.recipient_id, subscription=cancelled)
        charged = gone.filter(subtotal__gt=0).aggregate(total=Sum("subtotal"))["total"]
        credited = gone.get(charge_type="cancel").subtotal
        assert credited <= 0
        assert -credited <= charged
        assert gone.aggregate(total=Sum("subtotal"))["total"] >= 0

    # Every event rated exactly once per tier of its chain.
    per_event = Counter(mine.values_list("source", "recipient_id"))
    assert set(per_event.values()) == {1}
    for source in set(mine.values_list("source", flat=True)):
        event_lines = list(mine.filter(source=source))
        on = event_lines[0].event_on
        expected = {tier.recipient_id for tier in chain(event_lines[0].subscription, on)}
        assert {line.recipient_id for line in event_lines} == expected, source

    # Replaying the order's and the changes' audit events rates nothing new.
    before = ChargeLine.objects.count()
    placed = AuditEvent.objects.get(code="partnerhub.order.placed", object_id=str(order.pk), organization=provider)
    rate_subscription_events(sender=AuditEvent, event=placed, target=order)
    changed = AuditEvent.objects.filter(object_id=str(subscription.pk), code__startswith="partnerhub.subscription.")
    for event in changed:
        rate_subscription_events(sender=AuditEvent, event=event, target=subscription)
    assert ChargeLine.objects.count() == before

    # Every line is invoiced; every invoice is the sum of its rounded lines.
    assert not mine.filter(invoice=None).exists()
    invoices = Invoice.objects.filter(pk__in=mine.values("invoice"))
    for invoice in invoices:
        lines = list(invoice.lines.all())
        assert invoice.subtotal + invoice.tax == invoice.total
        assert invoice.subtotal == sum(line.subtotal for line in lines)
        assert invoice.tax == sum(line.tax for line in lines)
        assert invoice.total == sum(line.total for line in lines)
        rate = Decimal(0) if invoice.reverse_charge else invoice.tax_rate
        assert all(line.tax == round_money(line.subtotal * rate / 100, invoice.currency) for line in lines)
    provider_invoices = invoices.filter(issuer=provider)
    assert {invoice.tax_rate for invoice in provider_invoices} == {Decimal(tax_rate)}
    # Credit notes never return more than their invoice.
    for invoice in provider_invoices.filter(total__gt=0)[:1]:
        runs.credit_note_issue(invoice=invoice, amount=invoice.total, reason="All of it")
        with pytest.raises(Exception, match="left to credit"):
            runs.credit_note_issue(invoice=invoice, amount=Decimal("0.01"), reason="One cent more")


def _cycle(charge_start: date, term_start: date) -> tuple[date, date]:
    """The monthly cycle of the term holding `charge_start`."""
    start = term_start
    while add_months(start, 1) < charge_start:
        start = add_months(start, 1) + timedelta(days=1)
    return start, add_months(start, 1)
