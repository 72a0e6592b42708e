"""Admin relationships of the demo (access/): Contoso's default one with Woodgrove (from the wizard, active,
assigned to its Global admins and Admin agents), a helpdesk relationship assigned to Megan by name, and a
licensing one that ends within 30 days (expiring), so that each page has something to show. Idempotent."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from access import services
from access.models import AdminRelationship
from customers.models import Customer
from partnerhub.accounts.models import Membership, Organization, User


def _active(*, partner, customer, megan, admin, name, roles, days, ends_in=None) -> AdminRelationship:
    relationship = AdminRelationship.objects.live().filter(partner=partner, name=name).first()
    if relationship is not None:
        return relationship
    relationship = services.admin_relationship_request(
        partner=partner, customer=customer, actor=megan, name=name, roles=roles, duration_days=days
    )
    relationship = services.admin_relationship_approve(relationship=relationship, actor=admin)
    membership = Membership.objects.get(organization=partner, user=megan)
    services.admin_relationship_assignments_set(
        relationship=relationship, actor=megan, by_role={}, by_member={role: [membership.pk] for role in roles}
    )
    if ends_in is not None:  # approved long ago: it ends soon (the sweep marks it expiring and reminds both sides)
        ends_at = timezone.now() + ends_in
        AdminRelationship.objects.filter(pk=relationship.pk).update(
            approved_at=ends_at - timedelta(days=days), ends_at=ends_at
        )
    return relationship


def seed_admin_relationships() -> None:
    profile = Customer.objects.filter(domain__startswith="woodgrovefoods.").select_related("organization").first()
    if profile is None:
        return
    customer = profile.organization
    partner = Organization.objects.get(primary_domain="contoso-distribution.example")
    megan = User.objects.get(email="megan.bowen@contoso-distribution.example")
    admin = User.objects.get(email=f"admin@{profile.domain}")
    services.admin_relationship_default_create(partner=partner, customer=customer, approved_by=admin)
    _active(
        partner=partner,
        customer=customer,
        megan=megan,
        admin=admin,
        name="Helpdesk",
        roles=["global_reader", "helpdesk_administrator"],
        days=365,
    )
    _active(
        partner=partner,
        customer=customer,
        megan=megan,
        admin=admin,
        name="Licensing",
        roles=["license_administrator", "billing_reader"],
        days=180,
        ends_in=timedelta(days=20),
    )
    services.sweep_admin_relationships()
