"""Provider ↔ reseller partnerships: a reseller accepts a partnership invitation (authorizes the provider),
either side removes the partnership, and the reseller removes the provider's admin access."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from enrollment.selectors import authorized_reseller_enrollment
from partnerhub.accounts.models import Membership, Organization, User
from partnerhub.accounts.rules import is_global_admin_of, require_global_admin
from partnerhub.core.audit import audit_record
from partnerhub.core.notifications import notification_create
from partnerhub.core.outbox import outbound_email_queue
from partnerhub.core.regions import CspRegion

from ..models import PartnerRelationship, PartnershipInvitation
from .common import RelationshipsError

# --- accepting ------------------------------------------------------------------------------------------


class PartnershipRefused(RelationshipsError):
    """Why this reseller can't authorize this provider; `context` feeds the refusal page."""

    def __init__(self, message: str, *, code: str, **context: object) -> None:
        super().__init__(message, code=code)
        self.context = context


def check_acceptance(*, invitation: PartnershipInvitation, reseller: Organization, user: User) -> None:
    """Every reason a reseller may not authorize this provider, as PartnershipRefused (nothing written)."""
    provider = invitation.provider
    if not invitation.is_usable:
        raise PartnershipRefused(_("This partnership link is no longer valid."), code="gone")
    if not is_global_admin_of(user, reseller):
        admins = Membership.objects.global_admins().filter(organization=reseller).select_related("user")
        raise PartnershipRefused(
            _("Only a Global admin of %(organization)s can authorize an indirect provider.")
            % {"organization": reseller.legal_name},
            code="not_global_admin",
            global_admins=[m.user for m in admins],
        )
    if reseller.pk == provider.pk:
        raise PartnershipRefused(_("A provider can't partner with itself."), code="self")
    if authorized_reseller_enrollment(reseller) is None:
        raise PartnershipRefused(
            _("%(organization)s needs an authorized indirect-reseller enrolment before it can authorize a provider.")
            % {"organization": reseller.legal_name},
            code="not_reseller",
        )
    if reseller.csp_region != provider.csp_region:
        raise PartnershipRefused(
            _(
                "%(provider)s is in the %(theirs)s CSP region and %(reseller)s in %(ours)s: partners must be in the "
                "same CSP region."
            )
            % {
                "provider": provider.legal_name,
                "theirs": CspRegion(provider.csp_region).label,
                "reseller": reseller.legal_name,
                "ours": CspRegion(reseller.csp_region).label,
            },
            code="region_mismatch",
        )
    existing = PartnerRelationship.objects.filter(
        provider=provider, reseller=reseller, status=PartnerRelationship.Status.ACTIVE
    ).first()
    if existing is not None:
        raise PartnershipRefused(
            _("%(reseller)s and %(provider)s are already partners (since %(date)s).")
            % {
                "reseller": reseller.legal_name,
                "provider": provider.legal_name,
                "date": date_format(existing.created_at),
            },
            code="already_partners",
            relationship=existing,
        )


def partnership_accept(*, invitation: PartnershipInvitation, reseller: Organization, user: User) -> PartnerRelationship:
    """ "Authorize indirect provider": the link is claimed and the partnership created in one transaction.

    The provider and reseller rows are locked (in id order, so two accepts can't deadlock), the
    invitation is claimed with a conditional UPDATE, and the (provider, reseller) partial unique
    constraint backs it all: however many clicks race, one partnership results.
    """
    with transaction.atomic():
        for organization in sorted([invitation.provider, reseller], key=lambda org: org.pk):
            Organization.objects.select_for_update().get(pk=organization.pk)
        invitation = PartnershipInvitation.objects.select_related("provider").get(pk=invitation.pk)
        check_acceptance(invitation=invitation, reseller=reseller, user=user)
        now = timezone.now()
        claimed = PartnershipInvitation.objects.claim(invitation, user=user, now=now, reseller=reseller)
        if not claimed:
            raise PartnershipRefused(_("This partnership link is no longer valid."), code="gone")
        try:
            with transaction.atomic():
                relationship = PartnerRelationship.objects.create(
                    provider=invitation.provider,
                    reseller=reseller,
                    invitation=invitation,
                    created_by=user,
                    created_at=now,
                )
        except IntegrityError:
            raise PartnershipRefused(
                _("These two organizations are already partners."), code="already_partners"
            ) from None
        audit_record(code="partnerhub.partnership.created", actor=user, organization=reseller, target=relationship)
        audit_record(
            code="partnerhub.partnership.created", actor=user, organization=invitation.provider, target=relationship
        )
        _notify_both(
            relationship,
            template="partnership_created",
            title=_("%(reseller)s authorized %(provider)s as its indirect provider")
            % {"reseller": reseller.legal_name, "provider": invitation.provider.legal_name},
        )
    return relationship


# --- removing ---------------------------------------------------------------------------------------------


def _notify_both(relationship: PartnerRelationship, *, template: str, title: str) -> None:
    """Email and notify the Global admins of both sides."""
    admins = (
        Membership.objects.global_admins()
        .filter(organization__in=[relationship.provider_id, relationship.reseller_id])
        .select_related("user", "organization")
    )
    for membership in admins:
        side_url = reverse(
            "relationships:reseller-list"
            if membership.organization_id == relationship.provider_id
            else "relationships:provider-list"
        )
        outbound_email_queue(
            to=membership.user.email,
            template=template,
            organization=membership.organization,
            language=membership.user.language or None,
            context={
                "name": membership.user.first_name,
                "provider": relationship.provider.legal_name,
                "reseller": relationship.reseller.legal_name,
                "url": settings.SITE_URL + side_url,
            },
        )
        notification_create(user=membership.user, organization=membership.organization, title=title, url=side_url)


def _not_global_admin() -> RelationshipsError:
    return RelationshipsError(_("Only a Global admin can do this."), code="not_global_admin")


def _lock_active(relationship: PartnerRelationship) -> PartnerRelationship:
    relationship = (
        PartnerRelationship.objects.select_for_update().select_related("provider", "reseller").get(pk=relationship.pk)
    )
    if relationship.status != PartnerRelationship.Status.ACTIVE:
        raise RelationshipsError(_("This partnership was already removed."), code="removed")
    return relationship


def partnership_remove(
    *, relationship: PartnerRelationship, actor: User, acting_organization: Organization
) -> PartnerRelationship:
    """Either side ends the partnership. Customers and their delegated access stay; customers aren't told."""
    with transaction.atomic():
        relationship = _lock_active(relationship)
        if acting_organization.pk not in (relationship.provider_id, relationship.reseller_id):
            raise RelationshipsError(_("This partnership isn't yours."), code="not_yours")
        require_global_admin(actor, acting_organization, _not_global_admin())
        relationship.move_to(PartnerRelationship.Status.REMOVED)
        relationship.removed_at = timezone.now()
        relationship.removed_by = actor
        relationship.save(update_fields=["status", "removed_at", "removed_by"])
        for organization in (relationship.provider, relationship.reseller):
            audit_record(
                code="partnerhub.partnership.removed",
                actor=actor,
                organization=organization,
                target=relationship,
                data={"by": acting_organization.legal_name},
            )
        _notify_both(
            relationship,
            template="partnership_removed",
            title=_("The partnership between %(provider)s and %(reseller)s was removed")
            % {"provider": relationship.provider.legal_name, "reseller": relationship.reseller.legal_name},
        )
    return relationship


def partnership_remove_admin_access(
    *, relationship: PartnerRelationship, actor: User, reseller: Organization
) -> PartnerRelationship:
    """The reseller withdraws the provider's admin access to its account; the partnership stays."""
    with transaction.atomic():
        relationship = _lock_active(relationship)
        if relationship.reseller_id != reseller.pk:
            raise RelationshipsError(_("Only the reseller can remove the provider's admin access."), code="not_yours")
        require_global_admin(actor, reseller, _not_global_admin())
        if not relationship.admin_access:
            return relationship
        relationship.admin_access = False
        relationship.admin_access_removed_at = timezone.now()
        relationship.save(update_fields=["admin_access", "admin_access_removed_at"])
        for organization in (relationship.provider, relationship.reseller):
            audit_record(
                code="partnerhub.partnership.admin_access_removed",
                actor=actor,
                organization=organization,
                target=relationship,
            )
        _notify_both(
            relationship,
            template="partnership_admin_access_removed",
            title=_("%(reseller)s removed the admin access of %(provider)s")
            % {"reseller": relationship.reseller.legal_name, "provider": relationship.provider.legal_name},
        )
    return relationship
