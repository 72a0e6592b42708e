"""Credit between an issuer and a recipient: the profile's terms, blocking and unblocking new orders (by hand or
automatically when invoices stay overdue), overdue reminders (due date, +7, +14 days), and the credit-limit check
an order passes before it is written (commerce.md §6.5: the check targets the party who owes the money)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, OuterRef, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from partnerhub.accounts.models import Membership, Organization, Role
from partnerhub.core import rls
from partnerhub.core.audit import audit_record
from partnerhub.core.outbox import outbound_email_queue

from ..models import ZERO, BillingError, BillingProfile, ChargeLine, Invoice
from ..money import minor_unit, round_money

REMINDER_OFFSETS = (0, 7, 14)  # days after the due date
SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "CHF": "CHF ", "CAD": "CA$", "AUD": "A$"}


def money_format(amount: Decimal, currency: str) -> str:
    """€1,234.56 · ¥1,235 · 12.00 SEK."""
    places = minor_unit(currency)
    amount = round_money(Decimal(amount), currency)
    sign = "-" if amount < 0 else ""
    text = f"{abs(amount):,.{places}f}"
    symbol = SYMBOLS.get(currency.upper())
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency}"


def issuer_name(issuer: Organization | None) -> str:
    return issuer.legal_name if issuer is not None else str(settings.BILLING_VENDOR_NAME)


def billing_admins(organization: Organization) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organization=organization, roles__overlap=[Role.GLOBAL_ADMIN, Role.BILLING_ADMIN])
        .exclude(user__email="")
        .select_related("user")
    )


def _email_admins(organization: Organization, *, template: str, url: str, context: dict[str, Any]) -> None:
    for membership in billing_admins(organization):
        outbound_email_queue(
            to=membership.user.email,
            template=template,
            organization=organization,
            language=membership.user.language or None,
            context={"name": membership.user.first_name, "url": settings.SITE_URL + url, **context},
        )


# --- the profile ------------------------------------------------------------------------------------------------


PROFILE_FIELDS = (
    "currency", "billing_day", "payment_terms_days", "credit_limit", "price_tier", "auto_block_after_days",
)  # fmt: skip


def profile_update(*, profile: BillingProfile, actor: Any, **changes: Any) -> BillingProfile:
    """The issuer edits the terms of one pair; the currency is fixed once an invoice was issued."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise BillingError(_("These terms can't be changed: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    if "billing_day" in changes and not 1 <= int(changes["billing_day"]) <= 28:
        raise BillingError(_("The billing day is between 1 and 28."), field="billing_day")
    if "payment_terms_days" in changes and not 0 <= int(changes["payment_terms_days"]) <= 120:
        raise BillingError(_("Payment terms are between 0 and 120 days."), field="payment_terms_days")
    limit = changes.get("credit_limit")
    if limit is not None and Decimal(limit) < ZERO:
        raise BillingError(_("A credit limit can't be negative."), field="credit_limit")
    days = changes.get("auto_block_after_days")
    if days is not None and not 1 <= int(days) <= 365:
        raise BillingError(_("Block after 1 to 365 days overdue, or leave it empty."), field="auto_block_after_days")
    with rls.elevated("billing:profile"), transaction.atomic():
        locked = BillingProfile.objects.select_for_update().get(pk=profile.pk)
        currency = str(changes.get("currency", locked.currency)).upper()
        if currency != locked.currency:
            if Invoice.objects.filter(issuer_id=locked.issuer_id, recipient_id=locked.recipient_id).exists():
                raise BillingError(
                    _("The currency can't change once an invoice was issued."), field="currency", code="invalid"
                )
            if len(currency) != 3 or not currency.isalpha():
                raise BillingError(_("A currency is a three-letter ISO code."), field="currency")
            changes["currency"] = currency
        before = {name: str(getattr(locked, name)) for name in changes}
        for name, value in changes.items():
            setattr(locked, name, value)
        if changes.get("billing_day") and int(changes["billing_day"]) != int(before["billing_day"]):
            from .runs import next_billing_day

            locked.next_run_on = max(next_billing_day(locked.period_start, locked.billing_day), locked.period_start
                                     + timedelta(days=1))  # fmt: skip
        locked.full_clean(exclude=["issuer", "recipient"])
        locked.save()
        data = {name: str(getattr(locked, name)) for name in changes if str(getattr(locked, name)) != before[name]}
        if data:
            for organization in filter(None, (locked.issuer, locked.recipient)):
                audit_record(code="partnerhub.billing_profile.updated", actor=actor, organization=organization,
                             target=locked.recipient, data=data)  # fmt: skip
    return locked


def _set_block(profile: BillingProfile, *, reason: str, automatically: bool, actor: Any) -> BillingProfile:
    with rls.elevated("billing:block"), transaction.atomic():
        locked = (
            BillingProfile.objects.select_for_update(of=("self",))
            .select_related("issuer", "recipient")
            .get(pk=profile.pk)
        )
        if locked.is_blocked:
            return locked
        locked.blocked_at = timezone.now()
        locked.block_reason = reason[:300]
        locked.blocked_automatically = automatically
        locked.save(update_fields=["blocked_at", "block_reason", "blocked_automatically"])
        for organization in filter(None, (locked.issuer, locked.recipient)):
            audit_record(code="partnerhub.billing.orders_blocked", actor=actor, organization=organization,
                         target=locked.recipient, data={"reason": locked.block_reason,
                                                        "automatically": automatically})  # fmt: skip
        _email_admins(
            locked.recipient,
            template="billing_orders_blocked",
            url=reverse("billing:standing"),
            context={"issuer": issuer_name(locked.issuer), "recipient": locked.recipient.legal_name,
                     "reason": locked.block_reason, "blocked": True},
        )  # fmt: skip
    return locked


def orders_block(*, profile: BillingProfile, reason: str, actor: Any) -> BillingProfile:
    """The issuer blocks new orders billed to this recipient; the reason is shown to both sides."""
    reason = (reason or "").strip()
    if not reason:
        raise BillingError(_("Say why new orders are blocked: the recipient reads it."), field="reason")
    if profile.is_blocked:
        raise BillingError(_("New orders are already blocked for this recipient."), code="invalid")
    return _set_block(profile, reason=reason, automatically=False, actor=actor)


def _lift(profile: BillingProfile, *, actor: Any) -> BillingProfile:
    with rls.elevated("billing:block"), transaction.atomic():
        locked = (
            BillingProfile.objects.select_for_update(of=("self",))
            .select_related("issuer", "recipient")
            .get(pk=profile.pk)
        )
        if not locked.is_blocked:
            return locked
        reason = locked.block_reason
        locked.blocked_at, locked.block_reason, locked.blocked_automatically = None, "", False
        locked.save(update_fields=["blocked_at", "block_reason", "blocked_automatically"])
        for organization in filter(None, (locked.issuer, locked.recipient)):
            audit_record(code="partnerhub.billing.orders_unblocked", actor=actor, organization=organization,
                         target=locked.recipient, data={"reason": reason})  # fmt: skip
        _email_admins(
            locked.recipient,
            template="billing_orders_blocked",
            url=reverse("billing:standing"),
            context={"issuer": issuer_name(locked.issuer), "recipient": locked.recipient.legal_name, "reason": "",
                     "blocked": False},
        )  # fmt: skip
    return locked


def orders_unblock(*, profile: BillingProfile, actor: Any) -> BillingProfile:
    """The issuer lets this recipient order again."""
    if not profile.is_blocked:
        raise BillingError(_("New orders are not blocked for this recipient."), code="invalid")
    return _lift(profile, actor=actor)


def overdue_exists(issuer_id: int | None, recipient_id: int, today: date) -> bool:
    return Invoice.objects.filter(
        issuer_id=issuer_id, recipient_id=recipient_id, kind=Invoice.Kind.INVOICE, status=Invoice.Status.OPEN,
        due_on__lt=today,
    ).exists()  # fmt: skip


def lift_automatic_block(*, issuer_id: int | None, recipient_id: int, actor: Any = None) -> bool:
    """After a payment or a credit note: an automatic block goes once no invoice of the pair is overdue."""
    with rls.elevated("billing:block"):
        profile = BillingProfile.objects.filter(
            issuer_id=issuer_id, recipient_id=recipient_id, blocked_at__isnull=False, blocked_automatically=True
        ).first()
        if profile is None or overdue_exists(issuer_id, recipient_id, timezone.localdate()):
            return False
        _lift(profile, actor=actor)
    return True


# --- overdue reminders and automatic blocks ---------------------------------------------------------------------


def _next_reminder(due_on: date, sent: int, today: date) -> date | None:
    """The next reminder day after `today`, among those not sent yet; None when the three were sent."""
    for offset in REMINDER_OFFSETS[sent:]:
        day = due_on + timedelta(days=offset)
        if day > today:
            return day
    return None


def sweep_overdue(*, today: date | None = None, batch: int = 500) -> int:
    """Send the reminders that are due (each claimed by a conditional UPDATE of `next_reminder_on`, so two sweeps
    send it once), then block new orders of pairs set to block automatically past their threshold. Returns the
    number of reminders sent."""
    today = today or timezone.localdate()
    sent = 0
    with rls.elevated("billing:overdue"):
        while True:
            due = list(
                Invoice.objects.filter(
                    kind=Invoice.Kind.INVOICE, status=Invoice.Status.OPEN, next_reminder_on__lte=today
                ).values_list("pk", "next_reminder_on", "reminders_sent", "due_on")[:batch]
            )
            if not due:
                break
            for pk, when, count, due_on in due:
                with transaction.atomic():
                    following = _next_reminder(due_on, count + 1, today) if count + 1 < len(REMINDER_OFFSETS) else None
                    claimed = Invoice.objects.filter(
                        pk=pk, next_reminder_on=when, status=Invoice.Status.OPEN, reminders_sent=count
                    ).update(next_reminder_on=following, reminders_sent=F("reminders_sent") + 1)
                    if not claimed:
                        continue
                    invoice = Invoice.objects.select_related("recipient", "issuer").get(pk=pk)
                    _remind(invoice, today)
                    sent += 1
        _auto_block(today)
    return sent


def _remind(invoice: Invoice, today: date) -> None:
    days = (today - invoice.due_on).days
    _email_admins(
        invoice.recipient,
        template="invoice_overdue",
        url=reverse("billing:standing"),
        context={
            "issuer": invoice.issuer_name,
            "recipient": invoice.recipient_name,
            "number": invoice.number,
            "due_on": invoice.due_on.isoformat(),
            "days": max(days, 0),
            "balance": money_format(invoice.balance, invoice.currency),
            "total": money_format(invoice.total, invoice.currency),
        },
    )


def _auto_block(today: date) -> int:
    candidates = BillingProfile.objects.filter(auto_block_after_days__isnull=False, blocked_at__isnull=True)
    blocked = 0
    for profile in candidates.iterator():
        limit = today - timedelta(days=profile.auto_block_after_days or 0)
        invoice = Invoice.objects.filter(
            issuer_id=profile.issuer_id, recipient_id=profile.recipient_id, kind=Invoice.Kind.INVOICE,
            status=Invoice.Status.OPEN, due_on__lte=limit,
        ).order_by("due_on").first()  # fmt: skip
        if invoice is None:
            continue
        reason = _("Invoice %(number)s is %(days)s days overdue.") % {
            "number": invoice.number,
            "days": (today - invoice.due_on).days,
        }
        _set_block(profile, reason=reason, automatically=True, actor=None)
        blocked += 1
    return blocked


# --- what a pair owes, and the order check ----------------------------------------------------------------------


@dataclass(frozen=True)
class Exposure:
    open: Decimal  # unpaid invoices, what is left of them
    uninvoiced: Decimal  # charge lines not yet on an invoice

    @property
    def total(self) -> Decimal:
        return self.open + self.uninvoiced


def exposure(*, issuer_id: int | None, recipient_id: int, currency: str) -> Exposure:
    invoices = Invoice.objects.filter(
        issuer_id=issuer_id, recipient_id=recipient_id, kind=Invoice.Kind.INVOICE, status=Invoice.Status.OPEN,
        currency=currency,
    ).aggregate(total=Sum("total"), paid=Sum("paid_amount"))  # fmt: skip
    lines = ChargeLine.objects.filter(
        issuer_id=issuer_id, recipient_id=recipient_id, invoice=None, currency=currency
    ).aggregate(total=Sum("subtotal"))
    return Exposure(
        open=(invoices["total"] or ZERO) - (invoices["paid"] or ZERO),
        uninvoiced=lines["total"] or ZERO,
    )


def order_estimate(
    *, partner: Organization, customer: Organization, lines: list[Any], prices: dict[int, Decimal]
) -> dict[tuple[int | None, int], Decimal]:
    """The first charge of each line at each tier's price, prorated as rating would: {(issuer, recipient): amount}."""
    from customers.models import Subscription
    from customers.services import lifecycle

    from ..money import prorate, round_unit
    from ..pricing import chain, cycle_months, cycle_of

    today = timezone.localdate()
    currency = customer.currency
    totals: dict[tuple[int | None, int], Decimal] = {}
    for line in lines:
        if line.offer.pk not in prices:
            continue  # the order service refuses it with its own message
        term, frequency = lifecycle.check_term(line.offer, line.term, line.billing_frequency)
        term_end = lifecycle.check_alignment(customer=customer, term=term, start=today, custom_end=line.custom_term_end)
        reseller_id = line.partner_of_record.organization_id if line.partner_of_record else None
        subscription = Subscription(
            customer=customer, partner=partner, offer=line.offer, quantity=line.quantity, reseller_id=reseller_id,
            unit_price=prices[line.offer.pk], currency=currency, term=term, billing_frequency=frequency,
            term_start=today, term_end=term_end,
        )  # fmt: skip
        subscription.partner = partner
        cycle_start, cycle_end = cycle_of(subscription, today)
        last = min(cycle_end, term_end)
        months = cycle_months(subscription)
        for tier in chain(subscription, today):
            unit = round_unit(tier.monthly_price * months)
            amount = prorate(unit * line.quantity, cycle_start, cycle_end, today, last, currency)
            key = (tier.issuer_id, tier.recipient_id)
            totals[key] = totals.get(key, ZERO) + amount
    return totals


def order_check(*, partner: Organization, customer: Organization, lines: list[Any], prices: dict[int, Decimal]) -> None:
    """Refuse an order (CustomersError) billed to a recipient whose issuer blocked its orders, or that would take a
    recipient past its credit limit. Each pair's profile row is locked until the order's transaction ends, so
    two orders at once can't both pass on the same headroom."""
    from customers.services.common import CustomersError

    with rls.elevated("billing:credit-check"):
        estimate = order_estimate(partner=partner, customer=customer, lines=lines, prices=prices)
        # One lock order for every order (the vendor's pair first, then by recipient): two orders naming the
        # same pairs in another order wait for each other instead of deadlocking.
        for (issuer_id, recipient_id), amount in sorted(
            estimate.items(), key=lambda item: (item[0][0] or 0, item[0][1])
        ):
            profile = (
                BillingProfile.objects.select_for_update(of=("self",))
                .select_related("issuer", "recipient")
                .filter(issuer_id=issuer_id, recipient_id=recipient_id)
                .first()
            )
            if profile is None:
                continue
            issuer, recipient = issuer_name(profile.issuer), profile.recipient.legal_name
            if profile.is_blocked:
                raise CustomersError(
                    _("%(issuer)s has blocked new orders billed to %(recipient)s: %(reason)s")
                    % {"issuer": issuer, "recipient": recipient, "reason": profile.block_reason},
                    code="orders_blocked",
                )
            if profile.credit_limit is None:
                continue
            owed = exposure(issuer_id=issuer_id, recipient_id=recipient_id, currency=profile.currency)
            after = owed.total + amount
            if after > profile.credit_limit:
                currency = profile.currency
                raise CustomersError(
                    _(
                        "This order would bring %(recipient)s's balance with %(issuer)s to %(after)s, past its "
                        "credit limit of %(limit)s (open %(open)s + this order %(order)s)."
                    )
                    % {
                        "recipient": recipient,
                        "issuer": issuer,
                        "after": money_format(after, currency),
                        "limit": money_format(profile.credit_limit, currency),
                        "open": money_format(owed.total, currency),
                        "order": money_format(amount, currency),
                    },
                    code="credit_limit",
                )


# --- the pages' aggregates -----------------------------------------------------------------------------------------


def receivables(*, issuer_id: int | None, today: date | None = None) -> QuerySet[BillingProfile]:
    """The issuer's recipients with their open and overdue balances, one query (annotated subqueries)."""
    from django.db.models import Count, DecimalField, IntegerField, Subquery, Value
    from django.db.models.functions import Coalesce

    today = today or timezone.localdate()
    open_invoices = Invoice.objects.filter(
        issuer_id=issuer_id, recipient_id=OuterRef("recipient_id"), kind=Invoice.Kind.INVOICE,
        status=Invoice.Status.OPEN,
    )  # fmt: skip
    money = DecimalField(max_digits=14, decimal_places=2)

    def _sum(queryset: QuerySet[Invoice]) -> Coalesce:
        return Coalesce(
            Subquery(
                queryset.order_by().values("recipient_id").annotate(s=Sum(F("total") - F("paid_amount"))).values("s"),
                output_field=money,
            ),
            Value(ZERO),
            output_field=money,
        )

    def _count(queryset: QuerySet[Invoice]) -> Coalesce:
        return Coalesce(
            Subquery(queryset.order_by().values("recipient_id").annotate(c=Count("pk")).values("c"),
                     output_field=IntegerField()),
            Value(0),
        )  # fmt: skip

    overdue = open_invoices.filter(due_on__lt=today)
    profiles = BillingProfile.objects.filter(issuer_id=issuer_id) if issuer_id else BillingProfile.objects.none()
    return (
        profiles.select_related("recipient")
        .annotate(
            open_balance=_sum(open_invoices),
            overdue_balance=_sum(overdue),
            overdue_count=_count(overdue),
            open_count=_count(open_invoices),
        )
        .order_by("recipient__legal_name", "pk")
    )


def standing(*, recipient_id: int, today: date | None = None) -> list[dict[str, Any]]:
    """The recipient's side: each issuer billing it, with balances (same annotations)."""
    from django.db.models import Count, DecimalField

    today = today or timezone.localdate()
    money = DecimalField(max_digits=14, decimal_places=2)
    rows = []
    profiles = list(BillingProfile.objects.filter(recipient_id=recipient_id).select_related("issuer"))
    sums: dict[tuple[int | None, bool], dict[str, Any]] = {
        (row["issuer_id"], row["overdue"]): dict(row)
        for row in Invoice.objects.filter(
            recipient_id=recipient_id, kind=Invoice.Kind.INVOICE, status=Invoice.Status.OPEN
        )
        .annotate(overdue=Q(due_on__lt=today))
        .values("issuer_id", "overdue")
        .annotate(s=Sum(F("total") - F("paid_amount"), output_field=money), c=Count("pk"))
        .order_by()
    }
    for profile in profiles:
        late: dict[str, Any] = sums.get((profile.issuer_id, True), {})
        on_time: dict[str, Any] = sums.get((profile.issuer_id, False), {})
        overdue = late.get("s") or ZERO
        open_balance = overdue + (on_time.get("s") or ZERO)
        owed = exposure(issuer_id=profile.issuer_id, recipient_id=recipient_id, currency=profile.currency)
        left = None if profile.credit_limit is None else max(profile.credit_limit - owed.total, ZERO)
        rows.append(
            {
                "profile": profile,
                "issuer_name": issuer_name(profile.issuer),
                "open_balance": open_balance,
                "overdue_balance": overdue,
                "overdue_count": late.get("c") or 0,
                "uninvoiced": owed.uninvoiced,
                "credit_left": left,
            }
        )
    return rows
