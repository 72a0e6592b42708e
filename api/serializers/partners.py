"""The partner side of the API: the partner-ID status lookup, provider ↔ reseller relationships, partnership
invitations, the activity log and notifications. Each representation carries what its page shows."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agreements.selectors import AgreementStatus
from partnerhub.accounts.models import Organization
from partnerhub.core.models import AuditEvent, Notification
from relationships.models import PartnerRelationship, PartnershipInvitation

# --- the status lookup --------------------------------------------------------------------------------------


class LookupReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class PartnerIdStatusSerializer(serializers.Serializer):
    """agreements.selectors.AgreementStatus: `ok` when the provider may name this reseller; otherwise `code` and
    `message` say the first reason, `reasons` every one (Partner Center's agreementstatus codes: 2200 unknown,
    2202 global ID, 2204 no reseller account, 2201 another CSP region, 800039 program not active, 2203 agreement
    not accepted, mpa_version_overdue). The reseller is named (`organization`, `country`, `region`) only on
    success."""

    ok = serializers.BooleanField()
    code = serializers.CharField()
    message = serializers.CharField()
    number = serializers.IntegerField(allow_null=True)
    organization = serializers.CharField()
    country = serializers.CharField()
    region = serializers.CharField()
    program_status = serializers.CharField()
    program_code = serializers.CharField()
    agreement_accepted = serializers.BooleanField()
    agreement_code = serializers.CharField()
    agreement_status = serializers.CharField()
    region_code = serializers.CharField()
    reasons = serializers.SerializerMethodField()

    @extend_schema_field(LookupReasonSerializer(many=True))
    def get_reasons(self, status: AgreementStatus) -> list[dict[str, str]]:
        return [{"code": code, "message": str(message)} for code, message in status.reasons]


class PartnerIdQuerySerializer(serializers.Serializer):
    number = serializers.CharField(max_length=20, help_text="A location partner ID, such as 6100123.")


# --- relationships --------------------------------------------------------------------------------------------

INDIRECT_RESELLERS = "indirect-resellers"
INDIRECT_PROVIDERS = "indirect-providers"


class RelationshipQuerySerializer(serializers.Serializer):
    type = serializers.ChoiceField(
        choices=[INDIRECT_RESELLERS, INDIRECT_PROVIDERS],
        help_text="indirect-resellers: a provider's resellers; indirect-providers: a reseller's providers.",
    )
    q = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="Name, or a reseller's partner ID."
    )


class PartnerSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.code")

    class Meta:
        model = Organization
        fields = ["tenant_id", "legal_name", "country", "csp_region"]
        read_only_fields = fields


class ResellerAgreementSerializer(serializers.Serializer):
    """The reseller's partner agreement, as the Indirect resellers page's column (agreement_standing)."""

    status = serializers.ChoiceField(choices=["accepted", "overdue", "not_accepted"])
    in_force = serializers.BooleanField()
    pending_version = serializers.CharField(allow_null=True)
    pending_deadline = serializers.DateTimeField(allow_null=True)


class ResellerFactsSerializer(serializers.Serializer):
    """What a provider's Indirect resellers page shows of each reseller beyond its name."""

    partner_id = serializers.IntegerField(allow_null=True, help_text="Its associated location partner ID.")
    authorized = serializers.BooleanField(help_text="Its indirect-reseller enrolment is verified.")
    partner_agreement = ResellerAgreementSerializer()
    customers = serializers.IntegerField(help_text="Your customers associated with this reseller.")


class RelationshipSerializer(serializers.ModelSerializer):
    """A partnership seen from the caller's side: `type` is what the partner is to the caller."""

    type = serializers.SerializerMethodField()
    partner = serializers.SerializerMethodField()
    since = serializers.DateTimeField(source="created_at")
    reseller = serializers.SerializerMethodField()

    class Meta:
        model = PartnerRelationship
        fields = ["id", "type", "status", "since", "admin_access", "partner", "reseller"]
        read_only_fields = fields

    def _provider_side(self, relationship: PartnerRelationship) -> bool:
        return relationship.provider_id == self.context["organization"].pk

    @extend_schema_field(serializers.ChoiceField(choices=["indirect-reseller", "indirect-provider"]))
    def get_type(self, relationship: PartnerRelationship) -> str:
        return "indirect-reseller" if self._provider_side(relationship) else "indirect-provider"

    @extend_schema_field(PartnerSerializer)
    def get_partner(self, relationship: PartnerRelationship) -> dict[str, Any]:
        side = relationship.reseller if self._provider_side(relationship) else relationship.provider
        return PartnerSerializer(side).data

    @extend_schema_field(ResellerFactsSerializer(allow_null=True))
    def get_reseller(self, relationship: Any) -> dict[str, Any] | None:
        """Set for the provider's side (read from reseller_list's annotations), null for the reseller's."""
        if not self._provider_side(relationship) or not hasattr(relationship, "agreement_in_force"):
            return None
        if relationship.agreement_in_force:
            status = "accepted"
        elif relationship.agreement_accepted:
            status = "overdue"
        else:
            status = "not_accepted"
        return {
            "partner_id": relationship.location_number,
            "authorized": relationship.reseller_authorized,
            "partner_agreement": {
                "status": status,
                "in_force": relationship.agreement_in_force,
                "pending_version": relationship.agreement_pending_version,
                "pending_deadline": serializers.DateTimeField().to_representation(
                    relationship.agreement_pending_deadline
                )
                if relationship.agreement_pending_deadline
                else None,
            },
            "customers": self.context.get("customer_counts", {}).get(relationship.reseller_id, 0),
        }


# --- partnership invitations --------------------------------------------------------------------------------


class PersonSerializer(serializers.Serializer):
    name = serializers.CharField(source="get_full_name")
    email = serializers.EmailField()


class PartnershipInvitationSerializer(serializers.ModelSerializer):
    """A provider's partnership request, as its Partnership requests table shows it."""

    status = serializers.ChoiceField(choices=PartnershipInvitation.Status.choices)
    status_display = serializers.CharField(source="get_status_display")
    created_by = PersonSerializer(allow_null=True)
    recipient_email = serializers.CharField(help_text="Where it was sent from PartnerHub; empty if it wasn't.")
    reseller = PartnerSerializer(allow_null=True)

    class Meta:
        model = PartnershipInvitation
        fields = [
            "id",
            "status",
            "status_display",
            "created_at",
            "created_by",
            "recipient_email",
            "message",
            "sent_at",
            "opened_at",
            "expires_at",
            "accepted_at",
            "revoked_at",
            "reseller",
        ]
        read_only_fields = fields


class PartnershipInvitationCreatedSerializer(PartnershipInvitationSerializer):
    url = serializers.SerializerMethodField(help_text="The personal link, shown in this answer only.")

    class Meta(PartnershipInvitationSerializer.Meta):
        fields = [*PartnershipInvitationSerializer.Meta.fields, "url"]
        read_only_fields = fields

    def get_url(self, invitation: PartnershipInvitation) -> str:
        return self.context["url"]


class PartnershipInvitationCreateSerializer(serializers.Serializer):
    """ "Request a partnership"; with `email`, also "Send from PartnerHub" (the email leaves through the outbox)."""

    email = serializers.EmailField(
        required=False, allow_blank=True, help_text="The reseller's email address, to send the link from PartnerHub."
    )
    message = serializers.CharField(
        required=False, allow_blank=True, max_length=4000, help_text="A message to the reseller."
    )


# --- activity log and notifications ---------------------------------------------------------------------------


class ActivityQuerySerializer(serializers.Serializer):
    start = serializers.CharField(
        required=False, max_length=64, help_text="From (inclusive): an ISO 8601 date or date and time, UTC."
    )
    end = serializers.CharField(
        required=False, max_length=64, help_text="To (exclusive; a date includes that day): ISO 8601, UTC."
    )


class AuditEventSerializer(serializers.ModelSerializer):
    """An activity log row: time, event, by, object, IP address."""

    actor = serializers.EmailField(source="actor.email", allow_null=True, default=None)

    class Meta:
        model = AuditEvent
        fields = ["id", "created_at", "code", "actor", "object_type", "object_id", "object_repr", "ip_address"]
        read_only_fields = fields


class NotificationSerializer(serializers.ModelSerializer):
    unread = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "title", "body", "url", "created_at", "read_at", "unread"]
        read_only_fields = fields

    def get_unread(self, notification: Notification) -> bool:
        return notification.read_at is None
