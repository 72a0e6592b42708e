"""Billing in the demo (issue 19): two months of history so that Contoso's invoices, insights, a credit note,
an overdue reseller with blocked orders and a credit limit have something to show. Safe to run again.

Price lists first (`seed_price_lists`, before the demo's orders are rated): the vendor's 15% discount for
indirect providers, Contoso's resellers at +10% with a Gold tier at −5% (Fabrikam is Gold), Contoso's tax
rates (domestic sales tax, reverse charge for an EU reseller).

Then the history (`seed_billing_history`, after every order): each of Contoso's live subscriptions charged a
monthly cycle in each of the last two calendar months through the real rating service (on a copy of the
subscription whose term is that month, so the charge is that month's), the pairs' open periods moved back two
months and the real billing run closing them: two invoices per pair. The vendor's are paid; Fabrikam's
older one is overdue (its orders with Contoso blocked), its newer one half paid and partly credited.
Proseware Cloud set Fabrikam a 500 USD credit limit."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from billing.models import BillingProfile, ChargeLine, Invoice, PriceRule, TaxRate
from billing.pricing import add_months
from billing.services import rating, runs
from billing.services.payments import payment_record
from customers.models import Subscription
from partnerhub.accounts.models import Organization

PROVIDER = "contoso-distribution.example"
RESELLER = "fabrikam-solutions.example"  # Gold tier; overdue and blocked
SECOND_PROVIDER = "proseware-cloud.example"  # its credit limit for Fabrikam
CREDIT_LIMIT = Decimal("500.00")
SINCE = date(2020, 1, 1)  # the price lists' date: in force for all of the history


def _month_starts(today: date) -> list[date]:
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    return [(last_month - timedelta(days=1)).replace(day=1), last_month]


def seed_price_lists() -> None:
    provider = Organization.objects.filter(primary_domain=PROVIDER).first()
    if provider is None:
        return
    PriceRule.objects.get_or_create(
        issuer=None, name="Indirect provider discount", program="indirect_provider",
        defaults={"percent": Decimal("-15"), "effective_from": SINCE},
    )  # fmt: skip
    PriceRule.objects.get_or_create(
        issuer=provider, name="Resellers", tier="", recipient=None,
        defaults={"percent": Decimal("10"), "effective_from": SINCE},
    )  # fmt: skip
    PriceRule.objects.get_or_create(
        issuer=provider, name="Gold resellers", tier="Gold",
        defaults={"percent": Decimal("-5"), "effective_from": SINCE},
    )  # fmt: skip
    TaxRate.objects.get_or_create(
        issuer=provider, country="US", defaults={"rate": Decimal("8.25"), "wording": "Sales tax 8.25%"}
    )
    TaxRate.objects.get_or_create(
        issuer=provider,
        country="DE",
        defaults={
            "rate": Decimal("0"),
            "reverse_charge": True,
            "wording": "Reverse charge: VAT due by the recipient (Art. 196, Directive 2006/112/EC)",
        },
    )
    reseller = Organization.objects.filter(primary_domain=RESELLER).first()
    if reseller is not None:
        BillingProfile.objects.get_or_create(
            issuer=provider, recipient=reseller,
            defaults={"currency": reseller.currency or "USD", "period_start": timezone.localdate(),
                      "next_run_on": runs.next_billing_day(timezone.localdate(), 1)},
        )  # fmt: skip
        BillingProfile.objects.filter(issuer=provider, recipient=reseller).update(
            price_tier="Gold", payment_terms_days=14
        )


def seed_billing_history(today: date | None = None) -> list[str]:
    """The two months of history; returns what the seed prints about it."""
    today = today or timezone.localdate()
    provider = Organization.objects.filter(primary_domain=PROVIDER).first()
    reseller = Organization.objects.filter(primary_domain=RESELLER).first()
    if provider is None or reseller is None:
        return []
    months = _month_starts(today)
    if not Invoice.objects.filter(issuer=provider, recipient=reseller).exists():
        _history(provider, months, today)
        _standing(provider, reseller, today)
    _credit_limit(reseller)
    overdue = (
        Invoice.objects.filter(issuer=provider, recipient=reseller, status="open", due_on__lt=today)
        .order_by("sequence")
        .first()
    )
    notes = ["Billing: two months of invoices between the vendor, Contoso and Fabrikam (Billing tab)."]
    if overdue is not None:
        notes.append(
            f"  {reseller.legal_name}: invoice {overdue.number} overdue since {overdue.due_on:%Y-%m-%d}; "
            "Contoso has blocked its orders."
        )
    notes.append(f"  Proseware Cloud's credit limit for {reseller.legal_name}: {CREDIT_LIMIT} USD.")
    return notes


def _history(provider: Organization, months: list[date], today: date) -> None:
    subscriptions = Subscription.objects.filter(partner=provider, status="active").select_related("partner")
    for start in months:
        for subscription in subscriptions.order_by("pk"):
            past = copy.copy(subscription)
            past.term_start, past.term_end, past.billing_frequency = start, add_months(start, 1), "monthly"
            rating.rate(past, source=f"demo:{subscription.pk}:{start:%Y-%m}", charge_type=ChargeLine.ChargeType.CYCLE,
                        day=start, quantity=subscription.quantity)  # fmt: skip
    pairs = BillingProfile.objects.filter(issuer=provider) | BillingProfile.objects.filter(
        issuer=None, recipient=provider
    )
    for profile in pairs:
        if not Invoice.objects.filter(issuer=profile.issuer, recipient=profile.recipient).exists():
            BillingProfile.objects.filter(pk=profile.pk).update(period_start=months[0], next_run_on=months[1])
            runs.billing_run_profile(pk=profile.pk, today=today)


def _standing(provider: Organization, reseller: Organization, today: date) -> None:
    for invoice in Invoice.objects.filter(issuer=None, recipient=provider, kind="invoice", status="open"):
        payment_record(invoice=invoice, amount=invoice.total, received_on=min(invoice.due_on, today),
                       reference=f"DEMO-{invoice.number}")  # fmt: skip
    invoices = list(Invoice.objects.filter(issuer=provider, recipient=reseller, kind="invoice").order_by("sequence"))
    if len(invoices) < 2:
        return
    overdue, latest = invoices[0], invoices[-1]
    half = (latest.total / 2).quantize(Decimal("0.01"))
    if half > 0:
        payment_record(invoice=latest, amount=half, received_on=today, reference=f"DEMO-{latest.number}")
        runs.credit_note_issue(invoice=latest, amount=min(Decimal("25.00"), latest.total - half),
                               reason="Goodwill: two days of service disruption")  # fmt: skip
    BillingProfile.objects.filter(issuer=provider, recipient=reseller).update(
        blocked_at=timezone.now(), block_reason=f"Invoice {overdue.number} is overdue.", auto_block_after_days=7
    )


def _credit_limit(reseller: Organization) -> None:
    second = Organization.objects.filter(primary_domain=SECOND_PROVIDER).first()
    if second is None:
        return
    today = timezone.localdate()
    BillingProfile.objects.get_or_create(
        issuer=second, recipient=reseller,
        defaults={"currency": "USD", "credit_limit": CREDIT_LIMIT, "period_start": today,
                  "next_run_on": runs.next_billing_day(today, 1)},
    )  # fmt: skip
