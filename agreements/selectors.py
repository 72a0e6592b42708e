"""Reads of agreements, including the partner agreement status lookup providers rely on."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from enrollment.models import PartnerId, Program, ProgramEnrollment
from partnerhub.accounts.models import Membership, Organization
from partnerhub.core import rls
from partnerhub.core.regions import CspRegion
from partnerhub.core.scoping import scoped

from .models import AgreementAcceptance, AgreementType, AgreementVersion


def current_version(*, type: str = AgreementType.MPA) -> AgreementVersion | None:
    """The agreement text in force: the active version with the latest effective date."""
    return AgreementVersion.objects.filter(type=type, active=True).order_by("-effective_date", "-pk").first()


def version_get(*, pk: int) -> AgreementVersion:
    return get_object_or_404(AgreementVersion, pk=pk, active=True)


def acceptance_latest(*, organization: Organization, region: str | None = None) -> AgreementAcceptance | None:
    """The organization's latest partner-agreement acceptance for its (or the given) CSP region."""
    return (
        AgreementAcceptance.objects.filter(organization=organization, csp_region=region or organization.csp_region)
        .select_related("version", "user")
        .order_by("-accepted_at", "-pk")
        .first()
    )


def acceptance_list(*, organization: Organization) -> QuerySet[AgreementAcceptance]:
    return (
        scoped(AgreementAcceptance.objects, organization=organization)
        .select_related("version")
        .order_by("-accepted_at")
    )


def acceptance_get(*, organization: Organization, pk: int) -> AgreementAcceptance:
    return get_object_or_404(
        scoped(AgreementAcceptance.objects.select_related("version"), organization=organization), pk=pk
    )


def global_admins(*, organization: Organization) -> QuerySet[Membership]:
    return (
        Membership.objects.global_admins()
        .filter(organization=organization)
        .select_related("user")
        .order_by("user__email")
    )


def reacceptance_pending(
    *, organization: Organization, latest: AgreementAcceptance | None = None
) -> AgreementVersion | None:
    """A newer partner agreement that requires re-acceptance, if the organization accepted an older one
    (`latest`: its latest acceptance, when the caller has already read it)."""
    latest = latest if latest is not None else acceptance_latest(organization=organization)
    current = current_version()
    if latest is None or current is None or latest.version_id == current.pk:
        return None
    return current if current.requires_reacceptance else None


@dataclass(frozen=True)
class AgreementStatus:
    """The answer of the status lookup; `code` follows Partner Center's agreementstatus errors."""

    ok: bool
    code: str
    message: str
    number: int | None = None
    organization: str = ""
    country: str = ""
    region: str = ""
    program_status: str = ""
    agreement_accepted: bool = False


@rls.elevated("partner-id-registry")  # the partner ID registry is global: answer one narrow question
def agreement_status_lookup(*, number: str, provider_region: str | None = None) -> AgreementStatus:
    """Is this partner ID a location of an enrolled indirect reseller that accepted the partner agreement
    for its CSP region (and, for a provider, in the provider's region)? With the precise reason if not.

    Codes: 2000 malformed, 2200 unknown, 2202 global rather than location, 2204 not an indirect reseller,
    800039 not authorized, 2203 agreement not signed, 2201 region mismatch.
    """
    text = str(number).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 12:  # '²'.isdigit(), but int('²') fails
        return AgreementStatus(False, "2000", _("A partner ID is a number, such as 6100123."))
    partner_id = PartnerId.objects.select_related("organization").filter(number=int(text)).first()
    if partner_id is None:
        return AgreementStatus(
            False, "2200", _("Partner ID %(number)s is either invalid or does not exist.") % {"number": text}
        )
    organization = partner_id.organization
    base = {
        "number": partner_id.number,
        "organization": organization.legal_name,
        "country": str(organization.country.name),
        "region": str(CspRegion(organization.csp_region).label),
    }
    if partner_id.kind != PartnerId.Kind.LOCATION:
        return AgreementStatus(
            False,
            "2202",
            _(
                "%(number)s is a global partner ID. Ask the reseller for the location partner ID "
                "associated with its CSP account."
            )
            % {"number": text},
            **base,
        )
    enrollment = (
        ProgramEnrollment.objects.filter(
            organization=organization, program=Program.INDIRECT_RESELLER, closed_at=None
        ).first()
        if partner_id.csp_associated
        else None
    )
    if enrollment is None:
        return AgreementStatus(
            False,
            "2204",
            _(
                "Partner ID %(number)s is not associated with any CSP indirect reseller account. Ask the reseller "
                "to enrol as an indirect reseller and associate this partner ID."
            )
            % {"number": text},
            **base,
        )
    base["program_status"] = enrollment.get_status_display()
    if enrollment.status not in (ProgramEnrollment.Status.QUALIFIED, ProgramEnrollment.Status.ACTIVE):
        return AgreementStatus(
            False,
            "800039",
            _("The reseller's program status isn't active (%(status)s).") % {"status": enrollment.get_status_display()},
            **base,
        )
    accepted = acceptance_latest(organization=organization) is not None
    if not accepted:
        return AgreementStatus(
            False,
            "2203",
            _(
                "Partner ID %(number)s has not accepted the partner agreement for its CSP region. "
                "Ask the reseller to accept it to continue."
            )
            % {"number": text},
            **base,
        )
    base["agreement_accepted"] = True
    if provider_region and provider_region != organization.csp_region:
        return AgreementStatus(
            False,
            "2201",
            _("The CSP region of partner ID %(number)s is %(theirs)s and doesn't match your CSP region, %(ours)s.")
            % {"number": text, "theirs": base["region"], "ours": CspRegion(provider_region).label},
            **base,
        )
    return AgreementStatus(
        True, "", _("Partner ID %(number)s may be used: the agreement is accepted.") % {"number": text}, **base
    )
