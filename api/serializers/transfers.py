"""Transfers as the API shows and takes them (commerce.md §5: source and target partner tenant IDs, the
customer, the partner of record, the status and its dates)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from transfers.models import MAX_ITEMS


class TransferPartySerializer(serializers.Serializer):
    tenant_id = serializers.UUIDField()
    name = serializers.CharField()


class TransferItemSerializer(serializers.Serializer):
    subscription = serializers.UUIDField(source="subscription_public_id", help_text=_("The subscription ID."))
    name = serializers.CharField(source="offer_name")
    quantity = serializers.IntegerField()
    term_end = serializers.DateField()


class TransferSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", help_text=_("The transfer ID."))
    transfer_status = serializers.ChoiceField(
        source="status", choices=["pending", "accepted", "declined", "cancelled", "expired"]
    )
    direction = serializers.SerializerMethodField(help_text=_("incoming: you receive; outgoing: you send."))
    initiated_by = serializers.ChoiceField(choices=["source", "customer"])
    customer = serializers.SerializerMethodField()
    source_partner = serializers.SerializerMethodField()
    target_partner = serializers.SerializerMethodField()
    partner_of_record = serializers.SerializerMethodField(help_text=_("The reseller's location partner ID, if any."))
    items = TransferItemSerializer(many=True, source="items.all")
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)

    def get_direction(self, transfer) -> str:
        organization = self.context["request"].organization
        return "incoming" if transfer.target_id == organization.pk else "outgoing"

    @extend_schema_field(TransferPartySerializer)
    def get_customer(self, transfer) -> TransferPartySerializer:
        return {"tenant_id": str(transfer.customer_tenant_id), "name": transfer.customer_name}  # type: ignore[return-value]

    @extend_schema_field(TransferPartySerializer)
    def get_source_partner(self, transfer) -> TransferPartySerializer:
        return {"tenant_id": str(transfer.source_tenant_id), "name": transfer.source_name}  # type: ignore[return-value]

    @extend_schema_field(TransferPartySerializer)
    def get_target_partner(self, transfer) -> TransferPartySerializer:
        return {"tenant_id": str(transfer.target_tenant_id), "name": transfer.target_name}  # type: ignore[return-value]

    def get_partner_of_record(self, transfer) -> str | None:
        number = getattr(transfer.partner_of_record, "number", None)  # selected with the transfer (outer join)
        return str(number) if number is not None else None


class TransferListQuerySerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=["incoming", "outgoing"], required=False)


class TransferCreateSerializer(serializers.Serializer):
    target = serializers.CharField(
        max_length=64, help_text=_("The receiving partner: its location partner ID or its tenant ID.")
    )
    partner_of_record = serializers.CharField(
        max_length=12, required=False, allow_blank=True, default="",
        help_text=_("Required when the receiving partner is an indirect provider: the reseller's location partner ID."),
    )  # fmt: skip
    subscriptions = serializers.ListField(
        child=serializers.UUIDField(), min_length=1, max_length=MAX_ITEMS,
        help_text=_("The subscription IDs to move: active, sold by you to this customer."),
    )  # fmt: skip
