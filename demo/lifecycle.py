"""The subscription lifecycle in the demo (issue 18 §2): offers sold with several terms in one family
(Business Basic → Standard → Premium), Woodgrove's Endpoint Security renewing this week with a lower
quantity scheduled, and a Business Standard subscription Contoso can upgrade. Safe to run again."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta

from django.utils import timezone

from customers.models import Offer, Subscription, SubscriptionTerm
from customers.services import LineInput, order_submit
from customers.services.lifecycle import term_end_for
from partnerhub.accounts.models import Organization, User

FAMILY = {"PH-BIZ-BASIC": 0, "PH-BIZ-STD": 1, "PH-BIZ-PREM": 2}
ORDER_KEY = uuid.UUID("5f1d0c1e-7a2b-4c3d-9e8f-18a1fe0c2d01")  # the demo's upgradeable order, placed once


def seed_subscription_lifecycle() -> None:
    for offer in Offer.objects.all():
        offer.terms = ["P1M", "P1Y", "P3Y"] if offer.sku in FAMILY else [offer.term]
        offer.family = "business" if offer.sku in FAMILY else ""
        offer.family_rank = FAMILY.get(offer.sku, 0)
        offer.save(update_fields=["terms", "family", "family_rank"])
    customer = Organization.objects.filter(customer_profile__domain__startswith="woodgrovefoods.").first()
    if customer is None:
        return
    provider = Organization.objects.get(primary_domain="contoso-distribution.example")
    megan = User.objects.get(email="megan.bowen@contoso-distribution.example")
    order_submit(
        partner=provider,
        customer=customer,
        actor=megan,
        key=ORDER_KEY,
        lines=[
            LineInput(offer=Offer.objects.get(sku="PH-BIZ-STD"), quantity=10, friendly_name="Head office", term="P1Y")
        ],
    )
    _renewal_this_week(Subscription.objects.filter(customer=customer, offer__sku="PH-SECURITY").first())


def _renewal_this_week(subscription: Subscription | None) -> None:
    """Move the subscription's current (monthly) term so that it ends in four days, with 20 licenses
    scheduled for the renewal: the subscription page shows "At renewal on …: quantity 20"."""
    if subscription is None or subscription.next_quantity:
        return
    end = timezone.localdate() + timedelta(days=4)
    start = next(
        end - timedelta(days=back) for back in range(25, 35) if term_end_for(end - timedelta(days=back), "P1M") == end
    )
    began = timezone.make_aware(datetime.combine(start, time(9)))
    Subscription.objects.filter(pk=subscription.pk).update(
        term="P1M", term_start=start, term_end=end, created_at=began, term_started_at=began,
        last_increase_at=began, next_quantity=20, reminded_30_for=None, reminded_7_for=None,
    )  # fmt: skip
    SubscriptionTerm.objects.filter(subscription=subscription, kind=SubscriptionTerm.Kind.PURCHASE).update(
        start=start, end=end, created_at=began
    )
