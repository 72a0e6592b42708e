"""Indirect resellers / Indirect providers, "Remove partnership", "Remove admin access" and partnership
requests (relationships.views), over the relationships app's selectors and services."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from customers.selectors import customer_counts_by_reseller
from enrollment.selectors import is_provider
from relationships import selectors as relationship_selectors
from relationships import services as relationship_services

from ...serializers.partners import (
    INDIRECT_RESELLERS,
    PartnershipInvitationCreatedSerializer,
    PartnershipInvitationCreateSerializer,
    PartnershipInvitationSerializer,
    RelationshipQuerySerializer,
    RelationshipSerializer,
)
from ..base import ApiView, ListView
from .common import (
    ID,
    TAG,
    PartnersMixin,
    Throttled,
    check,
    not_provider,
    ordered_cursor,
    problems,
    spend,
)

# --- relationships ----------------------------------------------------------------------------------------------


class RelationshipListView(PartnersMixin, ListView):
    """Indirect resellers (`type=indirect-resellers`: a provider's, as its page: enrolled as an indirect
    provider) or Indirect providers (`type=indirect-providers`: a reseller's), active partnerships, searched
    by `q` as the pages search, ordered by the partner's name."""

    serializer_class = RelationshipSerializer
    pagination_class = ordered_cursor("partner_name", "pk")

    def get_queryset(self):
        query = RelationshipQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        organization = self.request.organization
        search = query.validated_data.get("q", "")
        if query.validated_data["type"] == INDIRECT_RESELLERS:
            if not is_provider(organization):
                raise not_provider()
            return relationship_selectors.reseller_list(provider=organization, query=search).annotate(
                partner_name=_name("reseller")
            )
        return relationship_selectors.provider_list(reseller=organization, query=search).annotate(
            partner_name=_name("provider")
        )

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "organization": self.request.organization}

    def list(self, request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        context = self.get_serializer_context()
        reseller_pks = [row.reseller_id for row in page if row.provider_id == request.organization.pk]
        if reseller_pks:  # the page's customer counts: one query for the page
            context["customer_counts"] = customer_counts_by_reseller(
                provider=request.organization, reseller_pks=reseller_pks
            )
        return self.get_paginated_response(RelationshipSerializer(page, many=True, context=context).data)

    @extend_schema(
        operation_id="partners_relationships_list",
        tags=TAG,
        parameters=[RelationshipQuerySerializer],
        responses={200: RelationshipSerializer(many=True), **problems(400, 403)},
    )
    def get(self, request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


def _name(side: str) -> F:
    return F(f"{side}__legal_name")


def _relationship(request, pk: int):
    """The caller's active partnership `pk`, from whichever side it is on (as the pages' selectors), with the
    facts its list row shows; 404 for anyone else's."""
    organization = request.organization
    row = relationship_selectors.reseller_list(provider=organization).filter(pk=pk).first()
    if row is None:
        row = relationship_selectors.provider_list(reseller=organization).filter(pk=pk).first()
    if row is None:
        raise Http404
    return row


class RelationshipDetailView(PartnersMixin, ApiView):
    """One partnership; DELETE is "Remove partnership" (either side's Global admin: relationships.manage_partnership;
    customers and their delegated access stay)."""

    @extend_schema(
        operation_id="partners_relationships_retrieve",
        parameters=[ID],
        tags=TAG,
        responses={200: RelationshipSerializer, **problems(404)},
    )
    def get(self, request, pk: int):
        row = _relationship(request, pk)
        context = {"organization": request.organization}
        if row.provider_id == request.organization.pk:
            context["customer_counts"] = customer_counts_by_reseller(
                provider=request.organization, reseller_pks=[row.reseller_id]
            )
        return Response(RelationshipSerializer(row, context=context).data)

    @extend_schema(
        operation_id="partners_relationships_remove",
        parameters=[ID],
        tags=TAG,
        responses={204: None, **problems(400, 403, 404)},
    )
    def delete(self, request, pk: int):
        relationship = _relationship(request, pk)
        check(request, "relationships.manage_partnership")
        relationship_services.partnership_remove(
            relationship=relationship, actor=request.user, acting_organization=request.organization
        )
        return Response(status=204)


class RelationshipAdminAccessView(PartnersMixin, ApiView):
    """The reseller's "Remove admin access": the provider no longer has admin access to the reseller's account;
    the partnership stays (the reseller's Global admin; only from the reseller's side, as its page)."""

    @extend_schema(
        operation_id="partners_relationships_remove_admin_access",
        parameters=[ID],
        tags=TAG,
        request=None,
        responses={200: RelationshipSerializer, **problems(400, 403, 404)},
    )
    def post(self, request, pk: int):
        relationship = relationship_selectors.relationship_of_reseller(reseller=request.organization, pk=pk)
        check(request, "relationships.manage_partnership")
        relationship = relationship_services.partnership_remove_admin_access(
            relationship=relationship, actor=request.user, reseller=request.organization
        )
        return Response(RelationshipSerializer(relationship, context={"organization": request.organization}).data)


# --- partnership invitations ------------------------------------------------------------------------------------


class PartnershipInvitationListView(PartnersMixin, ListView):
    """Partnership requests (the Indirect resellers page's table, newest first), and "Request a partnership"."""

    serializer_class = PartnershipInvitationSerializer
    pagination_class = ordered_cursor("-created_at", "-pk")
    permissions = {"POST": "relationships.request_partnership"}

    def get_queryset(self):
        if not is_provider(self.request.organization):
            raise not_provider()
        return relationship_selectors.invitation_list(provider=self.request.organization)

    @extend_schema(
        operation_id="partners_partnership_invitations_list",
        tags=TAG,
        responses={200: PartnershipInvitationSerializer(many=True), **problems(400, 403)},
    )
    def get(self, request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="partners_partnership_invitations_create",
        tags=TAG,
        request=PartnershipInvitationCreateSerializer,
        responses={201: PartnershipInvitationCreatedSerializer, **problems(400, 403, 429)},
    )
    def post(self, request):
        """A new personal link (in this answer only); with `email`, sent from PartnerHub through the outbox, as
        the draft page's "Send from PartnerHub". Counted as the pages count: an invitation, and an email sent."""
        body = PartnershipInvitationCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        email = body.validated_data.get("email", "")
        message = body.validated_data.get("message", "")
        usage = spend(request, "invitation_create")
        if email:
            try:
                spend(request, "partner_email_send")
            except Throttled:
                if usage is not None:
                    usage.rollback()  # refused: nothing was made, so nothing counts
                raise
        with transaction.atomic():  # a refused send leaves no unsent request behind (a 4xx call commits)
            invitation, token = relationship_services.partnership_invitation_create(
                provider=request.organization, actor=request.user, message="" if email else message
            )
            if email:
                invitation = relationship_services.partnership_invitation_send(
                    invitation=invitation, actor=request.user, token=token, email=email, message=message
                )
        invitation = relationship_selectors.invitation_list(provider=request.organization).get(pk=invitation.pk)
        context = {"url": relationship_services.invitation_url(token)}
        return Response(PartnershipInvitationCreatedSerializer(invitation, context=context).data, status=201)


def _invitation(request, pk: int):
    """The provider's own invitation `pk` (404 for anyone else's), with what its list row shows."""
    return get_object_or_404(relationship_selectors.invitation_list(provider=request.organization), pk=pk)


class PartnershipInvitationDetailView(PartnersMixin, ApiView):
    @extend_schema(
        operation_id="partners_partnership_invitations_retrieve",
        parameters=[ID],
        tags=TAG,
        responses={200: PartnershipInvitationSerializer, **problems(404)},
    )
    def get(self, request, pk: int):
        return Response(PartnershipInvitationSerializer(_invitation(request, pk)).data)


class PartnershipInvitationRevokeView(PartnersMixin, ApiView):
    """ "Revoke": the link stops working; revoking twice changes nothing; an accepted one is refused."""

    @extend_schema(
        operation_id="partners_partnership_invitations_revoke",
        parameters=[ID],
        tags=TAG,
        request=None,
        responses={200: PartnershipInvitationSerializer, **problems(400, 403, 404)},
    )
    def post(self, request, pk: int):
        invitation = _invitation(request, pk)
        check(request, "relationships.request_partnership")
        relationship_services.partnership_invitation_revoke(invitation=invitation, actor=request.user)
        return Response(PartnershipInvitationSerializer(_invitation(request, pk)).data)
