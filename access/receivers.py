"""The default admin relationship, created where the customers app grants admin access: when a customer
accepts an invitation with delegated admin, and when a partner creates a customer (Partner Center's default
GDAP). The customers app can't import this one, so the grant follows its audit rows, in its transaction."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from customers.models import CustomerInvitation, CustomerRelationship
from partnerhub.accounts.models import Organization
from partnerhub.core import rls
from partnerhub.core.audit import audit_recorded

from .services.relationships import admin_relationship_default_create


def _grant(customer: Organization, partners: list[int], approved_by) -> None:
    rows = CustomerRelationship.objects.filter(
        customer=customer, partner__in=partners, status=CustomerRelationship.Status.ACTIVE
    ).select_related("partner")
    for row in rows:
        admin_relationship_default_create(partner=row.partner, customer=customer, approved_by=approved_by)


@receiver(audit_recorded, dispatch_uid="access.receivers.default_admin_relationship")
def default_admin_relationship(sender, event, target: Any = None, **kwargs) -> None:
    """Accepting an invitation with delegated admin approves the default relationship for its partner(s);
    a customer created by a partner gets it at creation (for the partner and the reseller it names)."""
    if event.code == "partnerhub.customer_invitation.accepted" and isinstance(target, CustomerInvitation):
        if not target.delegated_admin or event.organization_id is None:
            return
        with rls.elevated("admin-relationship:default"):
            partners = [pk for pk in (target.partner_id, target.reseller_id) if pk]
            _grant(Organization.objects.get(pk=event.organization_id), partners, event.actor)
    elif event.code == "partnerhub.customer.created" and isinstance(target, Organization):
        if event.organization_id is None or event.organization_id == target.pk:
            return  # the customer's own row (a sign-up from a link: the invitation grants, above)
        with rls.elevated("admin-relationship:default"):
            partners = [event.organization_id]
            partners += list(
                CustomerRelationship.objects.filter(
                    customer=target, partner=event.organization_id, status=CustomerRelationship.Status.ACTIVE
                )
                .exclude(reseller=None)
                .values_list("reseller_id", flat=True)
            )
            _grant(target, partners, None)


@receiver(audit_recorded, dispatch_uid="access.receivers.relationship_removed")
def relationship_removed(sender, event, target: Any = None, **kwargs) -> None:
    """A partner that removes its customer relationship loses its admin relationships with that customer."""
    if event.code != "partnerhub.customer_relationship.removed" or not isinstance(target, CustomerRelationship):
        return
    with rls.elevated("admin-relationship:relationship-removed"):
        from django.db import transaction

        from .models import AdminRelationship
        from .services.relationships import _terminate_locked

        with transaction.atomic():
            rows = (
                AdminRelationship.objects.select_for_update(of=("self",))
                .select_related("partner", "customer")
                .filter(partner=target.partner_id, customer=target.customer_id, status__in=AdminRelationship.LIVE)
            )
            for relationship in rows:
                _terminate_locked(relationship, event.actor, "partner")
