"""Customer relationships: the rows a sale or an accepted invitation creates, the partner ending one, and
the customer removing a partner's admin roles."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enrollment.models import Program
from partnerhub.accounts.models import Organization, User
from partnerhub.accounts.rules import require_global_admin
from partnerhub.core.audit import audit_record

from ..models import CustomerRelationship, Subscription
from ..selectors import has_active_subscriptions
from .common import CustomersError, require_seller


def _relate(
    *,
    partner: Organization,
    customer: Organization,
    kind: str,
    reseller: Organization | None = None,
    delegated_admin: bool = True,
) -> CustomerRelationship:
    """Create the active relationship, or update the existing one (a second invitation, say)."""
    relationship = (
        CustomerRelationship.objects.select_for_update()
        .filter(partner=partner, customer=customer, status=CustomerRelationship.Status.ACTIVE)
        .first()
    )
    if relationship is None:
        return CustomerRelationship.objects.create(
            partner=partner,
            customer=customer,
            kind=kind,
            reseller=reseller,
            customer_name=customer.legal_name,
            customer_domain=customer.primary_domain,
            delegated_admin=delegated_admin,
        )
    relationship.delegated_admin = relationship.delegated_admin or delegated_admin
    relationship.reseller = relationship.reseller or reseller
    relationship.save(update_fields=["delegated_admin", "reseller"])
    return relationship


def relate_through(
    *,
    partner: Organization,
    customer: Organization,
    reseller: Organization | None = None,
    delegated_admin: bool = True,
) -> list[CustomerRelationship]:
    """The relationships a sale or an accepted invitation creates: the seller's row (naming the reseller)
    and, for an indirect sale, the reseller's own row."""
    program = require_seller(partner)
    kind = CustomerRelationship.Kind.INDIRECT_PROVIDER if program == Program.INDIRECT_PROVIDER else "direct"
    rows = [_relate(partner=partner, customer=customer, kind=kind, reseller=reseller, delegated_admin=delegated_admin)]
    if reseller is not None:
        rows.append(
            _relate(
                partner=reseller,
                customer=customer,
                kind=CustomerRelationship.Kind.INDIRECT_RESELLER,
                delegated_admin=delegated_admin,
            )
        )
    return rows


def customer_relationship_remove(*, relationship: CustomerRelationship, actor: User) -> CustomerRelationship:
    """ "Remove reseller relationship": only a Global admin, only without active subscriptions. The partner
    leaves the customer's support contacts and loses delegated admin access."""
    require_global_admin(
        actor,
        relationship.partner,
        CustomersError(_("Only a Global admin can remove a customer relationship."), code="not_global_admin"),
    )
    with transaction.atomic():
        relationship = CustomerRelationship.objects.select_for_update().get(pk=relationship.pk)
        if relationship.status != CustomerRelationship.Status.ACTIVE:
            raise CustomersError(_("This customer relationship was already removed."), code="gone")
        if has_active_subscriptions(relationship=relationship):
            raise CustomersError(
                _("Suspend or cancel the customer's active subscriptions before removing the relationship."),
                code="active_subscriptions",
            )
        now = timezone.now()
        relationship.move_to(CustomerRelationship.Status.REMOVED)
        relationship.removed_at = now
        relationship.delegated_admin = False
        relationship.save(update_fields=["status", "removed_at", "delegated_admin"])
        for subscription in Subscription.objects.select_for_update().filter(
            customer=relationship.customer_id, support_contact=relationship.partner_id
        ):
            subscription.support_contact_id = subscription.partner_id
            subscription.updated_at = now
            subscription.save(update_fields=["support_contact", "updated_at"])
        audit_record(
            code="partnerhub.customer_relationship.removed",
            actor=actor,
            organization=relationship.partner,
            target=relationship,
        )
    return relationship
