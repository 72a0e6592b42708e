"""Agreement versions and the partner agreement's signature."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enrollment.models import ProgramEnrollment
from enrollment.services.notify import notify_contact
from partnerhub.accounts.models import Membership, Organization, User
from partnerhub.core.context import client_ip
from partnerhub.core.services import audit_record, notification_create, outbound_email_queue

from . import selectors
from .models import AgreementAcceptance, AgreementError, AgreementType, AgreementVersion, SignatureRequest

PDF_MAGIC = b"%PDF-"


def agreement_version_create(
    *,
    type: str,
    version: str,
    language: str,
    effective_date,
    content: bytes,
    requires_reacceptance: bool = False,
    actor=None,
) -> AgreementVersion:
    """Publish a new agreement text; the PDF's SHA-256 is computed here, once."""
    if not content.startswith(PDF_MAGIC):
        raise AgreementError(_("Upload the agreement as a PDF file."), field="document")
    with transaction.atomic():
        agreement = AgreementVersion(
            type=type,
            version=version.strip(),
            language=language,
            effective_date=effective_date,
            sha256=hashlib.sha256(content).hexdigest(),
            size=len(content),
            requires_reacceptance=requires_reacceptance,
        )
        agreement.document.save(f"{type}-{version}.pdf", ContentFile(content), save=False)
        agreement.save()
        audit_record(
            code="partnerhub.agreement_version.published",
            actor=actor,
            target=agreement,
            data={"sha256": agreement.sha256},
        )
    return agreement


@dataclass(frozen=True)
class Blocker:
    """Why the partner agreement can't be signed yet, and where it is fixed."""

    key: str
    message: str
    url: str
    link_text: str


def mpa_blockers(*, organization: Organization) -> list[Blocker]:
    """What stands between the organization and signing: verification, and the partner ID association."""
    blockers = []
    qualified = ProgramEnrollment.objects.filter(
        organization=organization,
        closed_at=None,
        status__in=[ProgramEnrollment.Status.QUALIFIED, ProgramEnrollment.Status.ACTIVE],
    ).exists()
    if not qualified:
        blockers.append(
            Blocker(
                key="not_qualified",
                message=_(
                    "Your CSP enrolment must be verified (Qualified) before the partner agreement can be signed."
                ),
                url=reverse("enrollment:legal-info"),
                link_text=_("See your verification status"),
            )
        )
    if not organization.partner_ids.filter(csp_associated=True).exists():
        blockers.append(
            Blocker(
                key="no_partner_id",
                message=_(
                    "Associate a location partner ID with your CSP account before signing the partner agreement."
                ),
                url=reverse("enrollment:identifiers"),
                link_text=_("Associate partner ID"),
            )
        )
    return blockers


def _activate_enrollments(organization: Organization) -> None:
    """With the agreement accepted, verified CSP enrolments become Active."""
    ProgramEnrollment.objects.filter(
        organization=organization, closed_at=None, status=ProgramEnrollment.Status.QUALIFIED
    ).update(status=ProgramEnrollment.Status.ACTIVE)


def agreement_sign(
    *,
    organization: Organization,
    user: User,
    version: AgreementVersion,
    first_name: str,
    last_name: str,
    email: str,
    phone="",
    accepted: bool,
    user_agent: str = "",
) -> tuple[AgreementAcceptance, bool]:
    """Accept the partner agreement for the organization's CSP region. Returns (acceptance, created).

    Only a Global admin, only when verified with a partner ID associated. The organization row is
    locked and the (organization, region, version) constraint holds, so concurrent signatures end
    in one acceptance; the later ones get it back with created=False.
    """
    if version.type != AgreementType.MPA or not version.active:
        raise AgreementError(_("This isn't the current partner agreement."))
    if not accepted:
        raise AgreementError(_("Tick the box to confirm you have read and accept the agreement."), field="accepted")
    for value, field in ((first_name, "first_name"), (last_name, "last_name"), (email, "email")):
        if not str(value).strip():
            raise AgreementError(_("This field is required."), field=field)
    with transaction.atomic():
        organization = Organization.objects.select_for_update().get(pk=organization.pk)
        if not Membership.objects.global_admins().filter(organization=organization, user=user).exists():
            raise AgreementError(_("Only a Global admin can accept the partner agreement."), code="not_global_admin")
        blockers = mpa_blockers(organization=organization)
        if blockers:
            raise AgreementError(" ".join(blocker.message for blocker in blockers), code="blocked")
        existing = AgreementAcceptance.objects.filter(
            organization=organization, csp_region=organization.csp_region, version=version
        ).first()
        if existing is not None:
            return existing, False
        try:
            with transaction.atomic():
                acceptance = AgreementAcceptance.objects.create(
                    organization=organization,
                    version=version,
                    csp_region=organization.csp_region,
                    user=user,
                    first_name=first_name.strip(),
                    last_name=last_name.strip(),
                    email=email.strip().lower(),
                    phone=phone or "",
                    accepted_at=timezone.now(),
                    ip_address=client_ip.get(),
                    user_agent=(user_agent or "")[:500],
                    document_sha256=version.sha256,
                )
        except IntegrityError:  # a concurrent signature won (belt and braces: the row lock serializes)
            return AgreementAcceptance.objects.get(
                organization=organization, csp_region=organization.csp_region, version=version
            ), False
        _activate_enrollments(organization)
        audit_record(
            code="partnerhub.agreement.accepted",
            actor=user,
            organization=organization,
            target=acceptance,
            data={"version": version.version, "region": organization.csp_region, "sha256": version.sha256},
        )
        _confirm_acceptance(organization, acceptance)
    return acceptance, True


def _confirm_acceptance(organization: Organization, acceptance: AgreementAcceptance) -> None:
    """Email the signer, and the primary contact of each enrolment, that the agreement is accepted."""
    region = acceptance.get_csp_region_display()
    outbound_email_queue(
        to=acceptance.email,
        template="agreement_accepted",
        organization=organization,
        context={
            "name": acceptance.first_name,
            "organization": organization.legal_name,
            "version": str(acceptance.version),
            "region": region,
            "accepted_at": acceptance.accepted_at,
            "sha256": acceptance.document_sha256,
            "url": settings.SITE_URL + reverse("agreements:list"),
        },
    )
    for enrollment in ProgramEnrollment.objects.filter(organization=organization, closed_at=None).select_related(
        "enrolled_by", "organization"
    ):
        if enrollment.contact_email == acceptance.email:
            continue
        notify_contact(
            enrollment,
            subject=gettext_lazy("The partner agreement is accepted: you're all set up to transact"),
            paragraphs=[
                gettext_lazy("%(name)s accepted the partner agreement (%(version)s) for the %(region)s region.")
                % {"name": acceptance.signer_name, "version": str(acceptance.version), "region": region}
            ],
            action_url=settings.SITE_URL + reverse("agreements:list"),
            action_label=gettext_lazy("See your agreements"),
        )


def agreement_request_signature(*, organization: Organization, requester: User) -> SignatureRequest | None:
    """Ask the Global admins to sign (email and notification); None when already asked in the last day."""
    with transaction.atomic():
        Organization.objects.select_for_update().get(pk=organization.pk)
        since = timezone.now() - timedelta(days=1)
        if SignatureRequest.objects.filter(organization=organization, created_at__gte=since).exists():
            return None
        request = SignatureRequest.objects.create(organization=organization, requested_by=requester)
        url = settings.SITE_URL + reverse("agreements:list")
        for membership in selectors.global_admins(organization=organization):
            outbound_email_queue(
                to=membership.user.email,
                template="agreement_signature_requested",
                organization=organization,
                language=membership.user.language or None,
                context={
                    "name": membership.user.first_name,
                    "requester": requester.get_full_name(),
                    "organization": organization.legal_name,
                    "url": url,
                },
            )
            notification_create(
                user=membership.user,
                organization=organization,
                title=_("%(name)s asks you to accept the partner agreement") % {"name": requester.get_full_name()},
                url=reverse("agreements:list"),
            )
        audit_record(
            code="partnerhub.agreement.signature_requested", actor=requester, organization=organization, target=request
        )
    return request
