"""Invoices and credit notes as the API shows them (commerce.md §6.1, §7): the parties as named on the document,
the period, due date, totals, tax and its wording, and the payment standing."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

DIRECTIONS = ["received", "issued"]


class InvoicePartySerializer(serializers.Serializer):
    tenant_id = serializers.UUIDField(allow_null=True, help_text=_("Empty for the vendor."))
    name = serializers.CharField()


class InvoiceSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", help_text=_("The invoice ID."))
    number = serializers.CharField()
    kind = serializers.ChoiceField(choices=["invoice", "credit_note"])
    direction = serializers.SerializerMethodField(help_text=_("received: you are billed; issued: you bill."))
    issuer = serializers.SerializerMethodField()
    recipient = serializers.SerializerMethodField()
    credits = serializers.SerializerMethodField(help_text=_("A credit note: the number of the invoice it corrects."))
    reason = serializers.CharField(help_text=_("A credit note: why."))
    currency = serializers.CharField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    issued_at = serializers.DateTimeField()
    due_on = serializers.DateField()
    subtotal = serializers.DecimalField(max_digits=14, decimal_places=2)
    tax = serializers.DecimalField(max_digits=14, decimal_places=2)
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    tax_rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    tax_wording = serializers.CharField()
    reverse_charge = serializers.BooleanField()
    invoice_status = serializers.ChoiceField(source="status", choices=["open", "paid"])
    overdue = serializers.SerializerMethodField()
    paid_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    balance = serializers.DecimalField(max_digits=14, decimal_places=2)

    def get_direction(self, invoice) -> str:
        return "issued" if invoice.issuer_id == self.context["request"].organization.pk else "received"

    @extend_schema_field(InvoicePartySerializer)
    def get_issuer(self, invoice) -> InvoicePartySerializer:
        tenant_id = str(invoice.issuer.tenant_id) if invoice.issuer_id else None
        return {"tenant_id": tenant_id, "name": invoice.issuer_name}  # type: ignore[return-value]

    @extend_schema_field(InvoicePartySerializer)
    def get_recipient(self, invoice) -> InvoicePartySerializer:
        return {"tenant_id": str(invoice.recipient.tenant_id), "name": invoice.recipient_name}  # type: ignore[return-value]

    def get_credits(self, invoice) -> str | None:
        return invoice.credits.number if invoice.credits_id else None

    def get_overdue(self, invoice) -> bool:
        return invoice.kind == "invoice" and invoice.status == "open" and invoice.due_on < timezone.localdate()


class InvoiceListQuerySerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=DIRECTIONS, required=False)


class CreditNoteCreateSerializer(serializers.Serializer):
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("0.01"),
        help_text=_("Including tax; at most what is left to credit on the invoice."),
    )  # fmt: skip
    reason = serializers.CharField(max_length=300, help_text=_("Printed on the credit note."))
