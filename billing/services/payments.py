"""Payments, balances and standing: what a recipient owes an issuer, recorded payments settling invoices."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from partnerhub.accounts.models import Organization
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
    if invoice.status == Invoice.Status.PAID:
        # A payment or credit note that clears every overdue invoice of the pair lifts an automatic block.
        from .credit import lift_automatic_block

        lift_automatic_block(issuer_id=invoice.issuer_id, recipient_id=invoice.recipient_id)
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
            sum_total=Sum("total"),
            sum_paid=Sum("paid_amount"),
            overdue_total=Sum("total", filter=Q(due_on__lt=today)),
            overdue_paid=Sum("paid_amount", filter=Q(due_on__lt=today)),
            open_count=Count("pk"),
            overdue_count=Count("pk", filter=Q(due_on__lt=today)),
        )
        .order_by("currency")
    )
    return [
        Balance(
            currency=row["currency"],
            open=(row["sum_total"] or ZERO) - (row["sum_paid"] or ZERO),
            overdue=(row["overdue_total"] or ZERO) - (row["overdue_paid"] or ZERO),
            open_count=row["open_count"],
            overdue_count=row["overdue_count"],
        )
        for row in rows
    ]


# --- bank statements ---------------------------------------------------------------------------------------------

BANK_COLUMNS = ("date", "amount", "currency", "reference")
BANK_MAX_ROWS = 5000
BANK_MAX_BYTES = 2 * 1024 * 1024
INVOICE_NUMBER = re.compile(r"\b(?:[A-Z]{1,4})?\d{4}-\d{5}\b")


@dataclass
class StatementRow:
    line: int
    date: str
    amount: str
    currency: str
    reference: str
    invoice_number: str = ""
    received_on: dt.date | None = None
    outcome: str = ""  # recorded | skipped
    reason: str = ""
    payment: Payment | None = None

    @property
    def recorded(self) -> bool:
        return self.outcome == "recorded"


@dataclass
class StatementReport:
    rows: list[StatementRow]

    @property
    def recorded(self) -> int:
        return sum(1 for row in self.rows if row.recorded)

    @property
    def skipped(self) -> int:
        return len(self.rows) - self.recorded


def _statement_rows(content: bytes | str) -> list[dict[str, str]]:
    """Parse the CSV (all or nothing): a header with date, amount, currency, reference and an invoice or
    description column; at most 5,000 rows."""
    if isinstance(content, bytes):
        if len(content) > BANK_MAX_BYTES:
            raise BillingError(_("The statement is larger than 2 MB: split it."), field="file")
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise BillingError(_("The statement isn't a UTF-8 CSV file."), field="file") from None
    if not content.strip():
        raise BillingError(_("The statement is empty."), field="file")
    first = content.splitlines()[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.DictReader(io.StringIO(content), delimiter=delimiter)
    header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    missing = [name for name in BANK_COLUMNS if name not in header]
    if missing or not ({"invoice", "description"} & set(header)):
        raise BillingError(
            _(
                "The statement needs a header row with the columns date, amount, currency, reference and invoice "
                "or description; missing: %(missing)s."
            )
            % {"missing": ", ".join(missing or ["invoice/description"])},
            field="file",
        )
    reader.fieldnames = header
    rows: list[dict[str, str]] = []
    try:
        for row in reader:
            if len(rows) >= BANK_MAX_ROWS:
                raise BillingError(_("A statement has at most 5,000 rows: split it."), field="file")
            if None in row:
                raise BillingError(
                    _("Line %(line)s has more values than the header has columns.") % {"line": reader.line_num},
                    field="file",
                )
            rows.append({key: (value or "").strip() for key, value in row.items()} | {"_line": str(reader.line_num)})
    except csv.Error as exc:
        raise BillingError(_("The statement isn't a readable CSV file: %(e)s.") % {"e": exc}, field="file") from None
    if not rows:
        raise BillingError(_("The statement has a header but no rows."), field="file")
    return rows


def _parse_amount(text: str) -> Decimal | None:
    text = text.replace(" ", "").replace("\u00a0", "")
    text = text.replace(",", ".") if "," in text and "." not in text else text.replace(",", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def bank_statement_import(*, issuer: Organization, content: bytes | str, actor: Any = None) -> StatementReport:
    """Match each row of a bank statement to one of the issuer's invoices by its number (the `invoice` column,
    or a number found in `description`) and record it as a payment with the bank reference: a statement
    imported twice records nothing new. A file that can't be read records nothing."""
    parsed = _statement_rows(content)
    today = timezone.localdate()
    numbers = set()
    for raw in parsed:
        found = raw.get("invoice") or ""
        if not found:
            match = INVOICE_NUMBER.search(raw.get("description", "").upper())
            found = match.group(0) if match else ""
        raw["_number"] = found.strip().upper()
        numbers.add(raw["_number"])
    with rls.elevated("billing:bank-import"):
        invoices = {
            invoice.number.upper(): invoice
            for invoice in Invoice.objects.filter(issuer=issuer, kind=Invoice.Kind.INVOICE, number__in=numbers)
        }
        known = set(
            Payment.objects.filter(
                issuer=issuer, reference__in=[raw["reference"] for raw in parsed if raw["reference"]]
            ).values_list("reference", flat=True)
        )
    report = StatementReport(rows=[])
    for raw in parsed:
        row = StatementRow(
            line=int(raw["_line"]), date=raw["date"], amount=raw["amount"], currency=raw["currency"].upper(),
            reference=raw["reference"], invoice_number=raw["_number"],
        )  # fmt: skip
        report.rows.append(row)
        row.outcome = "skipped"
        amount = _parse_amount(row.amount)
        try:
            received_on = row.received_on = date.fromisoformat(row.date)
        except ValueError:
            received_on = None
        invoice = invoices.get(row.invoice_number)
        if not row.reference:
            row.reason = _("No bank reference: record it by hand.")
        elif row.reference in known:
            row.reason = _("Already recorded (this bank reference was imported before).")
        elif received_on is None:
            row.reason = _("The date isn't a date (YYYY-MM-DD).")
        elif received_on > today:
            row.reason = _("The date is in the future.")
        elif amount is None or amount <= ZERO:
            row.reason = _("The amount isn't a positive number.")
        elif not row.invoice_number or invoice is None:
            row.reason = (
                _("No invoice of yours has this number.")
                if row.invoice_number
                else _("No invoice number found in the row.")
            )
        elif invoice.currency != row.currency:
            row.reason = _("The currency (%(row)s) differs from the invoice's (%(invoice)s).") % {
                "row": row.currency or "—",
                "invoice": invoice.currency,
            }
        elif round_money(amount, invoice.currency) != amount:
            row.reason = _("The amount has more decimals than %(currency)s has.") % {"currency": invoice.currency}
        else:
            try:
                payment, created = payment_record(
                    invoice=invoice, amount=amount, received_on=received_on, reference=row.reference,
                    method=Payment.Method.BANK_IMPORT, actor=actor,
                )  # fmt: skip
            except BillingError as exc:
                row.reason = exc.message
                continue
            known.add(row.reference)
            if created:
                row.outcome, row.payment = "recorded", payment
            else:
                row.reason = _("Already recorded (this bank reference was imported before).")
    return report
