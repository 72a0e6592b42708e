from __future__ import annotations

from rest_framework import serializers

from partnerhub.accounts.models import Organization


class OrganizationSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.code")

    class Meta:
        model = Organization
        fields = ["id", "tenant_id", "kind", "legal_name", "country", "csp_region", "currency"]
        read_only_fields = fields
