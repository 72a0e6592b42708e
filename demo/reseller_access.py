"""The provider's admin access to its reseller's account, used once in the demo: Megan (Contoso Distribution)
reset the password of Fabrikam's Sales agent, so Fabrikam's Partners → Indirect providers → Contoso page has
a Provider access entry to show (and Contoso's Reseller account page a non-admin user)."""

from __future__ import annotations

from partnerhub.accounts.models import Membership, Organization, Role, User
from partnerhub.core.models import AuditEvent
from relationships.admin_access import PASSWORD_RESET
from relationships.models import PartnerRelationship
from relationships.services import reseller_account

SALES_AGENT = ("diego.siciliani@fabrikam-solutions.example", "Diego", "Siciliani")


def seed_reseller_access(password: str) -> None:
    """Add Fabrikam's Sales agent and let Contoso's Global admin reset their password (once: safe to re-run)."""
    relationship = (
        PartnerRelationship.objects.filter(
            provider__primary_domain="contoso-distribution.example",
            reseller__primary_domain="fabrikam-solutions.example",
            status=PartnerRelationship.Status.ACTIVE,
            admin_access=True,
        )
        .select_related("provider", "reseller")
        .first()
    )
    if relationship is None:
        return
    email, first, last = SALES_AGENT
    agent = User.objects.filter(email=email).first()
    if agent is None:
        agent = User.objects.create_user(email=email, password=password, first_name=first, last_name=last)
    reseller: Organization = relationship.reseller
    Membership.objects.get_or_create(organization=reseller, user=agent, defaults={"roles": [Role.SALES_AGENT]})
    if AuditEvent.objects.filter(organization=reseller, code=PASSWORD_RESET).exists():
        return
    megan = Membership.objects.global_admins().filter(organization=relationship.provider).select_related("user")
    membership = megan.order_by("created_at").first()
    if membership is None:
        return
    reseller_account.reseller_account_open(relationship=relationship, membership=membership)
    reseller_account.reseller_user_password_reset(relationship=relationship, membership=membership, user=agent)
