"""Payments, balances and standing: what a recipient owes an issuer, recorded payments settling invoices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from partnerhub.core import rls
from partnerhub.core.audit import audit_record

from ..models import ZERO, BillingError, Invoice, Payment
from ..money import round_money


def invoice_settle(invoice: Invoice) -> Invoice:
    """Recompute what settled `invoice` (payments and credit notes) and mark it paid when nothing is left.
    The caller holds the invoice's row lock."""
    paid = invoice.payments.aggregate(total=Sum("amount"))["total"] or ZERO
    credited = -(invoice.credit_notes.aggregate(total=Sum("total"))["total"] or ZERO)
    invoice.paid_amount = paid + credited
    if invoice.paid_amount >= invoice.total:
        invoice.status, invoice.paid_at, invoice.next_reminder_on = Invoice.Status.PAID, timezone.now(), None
    else:
        invoice.status, invoice.paid_at = Invoice.Status.OPEN, None
    invoice.save(update_fields=["paid_amount", "status", "paid_at", "next_reminder_on"])
    return invoice


def payment_record(
    *,
    invoice: Invoice,
    amount: Decimal,
    received_on: date,
    reference: str = "",
    method: str = Payment.Method.MANUAL,
    actor: Any = None,
) -> tuple[Payment, bool]:
    """Record a payment against one of the issuer's invoices; a bank reference already recorded by this
    issuer returns that payment instead (created False), however often or concurrently it is sent."""
    amount = round_money(Decimal(amount), invoice.currency)
    reference = reference.strip()
    if amount <= ZERO:
        raise BillingError(_("A payment is for an amount above zero."), field="amount", code="invalid")
    if invoice.kind != Invoice.Kind.INVOICE:
        raise BillingError(_("Payments settle invoices, not credit notes."), code="invalid")
    if received_on > timezone.localdate():
        raise BillingError(_("A payment can't be received in the future."), field="received_on", code="invalid")
    with rls.elevated("billing:payment"):
        if reference and (existing := Payment.objects.filter(issuer=invoice.issuer, reference=reference).first()):
            return existing, False
        try:
            with transaction.atomic():
                locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
                payment = Payment.objects.create(
                    issuer=locked.issuer, recipient=locked.recipient, invoice=locked, amount=amount,
                    currency=locked.currency, received_on=received_on, reference=reference, method=method,
                    created_by=actor if actor is not None and actor.is_authenticated else None,
                )  # fmt: skip
                invoice_settle(locked)
                for organization in filter(None, (locked.recipient, locked.issuer)):
                    audit_record(code="partnerhub.payment.recorded", actor=actor, organization=organization,
                                 target=locked, data={"amount": str(amount), "reference": reference})  # fmt: skip
        except IntegrityError:
            if not reference:
                raise
            return Payment.objects.get(issuer=invoice.issuer, reference=reference), False
    return payment, True


@dataclass(frozen=True)
class Balance:
    currency: str
    open: Decimal  # invoices not yet settled, what is left of them
    overdue: Decimal  # of which past their due date
    open_count: int
    overdue_count: int


def balances(*, issuer_id: int | None, recipient_id: int, today: date | None = None) -> list[Balance]:
    """What the recipient owes the issuer, per currency: open and overdue."""
    today = today or timezone.localdate()
    rows = (
        Invoice.objects.filter(
            issuer_id=issuer_id, recipient_id=recipient_id, kind=Invoice.Kind.INVOICE, status=Invoice.Status.OPEN
        )  # fmt: skip
        .values("currency")
        .annotate(
            total=Sum("total"),
            paid=Sum("paid_amount"),
            overdue_total=Sum("total", filter=Q(due_on__lt=today)),
            overdue_paid=Sum("paid_amount", filter=Q(due_on__lt=today)),
        )
        .order_by("currency")
    )
    result = []
    for row in rows:
        open_count = Invoice.objects.filter(
            issuer_id=issuer_id, recipient_id=recipient_id, kind=Invoice.Kind.INVOICE, status=Invoice.Status.OPEN,
            currency=row["currency"],
        )  # fmt: skip
        result.append(
            Balance(
                currency=row["currency"],
                open=(row["total"] or ZERO) - (row["paid"] or ZERO),
                overdue=(row["overdue_total"] or ZERO) - (row["overdue_paid"] or ZERO),
                open_count=open_count.count(),
                overdue_count=open_count.filter(due_on__lt=today).count(),
            )
        )
    return result
