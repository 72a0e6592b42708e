"""Admin relationships (issue 18 §1): thin views over access.services and access.selectors, with the pages'
permissions. Another tenant's customer or relationship is a 404."""

from __future__ import annotations

import uuid
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response

from access import selectors, services
from access.roles import AdminRole
from customers import selectors as customer_selectors
from partnerhub.accounts.models import Membership

from ..idempotency import idempotent
from ..schema import problems
from ..serializers import access as s
from .base import ApiView
from .commerce import PartnerOnly

VIEW = "access.view_admin_relationships"
MANAGE = "access.manage_admin_relationships"
CUSTOMER = OpenApiParameter("customer_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The tenant ID.")
RELATIONSHIP = OpenApiParameter("relationship_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise exceptions.NotFound(_("Not found.")) from None


def _customer(request, customer_id: str):
    return customer_selectors.relationship_get(partner=request.organization, tenant_id=_uuid(customer_id)).customer


def _relationship(request, customer_id: str, relationship_id: str):
    customer = _customer(request, customer_id)
    return selectors.partner_relationship_get(
        partner=request.organization, customer=customer, public_id=_uuid(relationship_id)
    )


def _perms(**by_method: str) -> dict[str, str]:
    if "GET" in by_method:
        by_method["HEAD"] = by_method["GET"]
    return by_method


class AdminRelationshipListView(PartnerOnly, ApiView):
    permissions = _perms(GET=VIEW, POST=MANAGE)

    @extend_schema(
        operation_id="access_admin_relationships_list",
        summary="A customer's admin relationships",
        parameters=[CUSTOMER],
        responses={200: s.AdminRelationshipSerializer(many=True), **problems(403, 404)},
    )
    def get(self, request, customer_id: str):
        customer = _customer(request, customer_id)
        rows = selectors.partner_relationships(partner=request.organization, customer=customer)[:200]
        return Response(s.AdminRelationshipSerializer(rows, many=True).data)

    @extend_schema(
        operation_id="access_admin_relationships_create",
        summary="Request an admin relationship",
        description="The customer's Global admins get an approval link; the request expires after 90 days.",
        parameters=[CUSTOMER],
        request=s.AdminRelationshipCreateSerializer,
        responses={201: s.AdminRelationshipSerializer, **problems(400, 403, 404)},
    )
    @idempotent
    def post(self, request, customer_id: str):
        customer = _customer(request, customer_id)
        body = s.AdminRelationshipCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        relationship = services.admin_relationship_request(
            partner=request.organization, customer=customer, actor=request.user, **body.validated_data
        )
        return Response(s.AdminRelationshipSerializer(relationship).data, status=201)


class AdminRelationshipDetailView(PartnerOnly, ApiView):
    permissions = _perms(GET=VIEW)

    @extend_schema(
        operation_id="access_admin_relationships_retrieve",
        summary="An admin relationship",
        parameters=[CUSTOMER, RELATIONSHIP],
        responses={200: s.AdminRelationshipSerializer, **problems(403, 404)},
    )
    def get(self, request, customer_id: str, relationship_id: str):
        return Response(s.AdminRelationshipSerializer(_relationship(request, customer_id, relationship_id)).data)


class AdminRelationshipTerminateView(PartnerOnly, ApiView):
    permissions = {"POST": MANAGE}

    @extend_schema(
        operation_id="access_admin_relationships_terminate",
        summary="Terminate an admin relationship",
        description="Its roles stop working at once; terminating twice changes nothing.",
        request=None,
        parameters=[CUSTOMER, RELATIONSHIP],
        responses={200: s.AdminRelationshipSerializer, **problems(400, 403, 404)},
    )
    def post(self, request, customer_id: str, relationship_id: str):
        relationship = _relationship(request, customer_id, relationship_id)
        relationship = services.admin_relationship_terminate(
            relationship=relationship, actor=request.user, organization=request.organization
        )
        return Response(s.AdminRelationshipSerializer(relationship).data)


def _assignments_out(relationship) -> dict[str, Any]:
    rows = [
        {"role": a.role, "partner_role": a.partner_role, "user": a.membership.user.email if a.membership else ""}
        for a in selectors.assignments(relationship=relationship)
    ]
    return {"assignments": rows}


class AdminRelationshipAssignmentsView(PartnerOnly, ApiView):
    permissions = _perms(GET=VIEW, PUT=MANAGE)

    @extend_schema(
        operation_id="access_admin_relationships_assignments_retrieve",
        summary="Who may use the relationship's roles",
        parameters=[CUSTOMER, RELATIONSHIP],
        responses={200: s.AssignmentsSerializer, **problems(403, 404)},
    )
    def get(self, request, customer_id: str, relationship_id: str):
        return Response(_assignments_out(_relationship(request, customer_id, relationship_id)))

    @extend_schema(
        operation_id="access_admin_relationships_assignments_update",
        summary="Set who may use the relationship's roles",
        description="Each assignment names a partner role or a partner user (by email); replaces the previous ones.",
        parameters=[CUSTOMER, RELATIONSHIP],
        request=s.AssignmentsSerializer,
        responses={200: s.AssignmentsSerializer, **problems(400, 403, 404)},
    )
    def put(self, request, customer_id: str, relationship_id: str):
        relationship = _relationship(request, customer_id, relationship_id)
        body = s.AssignmentsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        emails = {row["user"].lower() for row in body.validated_data["assignments"] if row["user"]}
        members = {
            m.user.email.lower(): m.pk
            for m in Membership.objects.filter(
                organization=request.organization, user__email__in=emails
            ).select_related("user")
        }
        by_role: dict[str, list[str]] = {}
        by_member: dict[str, list[int]] = {}
        for index, row in enumerate(body.validated_data["assignments"]):
            if bool(row["partner_role"]) == bool(row["user"]):
                raise exceptions.ValidationError({f"assignments.{index}": [_("Name either a partner role or a user.")]})
            if row["user"]:
                if row["user"].lower() not in members:
                    raise exceptions.ValidationError(
                        {f"assignments.{index}.user": [_("This user isn't one of your organization's users.")]}
                    )
                by_member.setdefault(row["role"], []).append(members[row["user"].lower()])
            else:
                by_role.setdefault(row["role"], []).append(row["partner_role"])
        relationship = services.admin_relationship_assignments_set(
            relationship=relationship, actor=request.user, by_role=by_role, by_member=by_member
        )
        return Response(_assignments_out(relationship))


class CustomerUserListView(PartnerOnly, ApiView):
    permissions = _perms(GET=VIEW)

    @extend_schema(
        operation_id="access_customer_users_list",
        summary="A customer's users (Global reader)",
        description="Through an active admin relationship holding Global reader (or a role that manages users), "
        "to which the caller is assigned.",
        parameters=[CUSTOMER],
        responses={200: s.CustomerUserSerializer(many=True), **problems(403, 404)},
    )
    def get(self, request, customer_id: str):
        customer = _customer(request, customer_id)
        selectors.admin_role_check(request.membership, customer, AdminRole.GLOBAL_READER)
        return Response(s.CustomerUserSerializer(selectors.customer_users(customer=customer), many=True).data)
