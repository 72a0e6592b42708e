"""The calling client's own organization."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from ..serializers.organization import OrganizationSerializer
from .base import ApiView


class OrganizationView(ApiView):
    @extend_schema(responses=OrganizationSerializer, operation_id="organization_retrieve")
    def get(self, request):
        return Response(OrganizationSerializer(request.organization).data)
