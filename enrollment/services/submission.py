"""Enroll now: the checks on the submitted details, the verification case they open, and the enrolment
itself (its primary contact is then emailed a verification link)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal, overload

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partnerhub.accounts.models import Organization, User
from partnerhub.accounts.webmail import email_domain, is_role_address, is_webmail
from partnerhub.core.audit import audit_record
from partnerhub.core.business_days import add_business_days
from partnerhub.core.invitations import new_token
from partnerhub.core.registration import registration_format_ok, registration_required

from ..models import (
    EnrollmentError,
    Program,
    ProgramEnrollment,
    Step,
    StepStatus,
    VerificationCase,
)
from .contact_email import send_contact_verification

LEGAL_FIELDS = ("legal_name", "address_line1", "address_line2", "city", "state", "postal_code", "registration_number")


CONTACT_FIELDS = ("contact_first_name", "contact_last_name", "contact_email", "contact_phone")


SUPPORT_FIELDS = ("support_email", "support_phone", "support_website")


SNAPSHOT_FIELDS = (*LEGAL_FIELDS, *CONTACT_FIELDS, *SUPPORT_FIELDS)


DIRECT_BILL_REQUIREMENTS = ("partner_id", "endorsement", "support", "managed_service", "accounts_receivable")


def check_contact_email(email: str) -> None:
    """The primary contact must be a person at a company address (domain.md §2.1–2.2)."""
    if is_webmail(email):
        raise EnrollmentError(
            _(
                "The primary contact needs a company email address: web-based email services such as Gmail, "
                "Yahoo! Mail, iCloud Mail, AOL Mail or Outlook.com can't be verified as belonging to your company."
            ),
            field="contact_email",
        )
    if is_role_address(email):
        raise EnrollmentError(
            _(
                "The primary contact must be a person: shared addresses such as info@, admin@, marketing@, support@ "
                "or noreply@ can't confirm that someone works for your company. Use the contact's own address."
            ),
            field="contact_email",
        )


def check_registration_number(country: str, number: str) -> None:
    if registration_required(country) and not number.strip():
        raise EnrollmentError(
            _("A company registration number is required for companies in %(country)s.") % {"country": country.name},  # type: ignore[attr-defined]
            field="registration_number",
        )
    if not registration_required(country) and number.strip():
        raise EnrollmentError(
            _("Leave the registration number empty: it isn't used for companies in %(country)s.")
            % {"country": country.name},  # type: ignore[attr-defined]
            field="registration_number",
        )


def prechecks(organization: Organization, enrollment: ProgramEnrollment) -> dict[str, Any]:
    """What staff see before they look: automatic checks on the submitted data."""
    domain = email_domain(enrollment.contact_email)
    checks = {
        "contact_is_webmail": is_webmail(enrollment.contact_email),
        "contact_is_role_address": is_role_address(enrollment.contact_email),
        "contact_domain_matches": domain == organization.primary_domain
        or domain.endswith("." + organization.primary_domain),
    }
    if enrollment.registration_number:
        checks["registration_number_format_ok"] = registration_format_ok(
            organization.country.code,  # type: ignore[attr-defined]
            enrollment.registration_number,
        )
    return checks


def details_snapshot(enrollment: ProgramEnrollment) -> dict[str, Any]:
    """The details a case is opened on, as plain JSON: what staff decide on, kept as it was."""
    snapshot = {key: str(getattr(enrollment, key) or "") for key in SNAPSHOT_FIELDS}
    snapshot["country"] = enrollment.organization.country.code  # type: ignore[attr-defined]
    return snapshot


@overload
def open_verification_case(
    *, enrollment: ProgramEnrollment, kind: str, start_at_email: Literal[True], changed: list[str]
) -> tuple[VerificationCase, str]: ...


@overload
def open_verification_case(
    *, enrollment: ProgramEnrollment, kind: str, start_at_email: bool, changed: list[str]
) -> tuple[VerificationCase, str | None]: ...


def open_verification_case(
    *, enrollment: ProgramEnrollment, kind: str, start_at_email: bool, changed: list[str]
) -> tuple[VerificationCase, str | None]:
    """Create the enrolment's open verification case; returns (case, email token or None)."""
    organization = enrollment.organization
    now = timezone.now()
    checks = prechecks(organization, enrollment)
    case = VerificationCase(
        enrollment=enrollment,
        organization=organization,
        kind=kind,
        contact_email=enrollment.contact_email,
        domain_mismatch=not checks["contact_domain_matches"],
        prechecks=checks,
        changed_fields=changed,
        submitted_details=details_snapshot(enrollment),
        submitted_at=now,
        status=VerificationCase.Status.EMAIL_PENDING if start_at_email else VerificationCase.Status.IN_REVIEW,
    )
    token = None
    if start_at_email:
        token, case.email_token_hash = new_token()
        case.step = Step.EMAIL
        case.remind_at = add_business_days(now, settings.CONTACT_REMINDER_BUSINESS_DAYS, organization.country.code)  # type: ignore[attr-defined]
        case.lapses_at = now + timedelta(days=settings.CONTACT_VERIFICATION_LAPSE_DAYS)
    else:
        # Only the business details changed: the email and employment checks still stand.
        case.step = Step.BUSINESS
        case.email_status = case.employment_status = StepStatus.PASSED
        case.business_status = StepStatus.PENDING
        case.sla_due_at = add_business_days(now, settings.VERIFICATION_SLA_BUSINESS_DAYS, organization.country.code)  # type: ignore[attr-defined]
    case.save()
    return case, token


def enrollment_submit(
    *, organization: Organization, actor: User, program: str, data: dict[str, Any]
) -> ProgramEnrollment:
    """ "Enroll now": record the enrolment, open its verification case and email the primary contact."""
    if program not in Program.values:
        raise EnrollmentError(_("Choose a program."), field="program")
    check_contact_email(data["contact_email"])
    check_registration_number(organization.country, data.get("registration_number", ""))
    if program == Program.DIRECT_BILL:
        missing = [key for key in DIRECT_BILL_REQUIREMENTS if not data.get(f"requirement_{key}")]
        if missing:
            raise EnrollmentError(_("Confirm that your company meets each of the five requirements."))
    now = timezone.now()
    fields = {key: data.get(key, "") for key in (*LEGAL_FIELDS, *CONTACT_FIELDS, *SUPPORT_FIELDS)}
    fields["contact_email"] = fields["contact_email"].strip().lower()
    try:
        with transaction.atomic():
            Organization.objects.select_for_update().get(pk=organization.pk)
            enrollment = ProgramEnrollment(
                organization=organization,
                program=program,
                status=ProgramEnrollment.Status.EMAIL_PENDING,
                enrolled_by=actor,
                submitted_at=now,
                **fields,
            )
            if program == Program.DIRECT_BILL:
                enrollment.requirements_attested_at = now
                enrollment.questionnaire = data.get("questionnaire", {})
                enrollment.billing_anniversary_day = data.get("billing_anniversary_day")
                enrollment.tax_id = data.get("tax_id", "").strip()
            enrollment.save()
            case, token = open_verification_case(
                enrollment=enrollment, kind=VerificationCase.Kind.ENROLLMENT, start_at_email=True, changed=[]
            )
            audit_record(
                code="partnerhub.enrollment.submitted",
                actor=actor,
                organization=organization,
                target=enrollment,
                data={"program": program, "case": case.pk, "domain_mismatch": case.domain_mismatch},
            )
            send_contact_verification(enrollment, token)
    except IntegrityError:
        raise EnrollmentError(
            _("%(organization)s already has an open enrolment in this program.") % {"organization": organization},
            code="already_enrolled",
        ) from None
    return enrollment
