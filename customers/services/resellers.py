"""Associating a reseller with a customer (an indirect provider's sale): which resellers a provider may
name, the check of the wizard's Reseller step, and the reseller's location partner ID."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from agreements.selectors import VERSION_OVERDUE, agreement_in_force_q, agreement_standing
from enrollment.models import PartnerId, Program, ProgramEnrollment
from partnerhub.accounts.models import Organization
from relationships.models import PartnerRelationship

from .common import CustomersError, require_seller


def eligible_resellers(provider: Organization) -> QuerySet[Organization]:
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


def _unavailable() -> CustomersError:
    return CustomersError(
        _("This reseller isn't available to you: choose one of the resellers listed."), field="reseller"
    )


def reseller_named(pk: int) -> Organization:
    """The reseller a seller names by its id (the API's `reseller`), to be checked by `check_reseller`; an
    organization the seller can't see is refused as any unavailable reseller is, without a word about it."""
    reseller = Organization.objects.filter(pk=pk, kind=Organization.Kind.PARTNER).first()
    if reseller is None:
        raise _unavailable()
    return reseller


def check_reseller(partner: Organization, reseller: Organization | None) -> None:
    if reseller is None:
        return
    if require_seller(partner) != Program.INDIRECT_PROVIDER:
        raise CustomersError(_("Only indirect providers associate customers with a reseller."), field="reseller")
    if not eligible_resellers(partner).filter(pk=reseller.pk).exists():
        # Named only to a provider it has (or had) a partnership with: anyone else learns nothing of it.
        known = PartnerRelationship.objects.filter(provider=partner, reseller=reseller).exists()
        if not known:
            raise _unavailable()
        standing = agreement_standing(organization=reseller)
        if standing.code == VERSION_OVERDUE:  # the precise reason, as the status lookup and the order form say
            raise CustomersError(standing.reason(), field="reseller", code=standing.code)
        raise CustomersError(
            _(
                "%(reseller)s can't be associated: it needs an active partnership with you, an authorized "
                "enrolment and the partner agreement accepted."
            )
            % {"reseller": reseller.legal_name},
            field="reseller",
        )


def location_partner_id(organization: Organization) -> PartnerId | None:
    return PartnerId.objects.filter(organization=organization, csp_associated=True).first()
