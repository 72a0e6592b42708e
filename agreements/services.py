"""Agreement versions and the partner agreement's signature."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enrollment.models import ProgramEnrollment
from enrollment.selectors import is_authorized
from enrollment.services.notify import notify_contact
from partnerhub.accounts.models import Organization, User
from partnerhub.accounts.rules import require_global_admin
from partnerhub.core.audit import audit_record
from partnerhub.core.context import client_ip
from partnerhub.core.documents import PDF, DocumentRefused, parse_document
from partnerhub.core.notifications import notification_create
from partnerhub.core.outbox import outbound_email_queue

from . import selectors
from .models import AgreementAcceptance, AgreementError, AgreementType, AgreementVersion, SignatureRequest


def agreement_version_create(
    *,
    type: str,
    version: str,
    language: str,
    effective_date: date,
    content: bytes,
    requires_reacceptance: bool = False,
    acceptance_deadline: datetime | None = None,
    actor: User | None = None,
) -> AgreementVersion:
    """Publish a new agreement text; the PDF's SHA-256 is computed here, once."""
    try:
        parse_document(content, accepted=(PDF,))  # opens in pypdf with at least one page, not just "%PDF-"
    except DocumentRefused as exc:
        raise AgreementError(exc.message, code=exc.code, field="document") from None
    _check_deadline(requires_reacceptance, acceptance_deadline)
    with transaction.atomic():
        agreement = AgreementVersion(
            type=type,
            version=version.strip(),
            language=language,
            effective_date=effective_date,
            sha256=hashlib.sha256(content).hexdigest(),
            size=len(content),
            requires_reacceptance=requires_reacceptance,
            acceptance_deadline=acceptance_deadline if requires_reacceptance else None,
            remind_at=_remind_at(acceptance_deadline) if requires_reacceptance else None,
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


def _check_deadline(requires_reacceptance: bool, acceptance_deadline: datetime | None) -> None:
    if requires_reacceptance and acceptance_deadline is None:
        raise AgreementError(
            _("Set the date by which organizations must accept this version."), field="acceptance_deadline"
        )
    if requires_reacceptance and acceptance_deadline is not None and acceptance_deadline <= timezone.now():
        raise AgreementError(_("The acceptance deadline must be in the future."), field="acceptance_deadline")


def _remind_at(deadline: datetime | None) -> datetime | None:
    """When the Global admins are reminded: AGREEMENT_REMINDER_DAYS before the deadline, or now if nearer."""
    if deadline is None:
        return None
    return max(deadline - timedelta(days=settings.AGREEMENT_REMINDER_DAYS), timezone.now())


def agreement_version_update(
    *,
    version: AgreementVersion,
    active: bool,
    requires_reacceptance: bool,
    acceptance_deadline: datetime | None,
    actor: User | None = None,
) -> AgreementVersion:
    """Staff change a published version's flags and its acceptance deadline (admin). A new deadline
    re-arms the reminder, which then names the new date; the text and its hash never change."""
    with transaction.atomic():
        version = AgreementVersion.objects.select_for_update().get(pk=version.pk)
        deadline = acceptance_deadline if requires_reacceptance else None
        if deadline != version.acceptance_deadline:
            _check_deadline(requires_reacceptance, deadline)
            version.remind_at, version.reminded_at = _remind_at(deadline), None
        elif requires_reacceptance and deadline is None:
            _check_deadline(requires_reacceptance, deadline)
        version.active, version.requires_reacceptance, version.acceptance_deadline = (
            active,
            requires_reacceptance,
            deadline,
        )
        version.save(
            update_fields=["active", "requires_reacceptance", "acceptance_deadline", "remind_at", "reminded_at"]
        )
        audit_record(
            code="partnerhub.agreement_version.updated",
            actor=actor,
            target=version,
            data={
                "active": active,
                "requires_reacceptance": requires_reacceptance,
                "acceptance_deadline": deadline.isoformat() if deadline else None,
            },
        )
    return version


def organizations_to_remind(*, version: AgreementVersion) -> QuerySet[Organization]:
    """Organizations that accepted an earlier partner agreement for their region, and not this version."""
    accepted = AgreementAcceptance.objects.filter(organization=OuterRef("pk"), csp_region=OuterRef("csp_region"))
    return Organization.objects.filter(Exists(accepted), ~Exists(accepted.filter(version=version))).order_by("pk")


def sweep_agreement_reminders() -> list[int]:
    """Remind the Global admins of every organization still on an earlier partner agreement that the
    current version must be accepted by its deadline (beat, agreements.tasks).

    `remind_at` is the deadline column, `reminded_at` the claim: each version is taken under a row lock
    (SKIP LOCKED) and marked in the transaction that queues its emails and notifications, so two sweeps
    racing remind once and a second run finds nothing. Returns the ids of the versions reminded about."""
    now = timezone.now()
    due = Q(
        type=AgreementType.MPA,
        active=True,
        requires_reacceptance=True,
        reminded_at=None,
        remind_at__lte=now,
        acceptance_deadline__gt=now,
    )
    done: list[int] = []
    for pk in AgreementVersion.objects.filter(due).order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            version = AgreementVersion.objects.select_for_update(skip_locked=True).filter(due, pk=pk).first()
            if version is None:  # another sweep holds it, or it was reminded meanwhile
                continue
            version.reminded_at = now
            version.save(update_fields=["reminded_at"])
            current = selectors.current_version()
            reminded = 0
            if current is not None and current.pk == version.pk:  # a superseded text needs no acceptance
                for organization in organizations_to_remind(version=version):
                    reminded += _remind_organization(organization, version)
            audit_record(
                code="partnerhub.agreement_version.reminders_sent",
                target=version,
                data={"global_admins": reminded, "deadline": version.acceptance_deadline.isoformat()},  # type: ignore[union-attr]
            )
            done.append(version.pk)
    return done


def _remind_organization(organization: Organization, version: AgreementVersion) -> int:
    """Email and notify each Global admin: the version, the deadline, and what happens after it."""
    url = reverse("agreements:list")
    admins = list(selectors.global_admins(organization=organization))
    for membership in admins:
        user = membership.user
        with translation.override(user.language or settings.LANGUAGE_CODE):
            deadline = selectors.deadline_display(version.acceptance_deadline)
            title = _("Accept version %(version)s of the partner agreement by %(deadline)s") % {
                "version": version.version,
                "deadline": deadline,
            }
        outbound_email_queue(
            to=user.email,
            template="agreement_reacceptance_reminder",
            organization=organization,
            language=user.language or None,
            context={
                "name": user.first_name,
                "organization": organization.legal_name,
                "version": version.version,
                "deadline": version.acceptance_deadline,
                "url": settings.SITE_URL + url,
            },
        )
        notification_create(user=user, organization=organization, title=title, url=url)
    return len(admins)


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
    if not is_authorized(organization):
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


def enrollment_activate(enrollment: ProgramEnrollment, *, acceptance: AgreementAcceptance, actor: User | None) -> None:
    """A verified enrolment under an accepted partner agreement becomes Active, with its audit row. The caller
    holds the enrolment's row lock (signing locks it; a verification or reinstatement has just written it)."""
    enrollment.move_to(ProgramEnrollment.Status.ACTIVE)
    enrollment.save(update_fields=["status"])
    audit_record(
        code="partnerhub.enrollment.activated",
        actor=actor,
        organization=enrollment.organization,
        target=enrollment,
        data={"acceptance": acceptance.pk},
    )


def _activate_enrollments(organization: Organization, user: User, acceptance: AgreementAcceptance) -> None:
    """With the agreement accepted, verified CSP enrolments become Active."""
    for enrollment in ProgramEnrollment.objects.select_for_update().filter(
        organization=organization, closed_at=None, status=ProgramEnrollment.Status.QUALIFIED
    ):
        enrollment_activate(enrollment, acceptance=acceptance, actor=user)


def agreement_sign(
    *,
    organization: Organization,
    user: User,
    version: AgreementVersion,
    first_name: str,
    last_name: str,
    email: str,
    phone: str = "",
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
        require_global_admin(
            user,
            organization,
            AgreementError(_("Only a Global admin can accept the partner agreement."), code="not_global_admin"),
        )
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
        _activate_enrollments(organization, user, acceptance)
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
