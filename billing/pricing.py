"""Who bills whom for a subscription, and at what price, on a given day.

The chain of a subscription sold by partner P to customer C, with reseller of record R:
  1. the vendor bills P its list price less P's program discount (the vendor's price rules);
  2. P bills R (when there is one) its price for R: a markup or discount on P's cost by R's override, R's
     tier or P's default rule, or the list price when P has set none;
  3. R, or P when it sold directly as a direct-bill partner, bills C only when it set up a billing profile
     for C (billing customers is optional), on the same rules.
The subscription's unit price is the list price locked for its term (new commerce: prices change at renewal);
price rules apply from their date, and each charge records the rule it used."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from customers.models import TERM_MONTHS, BillingFrequency, Offer, Subscription
from enrollment.selectors import selling_program

from .models import BillingProfile, PriceRule
from .money import round_money, round_unit

HUNDRED = Decimal(100)
CYCLE_MONTHS: dict[str, int] = {
    BillingFrequency.MONTHLY: 1,
    BillingFrequency.ANNUAL: 12,
    BillingFrequency.TRIENNIAL: 36,
}


@dataclass(frozen=True)
class Tier:
    issuer_id: int | None  # None: the vendor
    recipient_id: int
    monthly_price: Decimal  # per licence per month, six decimals
    price_list: str  # what the charge line names as the price it used
    rule: PriceRule | None


# --- cycles ---------------------------------------------------------------------------------------------------


def add_months(start: date, months: int) -> date:
    """The day a period of `months` months starting on `start` ends (calendar arithmetic, as term_end_for)."""
    total = start.month - 1 + months
    year, month = start.year + total // 12, total % 12 + 1
    last = calendar.monthrange(year, month)[1]
    if start.day > last:
        return date(year, month, last)
    return date(year, month, start.day) - timedelta(days=1)


def cycle_months(subscription: Subscription) -> int:
    months = CYCLE_MONTHS.get(subscription.billing_frequency, 1)
    return min(months, TERM_MONTHS[Offer.Term(subscription.term)])


def cycle_of(subscription: Subscription, day: date) -> tuple[date, date]:
    """The billing cycle of the current term that holds `day`: (first day, last day of the full cycle). The
    term's last cycle may end earlier (a co-terminous term): charges stop at the term end, priced on the
    full cycle's days."""
    months = cycle_months(subscription)
    start, cycles = subscription.term_start, 1
    end = add_months(start, months)
    while end < day:
        # Each cycle ends on the term start's anniversary (as term_end_for): chained from the previous cycle,
        # a term starting on the 31st would drift to the 1st and its last cycle would be cut short.
        start, cycles = end + timedelta(days=1), cycles + 1
        end = add_months(subscription.term_start, months * cycles)
    return start, end


def next_cycle_start(subscription: Subscription, day: date) -> date | None:
    """The start of the cycle after the one holding `day`, or None when the term ends before it."""
    _start, end = cycle_of(subscription, day)
    following = end + timedelta(days=1)
    return following if following <= subscription.term_end else None


# --- rules ----------------------------------------------------------------------------------------------------


def best_rule(
    rules: Iterable[PriceRule], *, recipient_id: int | None, tier: str, program: str, offer_id: int, on: date
) -> PriceRule | None:
    """The most specific of `rules` (one issuer's) in force on `on` for this recipient and offer; the latest date
    breaks ties. `recipient_id` None stands for anyone of `tier` (the price lists page's preview)."""
    fitting = [
        rule
        for rule in rules
        if rule.effective_from <= on
        and (rule.recipient_id is None or (recipient_id is not None and rule.recipient_id == recipient_id))
        and (not rule.tier or rule.tier == tier)
        and (not rule.program or rule.program == program)
        and (rule.offer_id is None or rule.offer_id == offer_id)
    ]
    return max(fitting, key=lambda rule: (rule.specificity, rule.effective_from, rule.pk), default=None)


def rule_in_force(
    *, issuer_id: int | None, recipient_id: int | None, tier: str, program: str, offer_id: int, on: date
) -> PriceRule | None:
    """best_rule over the issuer's rules that may apply, read in one query."""
    rules = PriceRule.objects.filter(
        Q(recipient_id=recipient_id) | Q(recipient=None),
        Q(tier=tier) | Q(tier="") if tier else Q(tier=""),
        Q(program=program) | Q(program="") if program else Q(program=""),
        Q(offer_id=offer_id) | Q(offer=None),
        effective_from__lte=on,
    )
    rules = rules.filter(issuer=None) if issuer_id is None else rules.filter(issuer_id=issuer_id)
    return best_rule(rules, recipient_id=recipient_id, tier=tier, program=program, offer_id=offer_id, on=on)


def apply_rule(rule: PriceRule | None, cost: Decimal, list_price: Decimal, currency: str) -> Decimal:
    """The price a rule gives, in whole minor units (a price book's prices are): a cycle then costs exactly
    the monthly price times its months, and a whole term exactly the cycles' sum. No rule: the list price."""
    if rule is None:
        return list_price
    return round_money(cost * (HUNDRED + rule.percent) / HUNDRED, currency)


def _label(rule: PriceRule | None) -> str:
    if rule is None:
        return _("List price")
    return f"{rule.name} ({rule.percent:+}%, {rule.effective_from.isoformat()})"


def chain(subscription: Subscription, on: date) -> list[Tier]:
    """The tiers that bill this subscription on `on`, vendor first."""
    list_price = round_unit(subscription.unit_price)
    offer_id = subscription.offer_id
    seller_id = subscription.partner_id
    program = selling_program(subscription.partner) or ""
    vendor_rule = rule_in_force(
        issuer_id=None, recipient_id=seller_id, tier="", program=program, offer_id=offer_id, on=on
    )
    cost = apply_rule(vendor_rule, list_price, list_price, subscription.currency)
    tiers = [Tier(None, seller_id, cost, _label(vendor_rule), vendor_rule)]
    billing_party = seller_id
    if subscription.reseller_id and subscription.reseller_id != seller_id:
        tier = _tier_of(seller_id, subscription.reseller_id)
        rule = rule_in_force(
            issuer_id=seller_id, recipient_id=subscription.reseller_id, tier=tier, program="", offer_id=offer_id, on=on
        )
        price = apply_rule(rule, cost, list_price, subscription.currency)
        tiers.append(Tier(seller_id, subscription.reseller_id, price, _label(rule), rule))
        cost, billing_party = price, subscription.reseller_id
    profile = BillingProfile.objects.filter(issuer_id=billing_party, recipient_id=subscription.customer_id).first()
    if profile is not None:
        rule = rule_in_force(
            issuer_id=billing_party,
            recipient_id=subscription.customer_id,
            tier=profile.price_tier,
            program="",
            offer_id=offer_id,
            on=on,
        )
        tiers.append(
            Tier(
                billing_party,
                subscription.customer_id,
                apply_rule(rule, cost, list_price, subscription.currency),
                _label(rule),
                rule,
            )
        )
    return tiers


def _tier_of(issuer_id: int, recipient_id: int) -> str:
    return (
        BillingProfile.objects.filter(issuer_id=issuer_id, recipient_id=recipient_id)
        .values_list("price_tier", flat=True)
        .first()
        or ""
    )
