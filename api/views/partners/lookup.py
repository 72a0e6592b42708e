"""The partner-ID status lookup (agreements.views.status_lookup): its eligibility, reason codes and throttle."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from agreements.selectors import agreement_status_lookup
from enrollment.selectors import is_selling

from ...problems import problem
from ...serializers.partners import (
    PartnerIdQuerySerializer,
    PartnerIdStatusSerializer,
)
from ..base import ApiView
from .common import (
    NUMBER,
    TAG,
    PartnersMixin,
    not_selling,
    problems,
    spend,
)


class PartnerIdStatusView(PartnersMixin, ApiView):
    """Verify a reseller's partner ID: may this provider name it as reseller, and if not, why (the page's
    reason codes). For active indirect providers and direct-bill partners, as the page; counted against the
    page's "partner_id_lookup" throttle. A number that is no partner ID is a 400; every other answer is 200
    with `ok` and the reasons."""

    def _answer(self, request, number: str) -> Response:
        if not is_selling(request.organization):
            raise not_selling()
        spend(request, "partner_id_lookup")
        status = agreement_status_lookup(number=number, provider_region=request.organization.csp_region)
        if status.code == "2000":  # not a number: the client's input
            return problem(400, code=status.code, detail=status.message, field="number", request=request)
        return Response(PartnerIdStatusSerializer(status).data)

    @extend_schema(
        operation_id="partners_partner_id_status",
        parameters=[NUMBER],
        tags=TAG,
        responses={200: PartnerIdStatusSerializer, **problems(400, 403, 429)},
    )
    def get(self, request, number: str):
        return self._answer(request, number)


class PartnerIdStatusQueryView(PartnerIdStatusView):
    @extend_schema(
        operation_id="partners_partner_id_status_query",
        tags=TAG,
        parameters=[PartnerIdQuerySerializer],
        responses={200: PartnerIdStatusSerializer, **problems(400, 403, 429)},
    )
    def get(self, request):
        query = PartnerIdQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return self._answer(request, query.validated_data["number"])
