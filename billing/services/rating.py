"""Rating: every subscription event becomes one charge line per tier that bills it (pricing.chain).

Events arrive as the customers app's audit rows (billing.receivers), in the transaction of the change, so a
change and its charges commit together; the line's `source` with its recipient is unique, so an event
replayed is rated once. Cycle charges (annual billed monthly, triennial billed annually) come from the
cycle sweep, keyed by the cycle's start date.

Proration is daily over the billing cycle (commerce.md §6.4): a change on day d of a cycle charges or
credits the days d..cycle end, at the cycle price; money.prorate makes the pieces of a cycle add up to it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Subscription

from ..models import ZERO, BillingProfile, ChargeLine, CycleSchedule
from ..money import days_between, prorate, round_unit
from ..pricing import Tier, chain, cycle_months, cycle_of, next_cycle_start

CT = ChargeLine.ChargeType


def _profile_for(tier: Tier, today: date) -> None:
    """A pair billed for the first time gets a profile with the defaults (billing day 1, net 30, the
    recipient's currency); the issuer adjusts it on its Billing page."""
    if BillingProfile.objects.filter(issuer_id=tier.issuer_id, recipient_id=tier.recipient_id).exists():
        return
    from partnerhub.accounts.models import Organization

    from .runs import next_billing_day

    currency = Organization.objects.filter(pk=tier.recipient_id).values_list("currency", flat=True).get()
    try:
        with transaction.atomic():
            BillingProfile.objects.create(
                issuer_id=tier.issuer_id,
                recipient_id=tier.recipient_id,
                currency=currency,
                period_start=today,
                next_run_on=next_billing_day(today, 1),
            )
    except IntegrityError:
        pass  # created meanwhile by a concurrent charge: one profile per pair


def _charged_in_cycle(subscription: Subscription, recipient_id: int, start: date, end: date) -> Decimal:
    total = ChargeLine.objects.filter(
        subscription=subscription, recipient_id=recipient_id, charge_start__gte=start, charge_start__lte=end
    ).aggregate(total=Sum("subtotal"))["total"]
    return total or ZERO


def rate(
    subscription: Subscription,
    *,
    source: str,
    charge_type: str,
    day: date,
    quantity: int,
    credit: bool = False,
    description: str = "",
) -> list[ChargeLine]:
    """One line per tier for `quantity` licences over `day`..the end of its cycle (or the term end), charged,
    or credited when `credit` (never more than was charged for the cycle)."""
    day = min(max(day, subscription.term_start), subscription.term_end)  # a late sweep bills the term's days
    cycle_start, cycle_end = cycle_of(subscription, day)
    last = min(cycle_end, subscription.term_end)
    first = min(max(day, cycle_start), last)
    months = cycle_months(subscription)
    currency = subscription.currency
    lines = []
    for tier in chain(subscription, day):
        unit = round_unit(tier.monthly_price * months)
        if charge_type == CT.SUSPEND:
            subtotal = ZERO
        else:
            subtotal = prorate(unit * quantity, cycle_start, cycle_end, first, last, currency)
        if credit:
            charged = _charged_in_cycle(subscription, tier.recipient_id, cycle_start, cycle_end)
            subtotal = -min(subtotal, max(charged, ZERO))
        _profile_for(tier, day)
        line = ChargeLine(
            issuer_id=tier.issuer_id,
            recipient_id=tier.recipient_id,
            source=source,
            subscription=subscription,
            customer_id=subscription.customer_id,
            partner_id=subscription.partner_id,
            reseller_id=subscription.reseller_id,
            offer_id=subscription.offer_id,
            order_id=subscription.order_id,
            charge_type=charge_type,
            event_on=day,
            charge_start=first,
            charge_end=last,
            term=subscription.term,
            billing_frequency=subscription.billing_frequency,
            unit_price=unit,
            effective_unit_price=round_unit(unit / days_between(cycle_start, cycle_end)),
            quantity=quantity,
            subtotal=subtotal,
            currency=currency,
            price_list=tier.price_list[:160],
            price_rule=tier.rule,
            description=description[:200],
        )
        try:
            with transaction.atomic():
                line.save()
        except IntegrityError:
            continue  # this event is already rated for this tier (a replay)
        lines.append(line)
    return lines


def schedule(subscription: Subscription, day: date) -> None:
    """Set (or clear) the start of the subscription's next cycle within its term, for the cycle sweep."""
    following = next_cycle_start(subscription, day) if subscription.is_live else None
    CycleSchedule.objects.update_or_create(subscription=subscription, defaults={"next_cycle_start": following})


# --- the events -------------------------------------------------------------------------------------------------


def rate_event(
    subscription: Subscription, *, code: str, event_id: int, data: dict[str, Any], at: datetime
) -> list[ChargeLine]:
    """The charge lines of one audited subscription change (the seller's side of it); `purchased` stands for
    an order's placement, one event for each of its subscriptions."""
    day = timezone.localdate(at)
    source = f"audit:{event_id}:{subscription.pk}"
    kind = code.rsplit(".", 1)[-1]
    lines: list[ChargeLine] = []
    if kind in ("purchased", "renewed", "created_by_upgrade"):
        charge_type = {"purchased": CT.NEW, "renewed": CT.RENEW, "created_by_upgrade": CT.CONVERT}[kind]
        # A term is billed from its start, whenever the sweep that renewed it ran.
        start = subscription.term_start if kind != "created_by_upgrade" else max(day, subscription.term_start)
        lines = rate(subscription, source=source, charge_type=charge_type, day=start, quantity=subscription.quantity)
        schedule(subscription, start)
    elif kind == "quantity_changed":
        before, after = int(data.get("from", 0)), int(data.get("to", 0))
        catch_up(subscription, day, quantity=before)
        if after > before:
            lines = rate(subscription, source=source, charge_type=CT.ADD_QUANTITY, day=day, quantity=after - before)
        elif after < before:
            lines = rate(subscription, source=source, charge_type=CT.REMOVE_QUANTITY, day=day,
                         quantity=before - after, credit=True)  # fmt: skip
    elif kind in ("cancelled", "upgraded"):
        catch_up(subscription, day, quantity=subscription.quantity)
        charge_type = CT.CANCEL if kind == "cancelled" else CT.CONVERT
        description = _("Credit of the remaining days") if kind == "cancelled" else _("Credit of the replaced offer")
        lines = rate(subscription, source=source, charge_type=charge_type, day=day, quantity=subscription.quantity,
                     credit=True, description=description)  # fmt: skip
        schedule(subscription, day)
    elif kind == "suspended":
        catch_up(subscription, day, quantity=subscription.quantity)
        lines = rate(subscription, source=source, charge_type=CT.SUSPEND, day=day, quantity=subscription.quantity,
                     description=_("Billing continues while suspended"))  # fmt: skip
    elif kind == "expired":
        schedule(subscription, day)
    return lines


def rate_cycle(subscription: Subscription, start: date, *, quantity: int | None = None) -> list[ChargeLine]:
    """The charge of a cycle that starts within the term (`cycle:<subscription>:<start>`)."""
    return rate(subscription, source=f"cycle:{subscription.pk}:{start.isoformat()}", charge_type=CT.CYCLE,
                day=start, quantity=subscription.quantity if quantity is None else quantity)  # fmt: skip


def catch_up(subscription: Subscription, day: date, *, quantity: int) -> None:
    """Bill the cycles that started by `day` and the sweep hasn't reached yet, at the quantity they had before
    the change being rated: a change is then rated after its cycle's charge, so its credit is measured against
    what the cycle really cost. The schedule row is claimed as the sweep claims it (billed once)."""
    while True:
        start = (
            CycleSchedule.objects.filter(subscription=subscription, next_cycle_start__lte=day)
            .values_list("next_cycle_start", flat=True)
            .first()
        )
        if start is None or start > subscription.term_end:
            return
        if not CycleSchedule.objects.filter(subscription=subscription, next_cycle_start=start).update(
            next_cycle_start=None
        ):
            return
        rate_cycle(subscription, start, quantity=quantity)
        schedule(subscription, start)


def sweep_cycles(*, today: date | None = None, batch: int = 500) -> int:
    """Bill every cycle that has started: one transaction per subscription, the schedule row claimed by a
    conditional update, so two sweeps at once bill a cycle once (the unique source says so too)."""
    today = today or timezone.localdate()
    rated = 0
    while True:
        due = list(
            CycleSchedule.objects.filter(next_cycle_start__lte=today)
            .order_by("next_cycle_start")
            .values_list("subscription_id", "next_cycle_start")[:batch]
        )
        if not due:
            return rated
        for pk, start in due:
            if start is None:
                continue
            with transaction.atomic():
                claimed = CycleSchedule.objects.filter(subscription_id=pk, next_cycle_start=start).update(
                    next_cycle_start=None
                )
                if not claimed:
                    continue
                subscription = Subscription.objects.select_related("partner").get(pk=pk)
                if subscription.is_live and start <= subscription.term_end:
                    rate_cycle(subscription, start)
                    schedule(subscription, start)
                    rated += 1
