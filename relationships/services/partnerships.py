"""Provider ↔ reseller partnerships: a reseller accepts a partnership invitation (authorizes the provider),
either side removes the partnership, and the reseller removes the provider's admin access."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from enrollment.selectors import authorized_reseller_enrollment
from partnerhub.accounts.models import Membership, Organization, User
from partnerhub.accounts.rules import is_global_admin_of, require_global_admin
from partnerhub.core.ledgers import AuditEntry, EmailEntry, NotificationEntry, ledgers_write
from partnerhub.core.regions import CspRegion

from ..models import ONE_ACTIVE_PER_PAIR, PartnerRelationship, PartnershipInvitation
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

    The provider and reseller rows are locked (in one statement, in id order, so two accepts can't
    deadlock), every refusal is checked again under those locks, the invitation is claimed with a
    conditional UPDATE (which also records the link's first view), and the (provider, reseller) partial
    unique constraint backs it all: however many clicks race, one partnership results. The locked rows are
    the fresh provider and reseller; the claim, not a re-read, decides whether the link is still usable.
    Both sides' audit events, emails and notifications are written together (core.ledgers).
    """
    try:
        with transaction.atomic():
            provider, reseller = _lock_pair(invitation.provider_id, reseller.pk)
            invitation.provider = provider
            check_acceptance(invitation=invitation, reseller=reseller, user=user)
            now = timezone.now()
            claimed = PartnershipInvitation.objects.claim(
                invitation, user=user, now=now, reseller=reseller, opened_at=Coalesce("opened_at", Value(now))
            )
            if not claimed:
                raise PartnershipRefused(_("This partnership link is no longer valid."), code="gone")
            relationship = PartnerRelationship.objects.create(
                provider=provider, reseller=reseller, invitation=invitation, created_by=user, created_at=now
            )
            emails, notifications = _both_sides(
                relationship,
                template="partnership_created",
                title=_("%(reseller)s authorized %(provider)s as its indirect provider")
                % {"reseller": reseller.legal_name, "provider": provider.legal_name},
            )
            ledgers_write(
                audit=[
                    AuditEntry(
                        code="partnerhub.partnership.created", actor=user, organization=side, target=relationship
                    )
                    for side in (reseller, provider)
                ],
                emails=emails,
                notifications=notifications,
            )
    except IntegrityError as exc:
        # a partnership made by a path that doesn't take these locks; the savepoint above is rolled back
        if getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None) != ONE_ACTIVE_PER_PAIR:
            raise
        raise PartnershipRefused(_("These two organizations are already partners."), code="already_partners") from None
    return relationship


def _lock_pair(provider_id: int, reseller_id: int) -> tuple[Organization, Organization]:
    """Lock both organizations in one statement: PostgreSQL locks the rows in the ORDER BY's order (id), as
    every accept does, so two accepts naming the same pair wait for each other instead of deadlocking."""
    rows = {
        org.pk: org
        for org in Organization.objects.select_for_update().filter(pk__in=[provider_id, reseller_id]).order_by("pk")
    }
    return rows[provider_id], rows[reseller_id]


# --- removing ---------------------------------------------------------------------------------------------


def _both_sides(
    relationship: PartnerRelationship, *, template: str, title: str
) -> tuple[list[EmailEntry], list[NotificationEntry]]:
    """The email and the notification of each Global admin of both sides, for `ledgers_write`."""
    admins = (
        Membership.objects.global_admins()
        .filter(organization__in=[relationship.provider_id, relationship.reseller_id])
        .select_related("user", "organization")
    )
    emails: list[EmailEntry] = []
    notifications: list[NotificationEntry] = []
    for membership in admins:
        side_url = reverse(
            "relationships:reseller-list"
            if membership.organization_id == relationship.provider_id
            else "relationships:provider-list"
        )
        emails.append(
            EmailEntry(
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
        )
        notifications.append(
            NotificationEntry(user=membership.user, organization=membership.organization, title=title, url=side_url)
        )
    return emails, notifications


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
        emails, notifications = _both_sides(
            relationship,
            template="partnership_removed",
            title=_("The partnership between %(provider)s and %(reseller)s was removed")
            % {"provider": relationship.provider.legal_name, "reseller": relationship.reseller.legal_name},
        )
        ledgers_write(
            audit=[
                AuditEntry(
                    code="partnerhub.partnership.removed",
                    actor=actor,
                    organization=organization,
                    target=relationship,
                    data={"by": acting_organization.legal_name},
                )
                for organization in (relationship.provider, relationship.reseller)
            ],
            emails=emails,
            notifications=notifications,
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
        emails, notifications = _both_sides(
            relationship,
            template="partnership_admin_access_removed",
            title=_("%(reseller)s removed the admin access of %(provider)s")
            % {"reseller": relationship.reseller.legal_name, "provider": relationship.provider.legal_name},
        )
        ledgers_write(
            audit=[
                AuditEntry(
                    code="partnerhub.partnership.admin_access_removed",
                    actor=actor,
                    organization=organization,
                    target=relationship,
                )
                for organization in (relationship.provider, relationship.reseller)
            ],
            emails=emails,
            notifications=notifications,
        )
    return relationship
