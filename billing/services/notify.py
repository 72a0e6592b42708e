"""Telling a recipient its invoice is ready: an email through the outbox to the people of the recipient who
handle its bills (Global admins and Billing admins; a customer's Global admins), each in their language."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import formats, translation

from partnerhub.accounts.models import Membership, Organization, Role
from partnerhub.core import rls
from partnerhub.core.outbox import outbound_email_queue

from ..documents import money_text
from ..models import Invoice

INVOICE_READERS = [Role.GLOBAL_ADMIN, Role.BILLING_ADMIN]


def invoice_ready_notify(invoice: Invoice) -> int:
    """Queue `invoice_ready` to each reader of the recipient, in the caller's transaction; how many were queued."""
    recipient: Organization = invoice.recipient
    customer_language = ""
    if recipient.kind == Organization.Kind.CUSTOMER:
        customer_language = getattr(getattr(recipient, "customer_profile", None), "language", "") or ""
    url = settings.SITE_URL + reverse("billing:invoice-detail", args=[invoice.public_id])
    queued = 0
    with rls.elevated("billing:notify"):
        seats = (
            Membership.objects.filter(organization=recipient, roles__overlap=INVOICE_READERS)
            .select_related("user")
            .order_by("pk")
        )
        for seat in seats:
            user = seat.user
            if not user.is_active:
                continue
            language = user.language or customer_language or settings.LANGUAGE_CODE
            with translation.override(language):
                due = formats.date_format(invoice.due_on, "DATE_FORMAT")
                total = money_text(invoice.total, invoice.currency)
            outbound_email_queue(
                to=user.mailbox,
                template="invoice_ready",
                organization=recipient,
                language=language,
                context={
                    "name": user.first_name,
                    "issuer": invoice.issuer_name,
                    "number": invoice.number,
                    "total": total,
                    "currency": invoice.currency,
                    "due": due,
                    "url": url,
                },
            )
            queued += 1
    return queued
