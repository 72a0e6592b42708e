"""Indirect providers → a provider → Provider access (relationships.reseller_account_views.provider_detail) in
the API: the reseller reads every use of its provider's admin access to its account (the provider, its own)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from relationships import selectors as relationship_selectors

from ..serializers.reseller_account import ProviderAccessSerializer
from .base import ListView
from .partners.common import ID, TAG, PartnersMixin, ordered_cursor, problems


class ProviderAccessListView(PartnersMixin, ListView):
    """Each use of the provider's admin access to the reseller's account on an active partnership (opened the
    account, reset a user's password, resent an invitation), newest first, from the caller's own audit rows: the
    reseller's Provider access, or the provider's record of what its users did. Another organization's
    partnership is a 404."""

    serializer_class = ProviderAccessSerializer
    pagination_class = ordered_cursor("-created_at", "-pk")

    def get_queryset(self):
        organization = self.request.organization
        relationship = relationship_selectors.relationship_of_party(organization=organization, pk=self.kwargs["pk"])
        return relationship_selectors.provider_access_log(organization=organization, relationship=relationship)

    @extend_schema(
        operation_id="partners_relationships_provider_access",
        parameters=[ID],
        tags=TAG,
        responses={200: ProviderAccessSerializer(many=True), **problems(400, 404)},
    )
    def get(self, request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
