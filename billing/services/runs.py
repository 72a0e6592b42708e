"""The billing run: on each pair's billing day it closes the period and issues one invoice per currency with
the pair's charge lines not yet invoiced; numbering without gaps; credit notes.

Safe to run twice or at once: a run takes the billing profile's row lock, re-reads its `next_run_on` (the
deadline column) and advances it in the same transaction, so a second run of the same period finds nothing
to do; the unique (issuer, recipient, currency, period start) of an invoice says so too. A line that arrives
after its period closed has no invoice yet: the next run takes it, flagged as an adjustment."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from partnerhub.accounts.models import Organization
from partnerhub.core import rls
from partnerhub.core.audit import audit_record

from ..models import ZERO, BillingError, BillingProfile, ChargeLine, Invoice, InvoiceSequence, TaxRate
from ..money import minor_unit, round_money
from .notify import invoice_ready_notify

HUNDRED = Decimal(100)
VENDOR_PREFIX = "PH"


def next_billing_day(after: date, billing_day: int) -> date:
    """The first billing day strictly after `after`."""
    candidate = after.replace(day=billing_day) if after.day < billing_day else None
    if candidate is None:
        year, month = (after.year + 1, 1) if after.month == 12 else (after.year, after.month + 1)
        candidate = date(year, month, min(billing_day, calendar.monthrange(year, month)[1]))
    return candidate


# --- numbering ------------------------------------------------------------------------------------------------


def number_next(*, issuer_id: int | None, year: int) -> tuple[int, str]:
    """The issuer's next number in `year`, its sequence row locked until the issuing transaction ends (a
    rollback gives the number back): (sequence, the printed number)."""
    table = InvoiceSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (issuer_id, year, last_number) VALUES (%s, %s, 1)"  # noqa: S608
            " ON CONFLICT (issuer_id, year) DO UPDATE SET last_number ="
            f" {table}.last_number + 1 RETURNING last_number",
            [issuer_id, year],
        )
        sequence = int(cursor.fetchone()[0])
    prefix = VENDOR_PREFIX if issuer_id is None else ""
    return sequence, f"{prefix}{year}-{sequence:05d}"


# --- parties ----------------------------------------------------------------------------------------------------


def _address(organization: Organization | None) -> str:
    if organization is None:
        return str(settings.BILLING_VENDOR_ADDRESS)
    parts = [
        getattr(organization, name, "")
        for name in ("address_line1", "address_line2", "city", "state", "postal_code")
        if getattr(organization, name, "")
    ]
    country = getattr(organization.country, "name", "")
    return "\n".join([*parts, str(country)]).strip()


def _tax(issuer_id: int | None, recipient: Organization) -> TaxRate | None:
    return TaxRate.objects.filter(issuer_id=issuer_id, country=str(recipient.country)).first()


def _document(
    *,
    issuer: Organization | None,
    recipient: Organization,
    currency: str,
    period: tuple[date, date],
    now: datetime,
    tax_rule: TaxRate | None,
    due_on: date,
    kind: str = Invoice.Kind.INVOICE,
    **extra: Any,
) -> Invoice:
    sequence, number = number_next(issuer_id=issuer.pk if issuer else None, year=now.year)
    return Invoice(
        issuer=issuer,
        recipient=recipient,
        kind=kind,
        number=number,
        year=now.year,
        sequence=sequence,
        currency=currency,
        period_start=period[0],
        period_end=period[1],
        issued_at=now,
        due_on=due_on,
        tax_rate=tax_rule.rate if tax_rule else ZERO,
        tax_wording=tax_rule.wording if tax_rule else "",
        reverse_charge=bool(tax_rule and tax_rule.reverse_charge),
        issuer_name=issuer.legal_name if issuer else settings.BILLING_VENDOR_NAME,
        issuer_address=_address(issuer),
        recipient_name=recipient.legal_name,
        recipient_address=_address(recipient),
        **extra,
    )


# --- the run ------------------------------------------------------------------------------------------------------


def profiles_due(today: date) -> list[int]:
    due = BillingProfile.objects.filter(next_run_on__lte=today).order_by("next_run_on", "pk")
    return list(due.values_list("pk", flat=True))


def billing_run_profile(*, pk: int, today: date | None = None) -> list[Invoice]:
    """Close every period of one pair that ended before `today`, one transaction per period."""
    today = today or timezone.localdate()
    issued: list[Invoice] = []
    while True:
        with rls.elevated("billing:run"), transaction.atomic():
            locked = BillingProfile.objects.select_for_update(of=("self",)).select_related("issuer", "recipient")
            profile = locked.get(pk=pk)
            if profile.next_run_on > today:
                return issued
            issued.extend(_close_period(profile))


LINE_BATCH = 5000  # lines attached to an invoice per UPDATE: the run's memory does not grow with a pair's lines


def _attach_lines(
    profile: BillingProfile, currency: str, period: tuple[date, date], rate: Decimal, invoice_id: int
) -> tuple[int, Decimal, Decimal]:
    """Attach the pair's uninvoiced lines of `currency` up to the period's end to invoice `invoice_id` (not
    inserted yet: the foreign key is checked at commit), in batches keyed by id, each one UPDATE that taxes
    every line, rounded per line (PostgreSQL's ROUND of a numeric rounds half away from zero, as
    round_money): (lines, subtotal, tax), the sums of exactly the lines attached."""
    table = ChargeLine._meta.db_table
    places = minor_unit(currency)
    count, subtotal, tax_total, last_id = 0, ZERO, ZERO, 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                f"""WITH batch AS (
                        SELECT id FROM {table}
                        WHERE issuer_id IS NOT DISTINCT FROM %(issuer)s AND recipient_id = %(recipient)s
                          AND currency = %(currency)s AND invoice_id IS NULL AND event_on <= %(end)s
                          AND id > %(after)s
                        ORDER BY id LIMIT %(batch)s FOR UPDATE
                    ), attached AS (
                        UPDATE {table} AS line
                        SET invoice_id = %(invoice)s,
                            tax = ROUND(line.subtotal * %(rate)s / 100, %(places)s),
                            total = line.subtotal + ROUND(line.subtotal * %(rate)s / 100, %(places)s),
                            is_adjustment = line.event_on < %(start)s
                        FROM batch WHERE line.id = batch.id
                        RETURNING line.id, line.subtotal, line.tax
                    )
                    SELECT count(*), max(id), COALESCE(sum(subtotal), 0), COALESCE(sum(tax), 0) FROM attached""",  # noqa: S608
                {
                    "issuer": profile.issuer_id, "recipient": profile.recipient_id, "currency": currency,
                    "end": period[1], "start": period[0], "after": last_id, "batch": LINE_BATCH,
                    "invoice": invoice_id, "rate": rate, "places": places,
                },
            )  # fmt: skip
            attached, batch_last, batch_subtotal, batch_tax = cursor.fetchone()
            if not attached:
                return count, subtotal, tax_total
            count, last_id = count + attached, batch_last
            subtotal, tax_total = subtotal + batch_subtotal, tax_total + batch_tax


def _close_period(profile: BillingProfile) -> list[Invoice]:
    """Issue the period's invoices, one per currency, streaming the lines: each invoice's id is taken first,
    its lines attached batch by batch (their sums accumulated), then the invoice is inserted once with its
    final totals (issued invoices never change: a trigger says so)."""
    period = (profile.period_start, profile.next_run_on - timedelta(days=1))
    now = timezone.now()
    pending = ChargeLine.objects.filter(
        issuer=profile.issuer, recipient=profile.recipient, invoice=None, event_on__lte=period[1]
    )
    currencies = sorted(set(pending.order_by().values_list("currency", flat=True).distinct()))
    tax = _tax(profile.issuer_id, profile.recipient)
    rate = ZERO if tax is None or tax.reverse_charge else tax.rate
    invoices = []
    for currency in currencies:
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [Invoice._meta.db_table])
            invoice_id = int(cursor.fetchone()[0])
        count, subtotal, tax_total = _attach_lines(profile, currency, period, rate, invoice_id)
        if not count:
            continue
        invoice = _document(
            issuer=profile.issuer,
            recipient=profile.recipient,
            currency=currency,
            period=period,
            now=now,
            tax_rule=tax,
            due_on=period[1] + timedelta(days=1 + profile.payment_terms_days),
            subtotal=subtotal,
            tax=tax_total,
            total=subtotal + tax_total,
        )
        invoice.pk = invoice_id
        invoice.next_reminder_on = invoice.due_on
        if invoice.total <= ZERO:
            invoice.status, invoice.paid_at, invoice.next_reminder_on = Invoice.Status.PAID, now, None
        invoice.save(force_insert=True)
        data = {"number": invoice.number, "total": str(invoice.total), "currency": currency}
        for organization in filter(None, (profile.recipient, profile.issuer)):
            audit_record(code="partnerhub.invoice.issued", organization=organization, target=invoice, data=data)
        invoice_ready_notify(invoice)
        invoices.append(invoice)
    profile.period_start = profile.next_run_on
    profile.next_run_on = next_billing_day(profile.next_run_on, profile.billing_day)
    profile.save(update_fields=["period_start", "next_run_on"])
    return invoices


def billing_run(*, today: date | None = None) -> int:
    """Every pair whose billing day has come; returns how many invoices were issued."""
    today = today or timezone.localdate()
    with rls.elevated("billing:run"):
        due = profiles_due(today)
    return sum(len(billing_run_profile(pk=pk, today=today)) for pk in due)


# --- credit notes ---------------------------------------------------------------------------------------------


def credited_so_far(invoice: Invoice) -> Decimal:
    return -(invoice.credit_notes.aggregate(total=Sum("total"))["total"] or ZERO)


def credit_note_issue(*, invoice: Invoice, amount: Decimal, reason: str, actor: Any = None) -> Invoice:
    """A credit note (avoir) citing `invoice`, for `amount` including tax: never more than the invoice's total
    less what earlier credit notes returned."""
    currency = invoice.currency
    amount = round_money(Decimal(amount), currency)
    if amount <= ZERO:
        raise BillingError(_("A credit note is for an amount above zero."), field="amount", code="invalid")
    if not reason.strip():
        raise BillingError(_("Say why the invoice is credited."), field="reason", code="invalid")
    with rls.elevated("billing:credit-note"), transaction.atomic():
        locked = Invoice.objects.select_for_update(of=("self",)).select_related("issuer", "recipient")
        invoice = locked.get(pk=invoice.pk)
        if invoice.kind != Invoice.Kind.INVOICE:
            raise BillingError(_("Only an invoice can be credited."), code="invalid")
        left = invoice.total - credited_so_far(invoice)
        if amount > left:
            raise BillingError(
                _("At most %(left)s %(currency)s of invoice %(number)s is left to credit.")
                % {"left": left, "currency": currency, "number": invoice.number},
                field="amount",
                code="invalid",
            )
        now = timezone.now()
        # Split the amount into subtotal and tax at the invoice's rate, so total = subtotal + tax exactly.
        rate = ZERO if invoice.reverse_charge else invoice.tax_rate
        subtotal = round_money(amount * HUNDRED / (HUNDRED + rate), currency)
        tax = amount - subtotal
        tax_row = TaxRate(rate=invoice.tax_rate, wording=invoice.tax_wording, reverse_charge=invoice.reverse_charge)
        note = _document(
            issuer=invoice.issuer,
            recipient=invoice.recipient,
            currency=currency,
            period=(invoice.period_start, invoice.period_end),
            now=now,
            tax_rule=tax_row,
            due_on=now.date(),
            kind=Invoice.Kind.CREDIT_NOTE,
            subtotal=-subtotal,
            tax=-tax,
            total=-amount,
            credits=invoice,
            reason=reason.strip()[:300],
            status=Invoice.Status.PAID,
            paid_at=now,
            created_by=actor if actor is not None and actor.is_authenticated else None,
        )
        note.save()
        from .payments import invoice_settle

        invoice_settle(invoice)
        for organization in filter(None, (invoice.recipient, invoice.issuer)):
            audit_record(code="partnerhub.invoice.credited", actor=actor, organization=organization, target=note,
                         data={"number": note.number, "credits": invoice.number, "total": str(note.total)})  # fmt: skip
    return note
