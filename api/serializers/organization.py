"""The calling client's organization: its profile, its CSP programs (Legal info → Program info), its partner IDs
(Identifiers) and where it stands with the partner agreement (Account settings → Agreements)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agreements.selectors import VERSION_OVERDUE, AgreementStanding
from enrollment.models import PartnerId, ProgramEnrollment
from partnerhub.accounts.models import Organization


class ProgramSerializer(serializers.ModelSerializer):
    """One program's latest enrolment, as Program info shows it (program, status, dates)."""

    program_display = serializers.CharField(source="get_program_display")
    status_display = serializers.CharField(source="get_status_display")
    is_open = serializers.BooleanField()

    class Meta:
        model = ProgramEnrollment
        fields = [
            "id",
            "program",
            "program_display",
            "status",
            "status_display",
            "is_open",
            "submitted_at",
            "authorized_at",
            "suspended_at",
            "suspension_reason",
            "closed_at",
        ]
        read_only_fields = fields


class PartnerIdSerializer(serializers.ModelSerializer):
    """A partner ID as the Identifiers page lists it."""

    kind_display = serializers.CharField(source="get_kind_display")
    country = serializers.CharField(source="country.code")

    class Meta:
        model = PartnerId
        fields = [
            "number",
            "kind",
            "kind_display",
            "business_name",
            "city",
            "country",
            "csp_associated",
            "associated_at",
        ]
        read_only_fields = fields


class AcceptedAgreementSerializer(serializers.Serializer):
    version = serializers.CharField(source="version.version")
    accepted_at = serializers.DateTimeField()
    signer_name = serializers.CharField()
    csp_region = serializers.CharField()


class PendingAgreementSerializer(serializers.Serializer):
    version = serializers.CharField()
    acceptance_deadline = serializers.DateTimeField(allow_null=True)


class AgreementStandingSerializer(serializers.Serializer):
    """agreements.selectors.agreement_standing: `code` is "" while the organization may transact, "2203" (not
    accepted for its CSP region) or "mpa_version_overdue"; `reason` is the sentence the Agreements page shows."""

    csp_region = serializers.CharField(source="organization.csp_region")
    status = serializers.SerializerMethodField()
    in_force = serializers.BooleanField()
    code = serializers.CharField()
    reason = serializers.CharField(source="own_reason")
    accepted = AcceptedAgreementSerializer(allow_null=True)
    pending = PendingAgreementSerializer(allow_null=True)

    @extend_schema_field(serializers.ChoiceField(choices=["accepted", "pending", "overdue", "not_accepted"]))
    def get_status(self, standing: AgreementStanding) -> str:
        """The badge of the partner agreement's row: Accepted, Pending (a new version due), Overdue, or not
        accepted yet."""
        if standing.accepted is None:
            return "not_accepted"
        if standing.code == VERSION_OVERDUE:
            return "overdue"
        return "pending" if standing.pending is not None else "accepted"


class OrganizationSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.code")

    class Meta:
        model = Organization
        fields = ["id", "tenant_id", "kind", "legal_name", "country", "csp_region", "currency"]
        read_only_fields = fields


class OrganizationDetailSerializer(OrganizationSerializer):
    """The organization with its programs, partner IDs and partner agreement standing (the view passes them
    in its context: each is read once by the apps' selectors)."""

    programs = serializers.SerializerMethodField()
    partner_ids = serializers.SerializerMethodField()
    partner_agreement = serializers.SerializerMethodField()

    class Meta(OrganizationSerializer.Meta):
        fields = [*OrganizationSerializer.Meta.fields, "programs", "partner_ids", "partner_agreement"]
        read_only_fields = fields

    @extend_schema_field(ProgramSerializer(many=True))
    def get_programs(self, organization: Organization) -> list[dict[str, Any]]:
        return ProgramSerializer(self.context["programs"], many=True).data

    @extend_schema_field(PartnerIdSerializer(many=True))
    def get_partner_ids(self, organization: Organization) -> list[dict[str, Any]]:
        return PartnerIdSerializer(self.context["partner_ids"], many=True).data

    @extend_schema_field(AgreementStandingSerializer)
    def get_partner_agreement(self, organization: Organization) -> dict[str, Any]:
        return AgreementStandingSerializer(self.context["standing"]).data
