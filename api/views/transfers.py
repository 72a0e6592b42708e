"""Transfers (issue 18 §3): list incoming and outgoing, get one, request one for a customer, accept, decline,
cancel — thin views over transfers.services and transfers.selectors, with the pages' permissions. Another
organization's transfer is a 404, as on the pages."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions
from rest_framework.response import Response

from customers import selectors as customer_selectors
from transfers import selectors, services

from ..idempotency import HEADER, idempotent
from ..schema import problems
from ..serializers import transfers as s
from .base import ApiView, ListView
from .commerce import PartnerOnly, _body, _cursor, _query, _uuid

TRANSFER_ID = OpenApiParameter("transfer_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The transfer ID.")


def _transfer(request, transfer_id: str):
    return selectors.transfer_get(organization=request.organization, public_id=_uuid(transfer_id))


@extend_schema_view(
    get=extend_schema(
        operation_id="transfers_list",
        summary="Transfers",
        description="The transfers you send (outgoing) and receive (incoming), newest first.",
        parameters=[s.TransferListQuerySerializer],
        responses={200: s.TransferSerializer(many=True), **problems(400, 403)},
    )
)
class TransferListView(PartnerOnly, ListView):
    permissions = {"GET": "transfers.view_transfers", "HEAD": "transfers.view_transfers"}
    serializer_class = s.TransferSerializer
    pagination_class = _cursor("-created_at", "-id")

    def get_queryset(self):
        query = _query(s.TransferListQuerySerializer, self.request)
        return (
            selectors.transfer_list(organization=self.request.organization, direction=query.get("direction", ""))
            .select_related("partner_of_record")
            .prefetch_related("items")
        )


class TransferDetailView(PartnerOnly, ApiView):
    permissions = {"GET": "transfers.view_transfers", "HEAD": "transfers.view_transfers"}

    @extend_schema(
        operation_id="transfers_get",
        summary="A transfer",
        parameters=[TRANSFER_ID],
        responses={200: s.TransferSerializer, **problems(403, 404)},
    )
    def get(self, request, transfer_id: str):
        return Response(s.TransferSerializer(_transfer(request, transfer_id), context={"request": request}).data)


class CustomerTransferCreateView(PartnerOnly, ApiView):
    permissions = {"POST": "transfers.create_transfer"}

    @extend_schema(
        operation_id="transfers_create",
        summary="Request a transfer",
        description=(
            "Move some or all of the active subscriptions you sell to this customer to another partner of its CSP "
            "region, which has 30 days to accept. At most 25 subscriptions. Send an `Idempotency-Key` header: the "
            "same key with the same body answers the same transfer."
        ),
        parameters=[
            OpenApiParameter(
                "customer_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The customer's tenant ID."
            ),
            OpenApiParameter(
                HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=False,
                description="At most 200 printable characters; a new one per transfer.",
            ),
        ],  # fmt: skip
        request=s.TransferCreateSerializer,
        responses={201: s.TransferSerializer, **problems(400, 403, 404, 422)},
    )
    @idempotent
    def post(self, request, customer_id: str):
        organization = request.organization
        relationship = customer_selectors.relationship_get(partner=organization, tenant_id=_uuid(customer_id))
        data = _body(s.TransferCreateSerializer, request)
        wanted = list(dict.fromkeys(data["subscriptions"]))
        subscriptions = list(
            selectors.transferable_subscriptions(customer=relationship.customer, partner=organization).filter(
                public_id__in=wanted
            )
        )
        if len(subscriptions) != len(wanted):
            raise exceptions.ValidationError(
                {
                    "subscriptions": [
                        _("Choose active subscriptions you sell to this customer, not in a pending transfer.")
                    ]
                }
            )
        target = services.transfer_target_resolve(text=data["target"])
        transfer = services.transfer_create(
            organization=organization,
            actor=request.user,
            customer=relationship.customer,
            target=target,
            subscriptions=subscriptions,
            partner_of_record=data["partner_of_record"],
        )
        return Response(s.TransferSerializer(transfer, context={"request": request}).data, status=201)


def _action(name: str, perm: str, summary: str, description: str):
    service = getattr(services, f"transfer_{name}")

    class View(PartnerOnly, ApiView):
        permissions = {"POST": perm}

        @extend_schema(
            operation_id=f"transfers_{name}",
            summary=summary,
            description=description,
            request=None,
            parameters=[TRANSFER_ID],
            responses={200: s.TransferSerializer, **problems(400, 403, 404)},
        )
        def post(self, request, transfer_id: str) -> Any:
            service(transfer=_transfer(request, transfer_id), actor=request.user)
            return Response(s.TransferSerializer(_transfer(request, transfer_id), context={"request": request}).data)

    View.__name__ = View.__qualname__ = f"Transfer{name.title()}View"
    return View


TransferAcceptView = _action(
    "accept", "transfers.decide_transfer", "Accept a transfer",
    "The receiving partner's Global admin: the subscriptions move to you with their terms, the customer becomes "
    "yours and is asked to approve admin access. Only while pending (30 days).",
)  # fmt: skip
TransferDeclineView = _action(
    "decline", "transfers.decide_transfer", "Decline a transfer", "The receiving partner's Global admin: nothing moves."
)
TransferCancelView = _action(
    "cancel", "transfers.create_transfer", "Cancel a transfer", "The partner that requested it, while pending."
)
