"""Reads of admin relationships, and the one check every acting view makes: `admin_role_check`."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from customers.models import Subscription
from partnerhub.accounts.models import Membership, Organization
from partnerhub.core import rls
from partnerhub.core.models import AuditEvent

from .models import AccessError, AdminRelationship, AdminRoleAssignment, LicenseAssignment
from .roles import SATISFIED_BY, AdminRole


def admin_role_check(
    membership: Membership, customer: Organization, role: str, *, now: datetime | None = None
) -> AdminRelationship:
    """The admin relationship through which this partner user may act in `customer`'s account with `role`, or
    an AccessError saying exactly why not: no active relationship holds the role, the one that did expired or
    was terminated, or the user isn't assigned to the role. The end date is compared with now in the query: a
    relationship that ended a second ago can't act, before any sweep has marked it expired."""
    now = now or timezone.now()
    needed = sorted(SATISFIED_BY[role])
    label = AdminRole(role).label
    holding = AdminRelationship.objects.filter(
        partner=membership.organization_id, customer=customer, roles__overlap=needed
    ).select_related("customer")
    assigned = AdminRoleAssignment.objects.filter(relationship=OuterRef("pk"), role__in=needed).filter(
        Q(membership=membership.pk) | Q(membership=None, partner_role__in=membership.roles)
    )
    acting = holding.acting(now)
    relationship = acting.filter(Exists(assigned)).order_by("ends_at").last()
    if relationship is not None:
        return relationship
    usable = acting.order_by("ends_at").last()
    if usable is not None:
        raise AccessError(
            _(
                "You aren't assigned to the %(role)s role of the admin relationship %(name)s with %(customer)s: "
                "ask your Global admin or an Admin agent to assign you."
            )
            % {"role": label, "name": usable.name, "customer": customer.legal_name},
            code="not_assigned",
        )
    latest = holding.exclude(status=AdminRelationship.Status.APPROVAL_PENDING).exclude(approved_at=None)
    ended = latest.order_by("-approved_at").first()
    if ended is not None:
        if ended.status == AdminRelationship.Status.TERMINATED:
            message = _("The admin relationship %(name)s with %(customer)s was terminated on %(date)s.")
            date = ended.ended_at
        else:
            message = _("The admin relationship %(name)s with %(customer)s expired on %(date)s.")
            date = ended.ends_at
        raise AccessError(
            message
            % {
                "name": ended.name,
                "customer": customer.legal_name,
                "date": date_format(timezone.localtime(date), "DATETIME_FORMAT") if date else "",
            },
            code="relationship_ended",
        )
    raise AccessError(
        _("You have no active admin relationship with %(customer)s that holds the %(role)s role.")
        % {"customer": customer.legal_name, "role": label},
        code="no_relationship",
    )


def billing_reader_check(membership: Membership, customer: Organization) -> AdminRelationship:
    """The gate the billing pages use before showing a partner a customer's charges (Billing reader)."""
    return admin_role_check(membership, customer, AdminRole.BILLING_READER)


def may_act(membership: Membership, customer: Organization, role: str) -> bool:
    try:
        admin_role_check(membership, customer, role)
    except AccessError:
        return False
    return True


def partner_relationships(
    *, partner: Organization, customer: Organization | None = None
) -> QuerySet[AdminRelationship]:
    """A partner's admin relationships (with one customer, or all), newest first."""
    rows = AdminRelationship.objects.filter(partner=partner).select_related("customer", "created_by")
    if customer is not None:
        rows = rows.filter(customer=customer)
    return rows.order_by("-created_at", "-pk")


def partner_relationship_get(
    *, partner: Organization, customer: Organization, public_id: uuid.UUID | str
) -> AdminRelationship:
    """One of the partner's relationships with this customer; 404 otherwise."""
    relationship = (
        AdminRelationship.objects.filter(partner=partner, customer=customer, public_id=public_id)
        .select_related("partner", "customer", "created_by", "approved_by", "terminated_by")
        .first()
    )
    if relationship is None:
        raise Http404
    return relationship


def customer_relationships(*, customer: Organization) -> QuerySet[AdminRelationship]:
    """Every admin relationship a customer has granted or been asked for, newest first."""
    return (
        AdminRelationship.objects.filter(customer=customer)
        .select_related("partner", "approved_by", "terminated_by")
        .order_by("-created_at", "-pk")
    )


def customer_relationship_get(*, customer: Organization, public_id: uuid.UUID | str) -> AdminRelationship:
    relationship = customer_relationships(customer=customer).filter(public_id=public_id).first()
    if relationship is None:
        raise Http404
    return relationship


def assignments(*, relationship: AdminRelationship) -> list[AdminRoleAssignment]:
    return list(
        AdminRoleAssignment.objects.filter(relationship=relationship)
        .select_related("membership__user")
        .order_by("role", "partner_role", "membership__user__email")
    )


@rls.elevated("admin-relationship:actions")
def actions(*, relationship: AdminRelationship, limit: int = 50) -> list[AuditEvent]:
    """What the partner's users did through this relationship (the customer's audit rows naming it)."""
    return list(
        AuditEvent.objects.filter(organization=relationship.customer_id, data__relationship_id=relationship.pk)
        .select_related("actor")
        .order_by("-pk")[:limit]
    )


@rls.elevated("customer-users:admin-relationship")
def customer_users(*, customer: Organization) -> list[Membership]:
    """The customer's users, read across an admin relationship the caller has checked."""
    return list(Membership.objects.filter(organization=customer).select_related("user").order_by("user__email"))


@rls.elevated("customer-users:admin-relationship")
def customer_user_get(*, customer: Organization, pk: int | str) -> Membership:
    """One user of the customer, by id; 404 for anyone else."""
    member = None
    if str(pk).isascii() and str(pk).isdigit():
        member = Membership.objects.filter(organization=customer, user_id=int(pk)).select_related("user").first()
    if member is None:
        raise Http404
    return member


@rls.elevated("customer-subscriptions:admin-relationship")
def customer_subscriptions(*, customer: Organization) -> list[Subscription]:
    """The customer's subscriptions (every partner's), read across a checked admin relationship."""
    return list(
        Subscription.objects.filter(customer=customer)
        .select_related("offer", "partner")
        .order_by("-created_at", "-pk")[:200]
    )


@rls.elevated("customer-licences:admin-relationship")
def license_assignments(*, customer: Organization) -> list[LicenseAssignment]:
    return list(LicenseAssignment.objects.filter(customer=customer).select_related("subscription__offer", "user"))
