"""Invoices: the list (received and issued), an invoice or credit note with its lines, credit notes and payments,
its PDF and reconciliation file, and the issuer's "Issue a credit note" form. Another party's document is a 404
(billing.invoices filters on the acting organization, and row-level security hides it anyway)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from partnerhub.accounts.decorators import check_permission, permission_required
from partnerhub.core.errors import ApplicationError
from partnerhub.core.forms import add_service_error

from .. import documents
from .. import invoices as selectors
from ..forms import CreditNoteForm
from ..models import Invoice
from ..services import runs

PAGE_SIZE = 25
LINES_SHOWN = 50  # the page shows the first lines; the reconciliation file has them all


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


@permission_required("billing.view_billing")
def index(request):
    """Invoices and credit notes: received (you are billed) or issued (you bill), newest first."""
    organization = request.organization
    direction = request.GET.get("direction", selectors.RECEIVED)
    if direction not in selectors.DIRECTIONS:
        direction = selectors.RECEIVED
    status = request.GET.get("status", "")
    if status not in selectors.STATUSES:
        status = ""
    recipient = _uuid(request.GET.get("recipient")) if direction == selectors.ISSUED else None
    invoices = selectors.invoice_list(organization=organization, direction=direction, status=status,
                                      recipient=recipient)  # fmt: skip
    page = Paginator(invoices, PAGE_SIZE).get_page(request.GET.get("page"))
    for invoice in page.object_list:
        invoice.overdue = selectors.is_overdue(invoice)
        invoice.total_text = documents.money_text(invoice.total, invoice.currency)
        invoice.balance_text = documents.money_text(invoice.balance, invoice.currency)
    return render(
        request,
        "billing/invoice_list.html",
        {
            "tab": "invoices",
            "page": page,
            "direction": direction,
            "status": status,
            "recipient": str(recipient) if recipient else "",
            "recipients": selectors.issued_recipients(organization=organization)
            if direction == selectors.ISSUED
            else [],
            "statuses": [("open", _("Open")), ("paid", _("Paid")), ("overdue", _("Overdue"))],
        },
    )


def _detail_context(request, invoice: Invoice, form: CreditNoteForm | None = None) -> dict:
    side = selectors.side_of(invoice, request.organization)
    lines = invoice.lines.select_related("customer", "offer", "subscription").order_by("event_on", "id")
    shown = list(lines[: LINES_SHOWN + 1])
    may_credit = (
        side == selectors.ISSUED
        and invoice.kind == Invoice.Kind.INVOICE
        and request.user.has_perm("billing.manage_billing", request.membership)
    )
    left = invoice.total - runs.credited_so_far(invoice) if invoice.kind == Invoice.Kind.INVOICE else None
    credit_notes = list(invoice.credit_notes.order_by("issued_at", "id"))
    payments = list(invoice.payments.order_by("received_on", "id"))
    currency = invoice.currency
    # Amounts as the page shows them: the currency's minor unit, the reader's number format.
    rows = [
        {"line": line, "unit_price": documents.money_text(line.unit_price, currency),
         "subtotal": documents.money_text(line.subtotal, currency)}
        for line in shown[:LINES_SHOWN]
    ]  # fmt: skip
    notes = [{"note": note, "total": documents.money_text(note.total, currency)} for note in credit_notes]
    paid = [{"payment": payment, "amount": documents.money_text(payment.amount, currency)} for payment in payments]
    money = {
        name: documents.money_text(value, currency)
        for name, value in (
            ("subtotal", invoice.subtotal),
            ("tax", invoice.tax),
            ("total", invoice.total),
            ("balance", invoice.balance),
            ("left", left),
        )  # fmt: skip
    }
    return {
        "tab": "invoices",
        "invoice": invoice,
        "side": side,
        "overdue": selectors.is_overdue(invoice),
        "lines": rows,
        "line_count": lines.count() if len(shown) > LINES_SHOWN else len(shown),
        "more_lines": len(shown) > LINES_SHOWN,
        "credit_notes": notes,
        "payments": paid,
        "money": money,
        "may_credit": may_credit and left is not None and left > 0,
        "left_to_credit": money["left"],
        "form": form or CreditNoteForm(),
    }


@permission_required("billing.view_billing")
def invoice_detail(request, public_id):
    """An invoice or credit note: its facts, lines, credit notes and payments, and its documents."""
    invoice = selectors.invoice_get(organization=request.organization, public_id=public_id)
    return render(request, "billing/invoice_detail.html", _detail_context(request, invoice))


@permission_required("billing.view_billing")
def invoice_pdf(request, public_id):
    invoice = selectors.invoice_get(organization=request.organization, public_id=public_id)
    response = HttpResponse(documents.invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{documents.pdf_filename(invoice)}"'
    response["Cache-Control"] = "no-store"
    return response


@permission_required("billing.view_billing")
def invoice_reconciliation(request, public_id):
    invoice = selectors.invoice_get(organization=request.organization, public_id=public_id)
    return documents.reconciliation_response(invoice)


@require_POST
@permission_required("billing.view_billing")
def credit_note_create(request, public_id):
    """Issue a credit note on one of your invoices (Global admins and Billing admins of the issuer)."""
    invoice = selectors.invoice_get(organization=request.organization, public_id=public_id)  # 404 first
    check_permission(request, "billing.manage_billing")
    if selectors.side_of(invoice, request.organization) != selectors.ISSUED:
        return HttpResponse(status=403)
    form = CreditNoteForm(request.POST)
    if form.is_valid():
        try:
            note = runs.credit_note_issue(
                invoice=invoice, amount=form.cleaned_data["amount"], reason=form.cleaned_data["reason"],
                actor=request.user,
            )  # fmt: skip
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request, _("Credit note %(number)s issued on invoice %(invoice)s.")
                % {"number": note.number, "invoice": invoice.number},
            )  # fmt: skip
            return redirect("billing:invoice-detail", invoice.public_id)
    return render(request, "billing/invoice_detail.html", _detail_context(request, invoice, form))
