"""Accounts receivable (issue 19): the issuer's recipients with their balances, one account's terms (read and
PATCH), blocking and unblocking new orders, payments (list, record with Idempotency-Key; a bank reference sent
again returns the payment already recorded), and the recipient's standing with each issuer. Another
organization's account is a 404, as on the pages."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions
from rest_framework.response import Response

from billing.models import BillingProfile, Invoice, Payment
from billing.services import credit, payments
from partnerhub.core import rls

from ..idempotency import HEADER, idempotent
from ..schema import problems
from ..serializers import billing_accounts as s
from .base import ApiView, ListView
from .commerce import PartnerOnly, _body, _cursor, _pk

ACCOUNT_ID = OpenApiParameter(
    "account_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The account (billing profile) ID."
)
IDEMPOTENCY = OpenApiParameter(
    HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="At most 200 printable characters; a new one per payment.",
)  # fmt: skip
MANAGE = "billing.manage_billing"
VIEW = "billing.view_billing"


def _accounts(request):
    return credit.receivables(issuer_id=request.organization.pk)


def _account(request, account_id: str) -> BillingProfile:
    profile = _accounts(request).filter(pk=_pk(account_id)).first()
    if profile is None:
        raise exceptions.NotFound()
    return profile


@extend_schema_view(
    get=extend_schema(
        operation_id="billing_accounts_list",
        summary="Accounts receivable",
        description="The organizations you bill, with their open and overdue balances, credit limit and blocks.",
        responses={200: s.AccountSerializer(many=True), **problems(403)},
    )
)
class AccountListView(PartnerOnly, ListView):
    permissions = {"GET": MANAGE, "HEAD": MANAGE}
    serializer_class = s.AccountSerializer
    pagination_class = _cursor("id")

    def get_queryset(self):
        return _accounts(self.request).order_by("id")


class AccountDetailView(PartnerOnly, ApiView):
    permissions = {"GET": MANAGE, "HEAD": MANAGE, "PATCH": MANAGE}

    @extend_schema(
        operation_id="billing_accounts_get",
        summary="An account",
        parameters=[ACCOUNT_ID],
        responses={200: s.AccountSerializer, **problems(403, 404)},
    )
    def get(self, request, account_id: str):
        return Response(s.AccountSerializer(_account(request, account_id)).data)

    @extend_schema(
        operation_id="billing_accounts_update",
        summary="Change an account's terms",
        description=(
            "Billing day (1–28), payment terms, credit limit (null: none), price tier and the days overdue after "
            "which new orders are blocked automatically (null: only by hand). The currency can't change once an "
            "invoice was issued."
        ),
        parameters=[ACCOUNT_ID],
        request=s.AccountUpdateSerializer,
        responses={200: s.AccountSerializer, **problems(400, 403, 404)},
    )
    def patch(self, request, account_id: str):
        profile = _account(request, account_id)
        data = _body(s.AccountUpdateSerializer, request)
        credit.profile_update(profile=profile, actor=request.user, **data)
        return Response(s.AccountSerializer(_account(request, account_id)).data)


class AccountBlockView(PartnerOnly, ApiView):
    permissions = {"POST": MANAGE}

    @extend_schema(
        operation_id="billing_accounts_block",
        summary="Block new orders",
        description="New orders billed to this organization are refused with the reason, until you unblock them.",
        parameters=[ACCOUNT_ID],
        request=s.BlockSerializer,
        responses={200: s.AccountSerializer, **problems(400, 403, 404)},
    )
    def post(self, request, account_id: str):
        profile = _account(request, account_id)
        data = _body(s.BlockSerializer, request)
        credit.orders_block(profile=profile, reason=data["reason"], actor=request.user)
        return Response(s.AccountSerializer(_account(request, account_id)).data)


class AccountUnblockView(PartnerOnly, ApiView):
    permissions = {"POST": MANAGE}

    @extend_schema(
        operation_id="billing_accounts_unblock",
        summary="Unblock new orders",
        parameters=[ACCOUNT_ID],
        request=None,
        responses={200: s.AccountSerializer, **problems(400, 403, 404)},
    )
    def post(self, request, account_id: str):
        credit.orders_unblock(profile=_account(request, account_id), actor=request.user)
        return Response(s.AccountSerializer(_account(request, account_id)).data)


@extend_schema_view(
    get=extend_schema(
        operation_id="billing_standing",
        summary="Your billing standing",
        description="What you owe each organization that bills you: open, overdue, credit left, and any block.",
        responses={200: s.StandingSerializer(many=True), **problems(403)},
    )
)
class StandingView(PartnerOnly, ApiView):
    permissions = {"GET": VIEW, "HEAD": VIEW}

    def get(self, request):
        with rls.elevated("billing:standing"):
            rows = credit.standing(recipient_id=request.organization.pk)
        return Response(s.StandingSerializer(rows, many=True).data)


@extend_schema_view(
    get=extend_schema(
        operation_id="payments_list",
        summary="Payments",
        description="The payments you recorded against your invoices, newest first.",
        responses={200: s.PaymentSerializer(many=True), **problems(403)},
    ),
    post=extend_schema(
        operation_id="payments_create",
        summary="Record a payment",
        description=(
            "Against one of your open invoices. A bank reference already recorded returns that payment (200) "
            "instead of a second one. Send an `Idempotency-Key` header to retry safely."
        ),
        parameters=[IDEMPOTENCY],
        request=s.PaymentCreateSerializer,
        responses={201: s.PaymentSerializer, 200: s.PaymentSerializer, **problems(400, 403, 404, 422)},
    ),
)
class PaymentListView(PartnerOnly, ListView):
    permissions = {"GET": MANAGE, "HEAD": MANAGE, "POST": MANAGE}
    serializer_class = s.PaymentSerializer
    pagination_class = _cursor("-created_at", "-id")

    def get_queryset(self):
        return Payment.objects.filter(issuer_id=self.request.organization.pk).select_related("invoice")

    @idempotent
    def post(self, request) -> Any:
        data = _body(s.PaymentCreateSerializer, request)
        invoice = Invoice.objects.filter(
            issuer_id=request.organization.pk, kind=Invoice.Kind.INVOICE, public_id=data["invoice"]
        ).first()
        if invoice is None:
            raise exceptions.ValidationError({"invoice": [_("No invoice of yours has this ID.")]})
        payment, created = payments.payment_record(
            invoice=invoice, amount=data["amount"], received_on=data["received_on"], reference=data["reference"],
            actor=request.user,
        )  # fmt: skip
        return Response(s.PaymentSerializer(payment).data, status=201 if created else 200)
