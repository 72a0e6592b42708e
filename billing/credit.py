"""The credit check at order time: customers sends `order_checking` before it writes an order; billing refuses
an order billed to a blocked recipient or past its credit limit (billing.services.credit.order_check)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from customers.signals import order_checking

from .services.credit import order_check


@receiver(order_checking, dispatch_uid="billing.credit.check_order")
def check_order(sender: Any, *, partner, customer, lines, prices, **kwargs: Any) -> None:
    order_check(partner=partner, customer=customer, lines=lines, prices=prices)
