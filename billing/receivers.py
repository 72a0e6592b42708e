"""Billing's receivers of the customers app's signals (customers can't import billing, which sits above it):
rating follows its audit rows — each subscription change, audited in its transaction on the seller's side,
becomes its charge lines there — and the credit check answers `order_checking` before an order is written,
refusing one billed to a blocked recipient or past its credit limit (billing.services.credit.order_check)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from customers.models import Order, Subscription
from customers.signals import order_checking
from partnerhub.core import rls
from partnerhub.core.audit import audit_recorded

from .services.credit import order_check
from .services.rating import rate_event

RATED = {
    "partnerhub.subscription.quantity_changed",
    "partnerhub.subscription.cancelled",
    "partnerhub.subscription.suspended",
    "partnerhub.subscription.renewed",
    "partnerhub.subscription.expired",
    "partnerhub.subscription.upgraded",
    "partnerhub.subscription.created_by_upgrade",
}


@receiver(audit_recorded, dispatch_uid="billing.receivers.rate_subscription_events")
def rate_subscription_events(sender, event, target: Any = None, **kwargs) -> None:
    """An order's subscriptions are purchases; the lifecycle's changes are charges or credits. Only the
    seller's row is rated (a change is audited on the reseller's side too)."""
    if event.code == "partnerhub.order.placed" and isinstance(target, Order):
        if event.organization_id != target.partner_id:
            return
        with rls.elevated("billing:rate"):
            for subscription in target.subscriptions.select_related("partner").order_by("pk"):
                rate_event(subscription, code="purchased", event_id=event.pk, data=event.data, at=event.created_at)
    elif event.code in RATED and isinstance(target, Subscription):
        if event.organization_id != target.partner_id:
            return
        with rls.elevated("billing:rate"):
            rate_event(target, code=event.code, event_id=event.pk, data=event.data, at=event.created_at)


@receiver(order_checking, dispatch_uid="billing.receivers.check_order")
def check_order(sender: Any, *, partner: Any, customer: Any, lines: Any, prices: Any, **kwargs: Any) -> None:
    order_check(partner=partner, customer=customer, lines=lines, prices=prices)
