"""What every customer service needs: the error type, who may sell, and notifying a partner's admins."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from agreements.selectors import agreement_in_force_q, agreement_standing
from enrollment.models import PartnerId, ProgramEnrollment
from enrollment.selectors import selling_program
from partnerhub.accounts.models import Membership, Organization
from partnerhub.core.errors import ApplicationError
from partnerhub.core.notifications import notification_create
from partnerhub.core.outbox import outbound_email_queue
from relationships.models import PartnerRelationship


class CustomersError(ApplicationError):
    """A rule of customers, orders or subscriptions was broken."""


def require_seller(organization: Organization) -> str:
    """The service-side form of enrollment.selectors.selling_program: the program, or CustomersError."""
    program = selling_program(organization)
    if program is None:
        raise CustomersError(
            _(
                "Only active indirect providers and direct-bill partners can add customers and place orders. "
                "If you're an indirect reseller, ask your indirect provider."
            ),
            code="not_seller",
        )
    return program


def eligible_resellers(provider: Organization):
    """Resellers a provider may associate with a customer: an active partnership, an authorized
    indirect-reseller enrolment with an associated location partner ID, and the partner agreement in force
    (accepted, and any required new version accepted by its deadline)."""
    authorized = ProgramEnrollment.objects.resellers().authorized().filter(organization=OuterRef("pk"))
    located = PartnerId.objects.filter(organization=OuterRef("pk"), csp_associated=True)
    partnered = PartnerRelationship.objects.filter(
        provider=provider, reseller=OuterRef("pk"), status=PartnerRelationship.Status.ACTIVE
    )
    return (
        Organization.objects.filter(Exists(partnered), Exists(authorized), Exists(located))
        .filter(agreement_in_force_q())
        .filter(csp_region=provider.csp_region)
        .order_by("legal_name", "pk")
    )


def require_agreement_in_force(organization: Organization) -> None:
    """The seller's own partner agreement must be in force to transact (agreements.selectors is the rule)."""
    standing = agreement_standing(organization=organization)
    if not standing.in_force:
        raise CustomersError(standing.reason(own=True), code=standing.code)


def location_partner_id(organization: Organization) -> PartnerId | None:
    return PartnerId.objects.filter(organization=organization, csp_associated=True).first()


def notify_admins(organization: Organization, *, title: str, url: str, template: str = "", context=None) -> None:
    """Notify (and, with a template, email) the Global admins of an organization."""
    admins = Membership.objects.global_admins().filter(organization=organization).select_related("user")
    for membership in admins:
        if template:
            outbound_email_queue(
                to=membership.user.email,
                template=template,
                organization=organization,
                language=membership.user.language or None,
                context={"name": membership.user.first_name, "url": settings.SITE_URL + url, **(context or {})},
            )
        notification_create(user=membership.user, organization=organization, title=title, url=url)
