"""The calling client's own organization."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from agreements.selectors import agreement_standing
from enrollment.selectors import enrollment_list, partner_id_list

from ..serializers.organization import OrganizationDetailSerializer
from .base import ApiView


class OrganizationView(ApiView):
    """What Legal info, Identifiers and Agreements show any member: no permission beyond a valid token."""

    @extend_schema(responses=OrganizationDetailSerializer, operation_id="organization_retrieve")
    def get(self, request):
        organization = request.organization
        context = {
            "programs": enrollment_list(organization=organization),
            "partner_ids": partner_id_list(organization=organization),
            "standing": agreement_standing(organization=organization),
        }
        return Response(OrganizationDetailSerializer(organization, context=context).data)
