"""Reading invoices (selectors): the acting organization's received and issued invoices and credit notes, and
one of them by its public ID. Row-level security already hides other parties' documents; every read here also
filters on the acting organization being the issuer or the recipient, so a document is never shown to a third
party even where a policy is switched off (a reseller never sees the vendor's invoice to its provider)."""

from __future__ import annotations

import uuid
from datetime import date

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from partnerhub.accounts.models import Organization

from .models import Invoice

RECEIVED, ISSUED = "received", "issued"
DIRECTIONS = (RECEIVED, ISSUED)
STATUSES = ("open", "paid", "overdue")


def invoice_list(
    *,
    organization: Organization,
    direction: str = RECEIVED,
    status: str = "",
    recipient: uuid.UUID | None = None,
    today: date | None = None,
) -> QuerySet[Invoice]:
    """Invoices and credit notes the organization received (default) or issued, newest first."""
    today = today or timezone.localdate()
    if direction == ISSUED:
        invoices = Invoice.objects.filter(issuer=organization)
        if recipient is not None:
            invoices = invoices.filter(recipient__tenant_id=recipient)
    else:
        invoices = Invoice.objects.filter(recipient=organization)
    if status == "paid":
        invoices = invoices.filter(status=Invoice.Status.PAID)
    elif status == "open":
        invoices = invoices.filter(status=Invoice.Status.OPEN, due_on__gte=today)
    elif status == "overdue":
        invoices = invoices.filter(status=Invoice.Status.OPEN, due_on__lt=today)
    return invoices.select_related("credits").order_by("-issued_at", "-id")


def issued_recipients(*, organization: Organization) -> list[tuple[uuid.UUID, str]]:
    """Whom the organization invoiced: (tenant ID, name) for the issued list's filter, by name."""
    rows = (
        Invoice.objects.filter(issuer=organization)
        .values_list("recipient__tenant_id", "recipient__legal_name")
        .distinct()
        .order_by("recipient__legal_name", "recipient__tenant_id")
    )
    return list(rows)


def invoice_get(*, organization: Organization, public_id: uuid.UUID) -> Invoice:
    """One of the organization's invoices or credit notes (as issuer or recipient), else 404."""
    invoice = (
        Invoice.objects.filter(Q(issuer=organization) | Q(recipient=organization), public_id=public_id)
        .select_related("credits", "issuer", "recipient")
        .first()
    )
    if invoice is None:
        raise Http404
    return invoice


def side_of(invoice: Invoice, organization: Organization) -> str:
    return ISSUED if invoice.issuer_id == organization.pk else RECEIVED


def is_overdue(invoice: Invoice, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return invoice.kind == Invoice.Kind.INVOICE and invoice.status == Invoice.Status.OPEN and invoice.due_on < today
