"""Two billing runs of the same period at once, and two cycle sweeps at once, each in its own thread,
connection and transaction: one set of invoices numbered without a gap, each cycle billed once."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import close_old_connections

from billing.models import ChargeLine, Invoice, InvoiceSequence
from billing.services import rating, runs
from customers import services
from tests.threads import platform_thread

pytestmark = pytest.mark.django_db(transaction=True)


def _at(year, month, day):
    return time_machine.travel(datetime(year, month, day, 10, tzinfo=UTC), tick=False)


def _buy(seller, customer, offer, quantity=3, **line):
    order, _ = services.order_submit(
        partner=seller[0], customer=customer, actor=seller[1], key=uuid.uuid4(),
        lines=[services.LineInput(offer=offer, quantity=quantity, **line)],
    )  # fmt: skip
    return order.subscriptions.get()


def _at_once(work) -> list:
    barrier, results, errors = threading.Barrier(2), [], []

    def run():
        try:
            barrier.wait()
            results.append(work())
        except Exception as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [platform_thread(run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results


def test_two_runs_of_a_period_issue_one_set_of_invoices_numbered_without_a_gap(seller, make_customer, offers):
    provider, _user, reseller, _ = seller
    with _at(2027, 3, 2):
        for n in range(3):
            customer = make_customer(f"race{n}").organization
            _buy(seller, customer, offers["standard"], partner_of_record=services.location_partner_id(reseller))
            _buy(seller, customer, offers["security"])  # sold directly: the vendor bills the provider only

    with _at(2027, 4, 1):
        results = _at_once(runs.billing_run)
    assert sum(results) == 2  # each pair's period closed by one run; the other found it closed
    invoices = Invoice.objects.filter(kind="invoice")
    pairs = sorted(invoices.values_list("issuer", "recipient"), key=str)
    assert pairs == sorted([(None, provider.pk), (provider.pk, reseller.pk)], key=str)
    assert not ChargeLine.objects.filter(invoice=None).exists()
    for invoice in invoices:
        assert invoice.total == sum(line.total for line in invoice.lines.all())

    # Again for the next period, once more at once: the numbers follow on with no gap.
    with _at(2027, 4, 3):
        customer = make_customer("race-april").organization
        _buy(seller, customer, offers["standard"], partner_of_record=services.location_partner_id(reseller))
    with _at(2027, 5, 1):
        assert sum(_at_once(runs.billing_run)) == 2
    numbers = list(Invoice.objects.filter(issuer=provider).order_by("sequence").values_list("sequence", flat=True))
    assert numbers == [1, 2]
    vendor = list(Invoice.objects.filter(issuer=None).order_by("sequence").values_list("number", flat=True))
    assert vendor == ["PH2027-00001", "PH2027-00002"]
    assert InvoiceSequence.objects.get(issuer=provider, year=2027).last_number == 2


def test_two_cycle_sweeps_at_once_bill_a_cycle_once(seller, make_customer, offers):
    offer = offers["standard"]
    offer.terms = ["P1M", "P1Y"]
    offer.save()
    with _at(2027, 1, 15):
        customer = make_customer("sweeps").organization
        subscriptions = [_buy(seller, customer, offer, 4, term="P1Y", billing_frequency="monthly") for _ in range(3)]
    with _at(2027, 3, 20):  # two cycles started since: 15 February and 15 March
        results = _at_once(rating.sweep_cycles)
    assert sum(results) == 6
    cycles = ChargeLine.objects.filter(charge_type="cycleCharge", issuer=None)
    assert cycles.count() == 6
    for subscription in subscriptions:
        starts = sorted(cycles.filter(subscription=subscription).values_list("charge_start", flat=True))
        assert [day.isoformat() for day in starts] == ["2027-02-15", "2027-03-15"]
