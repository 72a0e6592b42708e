"""Accounts receivable as the API shows and takes them: a recipient's account (its billing profile with open
and overdue balances), payments, and a recipient's standing with each issuer."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

MONEY = {"max_digits": 14, "decimal_places": 2, "coerce_to_string": True}


class AccountSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk", help_text=_("The account (billing profile) ID."))
    recipient = serializers.SerializerMethodField(help_text=_("The billed organization."))
    currency = serializers.CharField()
    billing_day = serializers.IntegerField()
    payment_terms_days = serializers.IntegerField()
    credit_limit = serializers.DecimalField(allow_null=True, **MONEY)
    price_tier = serializers.CharField()
    auto_block_after_days = serializers.IntegerField(allow_null=True)
    open_balance = serializers.DecimalField(**MONEY)
    overdue_balance = serializers.DecimalField(**MONEY)
    overdue_count = serializers.IntegerField()
    orders_blocked = serializers.BooleanField(source="is_blocked")
    blocked_at = serializers.DateTimeField(allow_null=True)
    block_reason = serializers.CharField()
    blocked_automatically = serializers.BooleanField()

    def get_recipient(self, profile) -> dict[str, str]:
        return {"tenant_id": str(profile.recipient.tenant_id), "name": profile.recipient.legal_name}


class AccountUpdateSerializer(serializers.Serializer):
    currency = serializers.CharField(min_length=3, max_length=3, required=False)
    billing_day = serializers.IntegerField(min_value=1, max_value=28, required=False)
    payment_terms_days = serializers.IntegerField(min_value=0, max_value=120, required=False)
    credit_limit = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal(0), allow_null=True, required=False
    )
    price_tier = serializers.CharField(max_length=40, allow_blank=True, required=False)
    auto_block_after_days = serializers.IntegerField(min_value=1, max_value=365, allow_null=True, required=False)


class BlockSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text=_("Shown to the billed organization."))


class PaymentSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", help_text=_("The payment ID."))
    invoice = serializers.UUIDField(source="invoice.public_id", help_text=_("The invoice ID."))
    invoice_number = serializers.CharField(source="invoice.number")
    amount = serializers.DecimalField(**MONEY)
    currency = serializers.CharField()
    received_on = serializers.DateField()
    reference = serializers.CharField()
    method = serializers.ChoiceField(choices=["manual", "bank_import"])
    created_at = serializers.DateTimeField()


class PaymentCreateSerializer(serializers.Serializer):
    invoice = serializers.UUIDField(help_text=_("The invoice ID (public_id) of one of your invoices."))
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    received_on = serializers.DateField()
    reference = serializers.CharField(
        max_length=100, allow_blank=True, required=False, default="",
        help_text=_("The bank reference: sent again, it returns the payment already recorded."),
    )  # fmt: skip


class StandingSerializer(serializers.Serializer):
    issuer = serializers.CharField(source="issuer_name", help_text=_("Who bills you."))
    issuer_tenant_id = serializers.SerializerMethodField(help_text=_("Empty: the vendor."))
    currency = serializers.CharField(source="profile.currency")
    open_balance = serializers.DecimalField(**MONEY)
    overdue_balance = serializers.DecimalField(**MONEY)
    overdue_count = serializers.IntegerField()
    credit_limit = serializers.DecimalField(source="profile.credit_limit", allow_null=True, **MONEY)
    credit_left = serializers.DecimalField(allow_null=True, **MONEY)
    orders_blocked = serializers.BooleanField(source="profile.is_blocked")
    block_reason = serializers.CharField(source="profile.block_reason")

    def get_issuer_tenant_id(self, row) -> str | None:
        issuer = row["profile"].issuer
        return str(issuer.tenant_id) if issuer is not None else None
