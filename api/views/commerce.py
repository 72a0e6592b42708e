"""Customers, customer invitations, offers, orders and subscriptions (issue 17 §2): thin views over
customers.services and customers.selectors, with the permissions of the pages they mirror.

Ids in paths are read here (a malformed or out-of-range one is simply not found) and every object is reached
through the calling organization's selectors: another tenant's customer, order, subscription or invitation
is a 404, as on the pages."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from customers import selectors, services
from customers.models import Offer
from partnerhub.accounts.models import Organization
from partnerhub.core.errors import ApplicationError
from relationships import selectors as relationship_selectors

from ..idempotency import HEADER, idempotent
from ..pagination import Cursor
from ..schema import problems
from ..serializers import commerce as s
from .base import ApiView, ListView

# The service's own idempotency key of an order placed through the API: derived from the organization and
# the client's Idempotency-Key, so that both layers (api.idempotency and order_submit) name the same order.
ORDER_KEY_NAMESPACE = uuid.UUID("8f4a6c2e-1d3b-5e7f-9a0b-c4d5e6f7a8b9")
AGREEMENT_FIELDS = {"attest", "first_name", "last_name", "email", "phone", "date_agreed"}
LINE_FIELDS = {"offer", "quantity", "term", "billing_frequency", "custom_term_end"}


def _perms(**by_method: str) -> dict[str, str]:
    """A view's permissions; HEAD needs what GET needs."""
    if "GET" in by_method:
        by_method["HEAD"] = by_method["GET"]
    return by_method


class _DocumentedCursor(Cursor):
    def get_schema_operation_parameters(self, view) -> list[dict[str, Any]]:
        """DRF's parameters, with `limit`'s bounds (a larger one is refused)."""
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": self.max_page_size})
        return parameters


def _cursor(*fields: str) -> type[Cursor]:
    """The API's cursor pagination in this list's order (`Cursor` reads its ordering from the class)."""
    return type("CommerceCursor", (_DocumentedCursor,), {"ordering": fields})


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise exceptions.NotFound(_("Not found.")) from None


def _pk(value: str) -> int:
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= s.MAX_ID:
        raise exceptions.NotFound(_("Not found."))
    return int(value)


def _query(serializer_class: type[serializers.Serializer], request) -> dict[str, Any]:
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return dict(query.validated_data)


def _body(serializer_class: type[serializers.Serializer], request) -> dict[str, Any]:
    body = serializer_class(data=request.data)
    body.is_valid(raise_exception=True)
    return dict(body.validated_data)


def _invalid(field: str, message: str) -> exceptions.ValidationError:
    return exceptions.ValidationError({field: [message]})


def _customer_param(description: str) -> OpenApiParameter:
    return OpenApiParameter("customer_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description=description)


def _id_param(name: str, kind: Any = OpenApiTypes.INT) -> OpenApiParameter:
    return OpenApiParameter(name, kind, OpenApiParameter.PATH)


class PartnerOnly:
    """Customers, orders and subscriptions are partner business: a customer organization's client is refused."""

    def initial(self, request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if request.organization.kind != Organization.Kind.PARTNER:
            raise exceptions.PermissionDenied(_("Only partner organizations have customers, orders and subscriptions."))


# --- customers -----------------------------------------------------------------------------------------


def _customer_detail(organization: Organization, tenant_id: uuid.UUID):
    return selectors.relationship_get(partner=organization, tenant_id=tenant_id, with_activity=True)


def _new_customer(organization: Organization, data: dict[str, Any]) -> services.NewCustomer:
    """The wizard's steps as one body: account, reseller, customer agreement, subscriptions."""
    account = {name: data[name] for name in services.ACCOUNT_FIELDS}
    account["contact_phone"] = str(account["contact_phone"] or "")
    services.require_seller(organization)
    reseller = services.reseller_named(data["reseller"]) if data["reseller"] else None
    agreement_data = data.get("agreement")
    agreement = services.AgreementInput(attest=False)
    if agreement_data is not None:
        agreement = services.AgreementInput(
            attest=agreement_data["attest"],
            first_name=agreement_data["first_name"],
            last_name=agreement_data["last_name"],
            email=agreement_data["email"],
            phone=str(agreement_data["phone"] or ""),
            date_agreed=agreement_data["date_agreed"],
        )
    return services.NewCustomer(account=account, reseller=reseller, agreement=agreement,
                                lines=_lines_of_offers(data.get("lines") or []))  # fmt: skip


def _lines_of_offers(lines: list[dict[str, Any]]) -> list[services.LineInput]:
    offers = Offer.objects.in_bulk([line["offer"] for line in lines])
    result = []
    for index, line in enumerate(lines):
        offer = offers.get(line["offer"])
        if offer is None:
            raise _invalid(
                f"lines.{index}.offer", _("Select a valid choice. That choice is not one of the available choices.")
            )
        result.append(
            services.LineInput(
                offer=offer,
                quantity=line["quantity"],
                friendly_name=line.get("friendly_name", ""),
                term=line.get("term") or "",
                billing_frequency=line.get("billing_frequency") or "",
                custom_term_end=line.get("custom_term_end"),
            )
        )
    return result


def _line_field(exc: ApplicationError, lines: list[Any]) -> None:
    """A line's refusal names the line when there is only one."""
    if exc.field in LINE_FIELDS:
        exc.field = f"lines.0.{exc.field}" if len(lines) == 1 else "lines"


@extend_schema_view(
    get=extend_schema(
        operation_id="commerce_customers_list",
        summary="Customers",
        description="The partner's customers by company name, filtered as the Customers page filters them.",
        parameters=[s.CustomerListQuerySerializer],
        responses={200: s.CustomerSerializer(many=True), **problems(400, 403)},
    )
)
class CustomerListView(PartnerOnly, ListView):
    permissions = _perms(GET="customers.view_customers", POST="customers.add_customer")
    serializer_class = s.CustomerSerializer
    pagination_class = _cursor(*selectors.CUSTOMER_LIST_KEYS)

    def get_queryset(self):
        query = _query(s.CustomerListQuerySerializer, self.request)
        return selectors.customer_list(
            partner=self.request.organization, query=query.get("q", ""), reseller_pk=query.get("reseller")
        )

    @extend_schema(
        operation_id="commerce_customers_create",
        summary="Add a customer",
        description=(
            "The Add new customer wizard in one call: the customer's tenant, its Global admin, the relationship "
            "(with the reseller, for an indirect provider), the customer agreement and the first subscriptions. "
            "The admin's sign-in name and one-time password are in this answer only."
        ),
        request=s.CustomerCreateSerializer,
        responses={201: s.CustomerCreatedSerializer, **problems(400, 403)},
    )
    def post(self, request):
        data = _body(s.CustomerCreateSerializer, request)
        new = _new_customer(request.organization, data)
        try:
            created = services.customer_create(partner=request.organization, actor=request.user, data=new)
        except ApplicationError as exc:
            if exc.field in AGREEMENT_FIELDS:
                exc.field = f"agreement.{exc.field}"
            _line_field(exc, new.lines)
            raise
        relationship = _customer_detail(request.organization, created.organization.tenant_id)
        relationship.created_admin = {"user_name": created.user_name, "temporary_password": created.temporary_password}
        response = Response(s.CustomerCreatedSerializer(relationship).data, status=201)
        response["Cache-Control"] = "no-store"
        return response


class CustomerDetailView(PartnerOnly, ApiView):
    permissions = _perms(GET="customers.view_customers")

    @extend_schema(
        operation_id="commerce_customers_retrieve",
        summary="A customer",
        parameters=[_customer_param("The customer's tenant ID.")],
        responses={200: s.CustomerDetailSerializer, **problems(403, 404)},
    )
    def get(self, request, customer_id: str):
        relationship = _customer_detail(request.organization, _uuid(customer_id))
        return Response(s.CustomerDetailSerializer(relationship).data)


# --- customer invitations ------------------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(
        operation_id="commerce_customer_invitations_list",
        summary="Reseller relationship requests",
        description="The links this partner created for customers, newest first.",
        responses={200: s.CustomerInvitationSerializer(many=True), **problems(400, 403)},
    )
)
class CustomerInvitationListView(PartnerOnly, ListView):
    permissions = _perms(GET="customers.view_customers", POST="customers.add_customer")
    serializer_class = s.CustomerInvitationSerializer
    pagination_class = _cursor("-created_at", "-id")

    def get_queryset(self):
        return selectors.invitation_list(sender=self.request.organization)

    @extend_schema(
        operation_id="commerce_customer_invitations_create",
        summary="Request a reseller relationship",
        description=(
            "A personal link for a customer's Global admin to accept: from a provider or direct-bill partner for "
            "itself, or from a reseller for itself and one of its providers (`relationship`). The link is in "
            "this answer only."
        ),
        request=s.CustomerInvitationCreateSerializer,
        responses={201: s.CustomerInvitationCreatedSerializer, **problems(400, 403, 404)},
    )
    def post(self, request):
        data = _body(s.CustomerInvitationCreateSerializer, request)
        provider = None
        if data["relationship"] is not None:
            provider = relationship_selectors.relationship_of_reseller(
                reseller=request.organization, pk=data["relationship"]
            ).provider
        invitation, token = services.customer_invitation_create(
            sender=request.organization, actor=request.user, delegated_admin=data["delegated_admin"], provider=provider
        )
        invitation.url = services.invitation_url(token)
        response = Response(s.CustomerInvitationCreatedSerializer(invitation).data, status=201)
        response["Cache-Control"] = "no-store"
        return response


class CustomerInvitationDetailView(PartnerOnly, ApiView):
    permissions = _perms(GET="customers.view_customers")

    @extend_schema(
        operation_id="commerce_customer_invitations_retrieve",
        summary="A reseller relationship request",
        parameters=[_id_param("invitation_id")],
        responses={200: s.CustomerInvitationSerializer, **problems(403, 404)},
    )
    def get(self, request, invitation_id: str):
        invitation = selectors.invitation_of_sender(sender=request.organization, pk=_pk(invitation_id))
        return Response(s.CustomerInvitationSerializer(invitation).data)


class CustomerInvitationRevokeView(PartnerOnly, ApiView):
    permissions = {"POST": "customers.add_customer"}

    @extend_schema(
        operation_id="commerce_customer_invitations_revoke",
        summary="Revoke a reseller relationship request",
        description="The link stops working; revoking twice changes nothing.",
        request=None,
        parameters=[_id_param("invitation_id")],
        responses={200: s.CustomerInvitationSerializer, **problems(400, 403, 404)},
    )
    def post(self, request, invitation_id: str):
        invitation = selectors.invitation_of_sender(sender=request.organization, pk=_pk(invitation_id))
        invitation = services.customer_invitation_revoke(invitation=invitation, actor=request.user)
        return Response(s.CustomerInvitationSerializer(invitation).data)


# --- offers --------------------------------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(
        operation_id="commerce_offers_list",
        summary="Offers",
        description=(
            "The catalogue sold in the partner's market, priced in its currency; with `customer`, in that "
            "customer's market."
        ),
        parameters=[s.OfferListQuerySerializer],
        responses={200: s.OfferSerializer(many=True), **problems(400, 403, 404)},
    )
)
class OfferListView(PartnerOnly, ListView):
    permissions = _perms(GET="customers.view_customers")
    serializer_class = s.OfferSerializer
    pagination_class = _cursor("rank", "name", "id")

    def get_queryset(self):
        query = _query(s.OfferListQuerySerializer, self.request)
        market = self.request.organization
        if "customer" in query:
            market = selectors.relationship_get(partner=market, tenant_id=query["customer"]).customer
        self.currency = market.currency
        return services.offers_for(country=market.country.code, region=market.csp_region, currency=market.currency)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "currency": getattr(self, "currency", "")}


# --- orders --------------------------------------------------------------------------------------------


def order_key(organization: Organization, header: str) -> uuid.UUID:
    """order_submit's key for a call: the same Idempotency-Key of one organization always names one order;
    without the header, every call is a new order."""
    if not header:
        return uuid.uuid4()
    return uuid.uuid5(ORDER_KEY_NAMESPACE, f"{organization.pk}:{header}")


def _order_lines(organization: Organization, relationship, lines: list[dict[str, Any]]) -> list[services.LineInput]:
    """The body's lines with their offers and partner of record (each pre-flighted as the order form does)."""
    result = _lines_of_offers(lines)
    default_number = ""
    if relationship.reseller_id:
        location = services.location_partner_id(relationship.reseller)
        default_number = str(location.number) if location else ""
    for index, (line, data) in enumerate(zip(result, lines, strict=True)):
        number = (data.get("partner_id_on_record") or "") if "partner_id_on_record" in data else default_number
        if not number.strip():
            continue
        try:
            line.partner_of_record = services.partner_of_record_check(partner=organization, number=number.strip())
        except ApplicationError as exc:
            exc.field = f"lines.{index}.partner_id_on_record"
            raise
    return result


class CustomerOrderCreateView(PartnerOnly, ApiView):
    permissions = {"POST": "customers.place_order"}

    @extend_schema(
        operation_id="commerce_orders_create",
        summary="Place an order",
        description=(
            "Add subscriptions for a customer: one subscription per line. Send an `Idempotency-Key` header: the "
            "same key with the same body answers the same order (`Idempotent-Replayed: true`), the same key with "
            "another body is refused (422 `idempotency_key_reused`). 201 for a new order, 200 for an order the "
            "key had already placed."
        ),
        parameters=[
            _customer_param("The customer's tenant ID."),
            OpenApiParameter(
                HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=False,
                description="At most 200 printable characters; a new one per order.",
            ),  # fmt: skip
        ],
        request=s.OrderCreateSerializer,
        responses={200: s.OrderSerializer, 201: s.OrderSerializer, **problems(400, 403, 404, 422)},
    )
    @idempotent
    def post(self, request, customer_id: str):
        organization = request.organization
        tenant_id = _uuid(customer_id)
        services.require_seller(organization)
        relationship = selectors.selling_relationship_get(partner=organization, tenant_id=tenant_id)
        data = _body(s.OrderCreateSerializer, request)
        lines = _order_lines(organization, relationship, data["lines"])
        try:
            order, created = services.order_submit(
                partner=organization,
                customer=relationship.customer,
                actor=request.user,
                key=order_key(organization, request.headers.get(HEADER, "")),
                lines=lines,
            )
        except ApplicationError as exc:
            _line_field(exc, lines)
            raise
        order = selectors.order_get(partner=organization, pk=order.pk)
        return Response(s.OrderSerializer(order).data, status=201 if created else 200)


@extend_schema_view(
    get=extend_schema(
        operation_id="commerce_orders_list",
        summary="Orders",
        description="The orders this partner placed, newest first.",
        parameters=[s.OrderListQuerySerializer],
        responses={200: s.OrderSerializer(many=True), **problems(400, 403, 404)},
    )
)
class OrderListView(PartnerOnly, ListView):
    permissions = _perms(GET="customers.view_customers")
    serializer_class = s.OrderSerializer
    pagination_class = _cursor("-number")

    def get_queryset(self):
        query = _query(s.OrderListQuerySerializer, self.request)
        organization = self.request.organization
        customer_pk = None
        if "customer" in query:
            customer_pk = selectors.relationship_get(partner=organization, tenant_id=query["customer"]).customer_id
        return selectors.order_list(partner=organization, customer_pk=customer_pk)


class OrderDetailView(PartnerOnly, ApiView):
    permissions = _perms(GET="customers.view_customers")

    @extend_schema(
        operation_id="commerce_orders_retrieve",
        summary="An order",
        parameters=[_id_param("order_id")],
        responses={200: s.OrderSerializer, **problems(403, 404)},
    )
    def get(self, request, order_id: str):
        order = selectors.order_get(partner=request.organization, pk=_pk(order_id))
        return Response(s.OrderSerializer(order).data)


# --- subscriptions -------------------------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(
        operation_id="commerce_subscriptions_list",
        summary="Subscriptions",
        description=(
            "The subscriptions this partner sold, or is the reseller of record of, for its customers; newest first."
        ),
        parameters=[s.SubscriptionListQuerySerializer],
        responses={200: s.SubscriptionSerializer(many=True), **problems(400, 403, 404)},
    )
)
class SubscriptionListView(PartnerOnly, ListView):
    permissions = _perms(GET="customers.view_customers")
    serializer_class = s.SubscriptionSerializer
    pagination_class = _cursor("-created_at", "-id")

    def get_queryset(self):
        query = _query(s.SubscriptionListQuerySerializer, self.request)
        organization = self.request.organization
        if "customer" not in query:
            return selectors.partner_subscriptions(partner=organization, status=query.get("status", "")).select_related(
                "customer"
            )
        relationship = selectors.relationship_get(partner=organization, tenant_id=query["customer"])
        subscriptions = selectors.visible_subscriptions(relationship=relationship).select_related("customer")
        return subscriptions.filter(status=query["status"]) if query.get("status") else subscriptions


def _managed_subscription(request, subscription_id: str, *, seller_only: bool = False):
    """The subscription, if the partner sees it (else 404) and manages it: the seller, or its reseller of
    record within the same rules (else 403)."""
    subscription = selectors.partner_subscription_get(partner=request.organization, public_id=_uuid(subscription_id))
    role = selectors.subscription_role(subscription=subscription, organization=request.organization)
    if role is None or (seller_only and role != "seller"):
        raise exceptions.PermissionDenied(_("Only the partner that sold this subscription can do that."))
    return subscription


def _subscription(request, subscription_id: str):
    return selectors.partner_subscription_get(partner=request.organization, public_id=_uuid(subscription_id))


class SubscriptionDetailView(PartnerOnly, ApiView):
    permissions = _perms(GET="customers.view_customers", PATCH="customers.manage_subscription")

    @extend_schema(
        operation_id="commerce_subscriptions_retrieve",
        summary="A subscription",
        parameters=[_id_param("subscription_id", OpenApiTypes.UUID)],
        responses={200: s.SubscriptionSerializer, **problems(403, 404)},
    )
    def get(self, request, subscription_id: str):
        return Response(s.SubscriptionSerializer(_subscription(request, subscription_id)).data)

    @extend_schema(
        operation_id="commerce_subscriptions_update",
        summary="Change a subscription",
        description=(
            "The quantity (up at any time, down only within 7 days of the last increase), auto-renew and the "
            "friendly name. All or nothing: a refused change leaves the others undone."
        ),
        parameters=[_id_param("subscription_id", OpenApiTypes.UUID)],
        request=s.SubscriptionPatchSerializer,
        responses={200: s.SubscriptionSerializer, **problems(400, 403, 404)},
    )
    def patch(self, request, subscription_id: str):
        subscription = _managed_subscription(request, subscription_id)
        data = _body(s.SubscriptionPatchSerializer, request)
        organization = request.organization
        with transaction.atomic():
            if "quantity" in data:
                subscription = services.subscription_change_quantity(
                    subscription=subscription, actor=request.user, quantity=data["quantity"], organization=organization
                )
            if "auto_renew" in data or "friendly_name" in data:
                services.subscription_update(
                    subscription=subscription,
                    actor=request.user,
                    friendly_name=data.get("friendly_name", subscription.friendly_name),
                    auto_renew=data.get("auto_renew", subscription.auto_renew),
                    organization=organization,
                )
        return Response(s.SubscriptionSerializer(_subscription(request, subscription_id)).data)


class SubscriptionCancelView(PartnerOnly, ApiView):
    permissions = {"POST": "customers.manage_subscription"}

    @extend_schema(
        operation_id="commerce_subscriptions_cancel",
        summary="Cancel a subscription",
        description="Only within 7 days of purchase; cancelling a cancelled subscription changes nothing.",
        request=None,
        parameters=[_id_param("subscription_id", OpenApiTypes.UUID)],
        responses={200: s.SubscriptionSerializer, **problems(400, 403, 404)},
    )
    def post(self, request, subscription_id: str):
        subscription = _managed_subscription(request, subscription_id)
        services.subscription_cancel(subscription=subscription, actor=request.user, organization=request.organization)
        return Response(s.SubscriptionSerializer(_subscription(request, subscription_id)).data)


# --- the subscription lifecycle (issue 18 §2) ------------------------------------------------------------


class SubscriptionSuspendView(PartnerOnly, ApiView):
    permissions = {"POST": "customers.manage_subscription"}

    @extend_schema(
        operation_id="commerce_subscriptions_suspend",
        summary="Suspend a subscription",
        description=(
            "The seller only (for example for non-payment): the customer's users can't use it, billing continues, "
            "changes scheduled for renewal other than auto-renew off are deleted, and it expires at its term end "
            "unless reactivated before."
        ),
        request=None,
        parameters=[_id_param("subscription_id", OpenApiTypes.UUID)],
        responses={200: s.SubscriptionSerializer, **problems(400, 403, 404)},
    )
    def post(self, request, subscription_id: str):
        subscription = _managed_subscription(request, subscription_id, seller_only=True)
        services.subscription_suspend(subscription=subscription, actor=request.user, organization=request.organization)
        return Response(s.SubscriptionSerializer(_subscription(request, subscription_id)).data)


class SubscriptionReactivateView(PartnerOnly, ApiView):
    permissions = {"POST": "customers.manage_subscription"}

    @extend_schema(
        operation_id="commerce_subscriptions_reactivate",
        summary="Reactivate a suspended subscription",
        description="The seller only, before the term ends.",
        request=None,
        parameters=[_id_param("subscription_id", OpenApiTypes.UUID)],
        responses={200: s.SubscriptionSerializer, **problems(400, 403, 404)},
    )
    def post(self, request, subscription_id: str):
        subscription = _managed_subscription(request, subscription_id, seller_only=True)
        services.subscription_reactivate(
            subscription=subscription, actor=request.user, organization=request.organization
        )
        return Response(s.SubscriptionSerializer(_subscription(request, subscription_id)).data)


class SubscriptionScheduledChangesView(PartnerOnly, ApiView):
    permissions = {"PATCH": "customers.manage_subscription"}

    @extend_schema(
        operation_id="commerce_subscriptions_scheduled_changes",
        summary="Change what happens at renewal",
        description=(
            "The next term's quantity, term and billing frequency (null: unchanged), and auto-renew (false: it "
            "expires at its term end). Outside the 7-day window these are the only way to reduce a subscription. "
            "The seller or the reseller of record."
        ),
        parameters=[_id_param("subscription_id", OpenApiTypes.UUID)],
        request=s.ScheduledChangesPatchSerializer,
        responses={200: s.SubscriptionSerializer, **problems(400, 403, 404)},
    )
    def patch(self, request, subscription_id: str):
        subscription = _managed_subscription(request, subscription_id)
        data = _body(s.ScheduledChangesPatchSerializer, request)
        services.subscription_schedule_changes(
            subscription=subscription,
            actor=request.user,
            organization=request.organization,
            quantity=data.get("quantity", subscription.next_quantity),
            term=(data.get("term") or "") if "term" in data else subscription.next_term,
            billing_frequency=(data.get("billing_frequency") or "")
            if "billing_frequency" in data
            else subscription.next_billing_frequency,
            auto_renew=data.get("auto_renew"),
        )
        return Response(s.SubscriptionSerializer(_subscription(request, subscription_id)).data)


class SubscriptionUpgradeTargetsView(PartnerOnly, ApiView):
    permissions = _perms(GET="customers.view_customers")

    @extend_schema(
        operation_id="commerce_subscriptions_upgrade_targets",
        summary="Offers this subscription can be upgraded to",
        description="Higher offers of the same family sold to the customer with the subscription's term.",
        parameters=[_id_param("subscription_id", OpenApiTypes.UUID)],
        responses={200: s.OfferSerializer(many=True), **problems(403, 404)},
    )
    def get(self, request, subscription_id: str):
        subscription = _subscription(request, subscription_id)
        targets = services.upgrade_targets(subscription) if subscription.is_live else []
        return Response(s.OfferSerializer(targets, many=True, context={"currency": subscription.currency}).data)


class SubscriptionUpgradeView(PartnerOnly, ApiView):
    permissions = {"POST": "customers.manage_subscription"}

    @extend_schema(
        operation_id="commerce_subscriptions_upgrade",
        summary="Upgrade a subscription",
        description=(
            "A full upgrade to a higher offer of the same family: a new subscription replaces this one with all "
            "its licenses, its term, billing frequency and end date, at the target's current price; this one "
            "becomes `upgraded` and the remaining term is credited. The seller only. Send an `Idempotency-Key`: "
            "the same key answers the same new subscription. 201 with the new subscription."
        ),
        parameters=[
            _id_param("subscription_id", OpenApiTypes.UUID),
            OpenApiParameter(
                HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=False,
                description="At most 200 printable characters; a new one per upgrade.",
            ),  # fmt: skip
        ],
        request=s.UpgradeSerializer,
        responses={201: s.SubscriptionSerializer, **problems(400, 403, 404, 422)},
    )
    @idempotent
    def post(self, request, subscription_id: str):
        subscription = _managed_subscription(request, subscription_id, seller_only=True)
        data = _body(s.UpgradeSerializer, request)
        offer = Offer.objects.filter(pk=data["offer"]).first()
        if offer is None:
            raise _invalid("offer", _("Select a valid choice. That choice is not one of the available choices."))
        new = services.subscription_upgrade(
            subscription=subscription, actor=request.user, offer=offer, organization=request.organization
        )
        return Response(s.SubscriptionSerializer(_subscription(request, str(new.public_id))).data, status=201)
