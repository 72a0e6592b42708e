"""Accounts receivable tests' shared steps: an order of the provider's reseller rated on 1 March 2026, the
billing run of 1 April issuing the provider's invoice to the reseller (due 1 May: net 30 after the period)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import time_machine

from billing.models import BillingProfile, Invoice
from billing.services import runs
from customers import services


def at(year, month, day, hour=10):
    return time_machine.travel(datetime(year, month, day, hour, tzinfo=UTC), tick=False)


def buy(seller, customer, offer, quantity=10, via_reseller=True, **line):
    provider, user, reseller, _ = seller
    if via_reseller:
        line.setdefault("partner_of_record", services.location_partner_id(reseller))
    order, _created = services.order_submit(
        partner=provider, customer=customer, actor=user, key=uuid.uuid4(),
        lines=[services.LineInput(offer=offer, quantity=quantity, **line)],
    )  # fmt: skip
    return order


def invoiced(seller, make_customer, offers, quantity=10) -> Invoice:
    """The provider's invoice to its reseller for March 2026 (issued 1 April, due 1 May)."""
    provider, _user, reseller, _ = seller
    with at(2026, 3, 1):
        customer = make_customer("woodgrove").organization
        buy(seller, customer, offers["standard"], quantity)
    with at(2026, 4, 1):
        runs.billing_run()
    return Invoice.objects.get(issuer=provider, recipient=reseller, kind="invoice")


def profile_of(seller) -> BillingProfile:
    provider, _user, reseller, _ = seller
    return BillingProfile.objects.get(issuer=provider, recipient=reseller)
