"""Partner-side writes: enrol, verify the primary contact's email, change legal details, direct bill."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal, overload

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partnerhub.accounts.models import Organization, User, new_token
from partnerhub.accounts.webmail import email_domain, is_role_address, is_webmail
from partnerhub.core import rls
from partnerhub.core.audit import audit_record
from partnerhub.core.business_days import add_business_days
from partnerhub.core.registration import registration_format_ok, registration_required

from ..models import (
    CreditCheck,
    EnrollmentError,
    Program,
    ProgramEnrollment,
    Step,
    StepStatus,
    SupportPlan,
    VerificationCase,
)
from .notify import legal_info_url, notify_contact

LEGAL_FIELDS = ("legal_name", "address_line1", "address_line2", "city", "state", "postal_code", "registration_number")
CONTACT_FIELDS = ("contact_first_name", "contact_last_name", "contact_email", "contact_phone")
SUPPORT_FIELDS = ("support_email", "support_phone", "support_website")
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


SNAPSHOT_FIELDS = (*LEGAL_FIELDS, *CONTACT_FIELDS, *SUPPORT_FIELDS)


def details_snapshot(enrollment: ProgramEnrollment) -> dict[str, Any]:
    """The details a case is opened on, as plain JSON: what staff decide on, kept as it was."""
    snapshot = {key: str(getattr(enrollment, key) or "") for key in SNAPSHOT_FIELDS}
    snapshot["country"] = enrollment.organization.country.code  # type: ignore[attr-defined]
    return snapshot


@overload
def _open_case(
    *, enrollment: ProgramEnrollment, kind: str, start_at_email: Literal[True], changed: list[str]
) -> tuple[VerificationCase, str]: ...


@overload
def _open_case(
    *, enrollment: ProgramEnrollment, kind: str, start_at_email: bool, changed: list[str]
) -> tuple[VerificationCase, str | None]: ...


def _open_case(
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


def _verification_link(token: str) -> str:
    return str(settings.SITE_URL) + reverse("enrollment:contact-verify", args=[token])


def _send_contact_verification(enrollment: ProgramEnrollment, token: str, *, reminder: bool = False) -> None:
    subject = (
        gettext_lazy("Reminder: verify your email address to continue your enrolment")
        if reminder
        else gettext_lazy("Verify your email address to continue your enrolment")
    )
    notify_contact(
        enrollment,
        subject=subject,
        paragraphs=[
            gettext_lazy(
                "You were named the primary contact of %(organization)s for the %(program)s program. Confirm that "
                "this address is yours and belongs to your company: the review starts only after you do."
            )
            % {"organization": enrollment.organization.legal_name, "program": enrollment.get_program_display()},
            gettext_lazy("The link is personal and works once. If you weren't expecting this email, ignore it."),
        ],
        action_url=_verification_link(token),
        action_label=gettext_lazy("Verify my email address"),
    )


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
            case, token = _open_case(
                enrollment=enrollment, kind=VerificationCase.Kind.ENROLLMENT, start_at_email=True, changed=[]
            )
            audit_record(
                code="partnerhub.enrollment.submitted",
                actor=actor,
                organization=organization,
                target=enrollment,
                data={"program": program, "case": case.pk, "domain_mismatch": case.domain_mismatch},
            )
            _send_contact_verification(enrollment, token)
    except IntegrityError:
        raise EnrollmentError(
            _("%(organization)s already has an open enrolment in this program.") % {"organization": organization},
            code="already_enrolled",
        ) from None
    return enrollment


def _open_case_for(enrollment: ProgramEnrollment) -> VerificationCase:
    case = enrollment.cases.filter(status__in=VerificationCase.OPEN_STATUSES).first()
    if case is None:
        raise EnrollmentError(_("There is no verification in progress for this enrolment."), code="no_open_case")
    return case


def contact_email_resend(*, enrollment: ProgramEnrollment, actor: User) -> VerificationCase:
    """ "Resend verification email": a new link (the old one stops working)."""
    with transaction.atomic():
        case = VerificationCase.objects.select_for_update(of=("self",)).get(pk=_open_case_for(enrollment).pk)
        if case.status != VerificationCase.Status.EMAIL_PENDING:
            raise EnrollmentError(
                _("The primary contact's email address is already verified."), code="already_verified"
            )
        token, case.email_token_hash = new_token()
        case.save(update_fields=["email_token_hash"])
        audit_record(
            code="partnerhub.verification.email_resent", actor=actor, organization=enrollment.organization, target=case
        )
        _send_contact_verification(enrollment, token)
    return case


@rls.elevated("contact-link:verify")
def contact_email_verify(*, case_pk: int) -> VerificationCase:
    """The primary contact opened their link: email ownership passes and the review starts.

    The token was already matched by the caller (a hash lookup); the conditional status check under
    the row lock makes a second click a no-op that raises.
    """
    with transaction.atomic():
        case = (
            VerificationCase.objects.select_for_update(of=("self",))
            .select_related("enrollment__organization")
            .get(pk=case_pk)
        )
        if case.status != VerificationCase.Status.EMAIL_PENDING:
            raise EnrollmentError(_("This email address has already been verified."), code="already_verified")
        now = timezone.now()
        case.move_to(VerificationCase.Status.IN_REVIEW)
        case.email_status = StepStatus.PASSED
        case.email_passed_at = case.email_verified_at = now
        case.step = Step.EMPLOYMENT
        case.employment_status = StepStatus.PENDING
        case.email_token_hash = None  # single use
        case.sla_due_at = add_business_days(
            now,
            settings.VERIFICATION_SLA_BUSINESS_DAYS,
            case.organization.country.code,  # type: ignore[attr-defined]
        )
        case.save()
        enrollment = case.enrollment
        if not case.is_recheck:  # a re-check runs beside the program status
            enrollment.move_to(ProgramEnrollment.Status.PENDING_QUALIFICATION)
            enrollment.save(update_fields=["status"])
        audit_record(
            code="partnerhub.verification.email_verified",
            organization=case.organization,
            target=case,
            data={"email": case.contact_email, "sla_due_at": case.sla_due_at.isoformat()},
        )
        notify_contact(
            enrollment,
            subject=gettext_lazy("Your email address is verified: the review has started"),
            paragraphs=[
                gettext_lazy("Thank you. We are now verifying your company's details; expect a decision by %(date)s.")
                % {"date": date_format(timezone.localtime(case.sla_due_at))},
            ],
            action_url=legal_info_url(enrollment),
            action_label=gettext_lazy("See the verification status"),
        )
    return case


def enrollment_update_legal_details(
    *, enrollment: ProgramEnrollment, actor: User, data: dict[str, Any]
) -> VerificationCase | None:
    """Change the legal profile or primary contact; what changed is verified again in a new case.

    The new case is a re-check that runs beside the program status: an Active partner stays Active
    (and eligible for its providers' orders) while it is reviewed, while it waits for an answer, and
    after it is approved; only a final rejection by staff suspends the enrolment, with an email.

    A change of primary contact email re-runs email ownership and employment; a change of the
    business details re-runs the business check. The country is never part of it: a CSP account's
    country decides its currency and region and cannot change.
    """
    if "country" in data and data["country"] != enrollment.organization.country.code:  # type: ignore[attr-defined]
        raise EnrollmentError(
            _(
                "The country/region of a CSP account can't change: it fixes your billing currency and CSP region. "
                "To do business in another country, add a location there or enrol with another account."
            ),
            field="country",
        )
    data = {**data, "contact_email": data.get("contact_email", enrollment.contact_email).strip().lower()}
    changed = [
        key
        for key in (*LEGAL_FIELDS, *CONTACT_FIELDS, *SUPPORT_FIELDS)
        if key in data and str(data[key]) != str(getattr(enrollment, key))
    ]
    if not changed:
        raise EnrollmentError(_("Nothing changed."), code="unchanged")
    if "contact_email" in changed:
        check_contact_email(data["contact_email"])
    if "registration_number" in changed:
        check_registration_number(enrollment.organization.country, data["registration_number"])
    with transaction.atomic():
        enrollment = (
            ProgramEnrollment.objects.select_for_update(of=("self",))
            .select_related("organization")
            .get(pk=enrollment.pk)
        )
        if enrollment.closed_at is not None:
            raise EnrollmentError(_("This enrolment is closed; enrol again instead."), code="closed")
        open_case = enrollment.cases.filter(status__in=VerificationCase.OPEN_STATUSES).exists()
        verified_fields = [key for key in changed if key not in SUPPORT_FIELDS]
        if open_case and verified_fields:
            raise EnrollmentError(
                _("Your details are being verified. Wait for the decision before changing them again."),
                code="case_open",
            )
        for key in changed:
            setattr(enrollment, key, data[key])
        enrollment.save(update_fields=changed)
        audit_record(
            code="partnerhub.enrollment.details_changed",
            actor=actor,
            organization=enrollment.organization,
            target=enrollment,
            data={"changed": changed},
        )
        if not verified_fields:
            return None  # support details are not verified
        email_changed = "contact_email" in changed
        case, token = _open_case(
            enrollment=enrollment,
            kind=VerificationCase.Kind.LEGAL_CHANGE,
            start_at_email=email_changed,
            changed=verified_fields,
        )
        # The program status stays as it is (Active stays Active): providers keep transacting with the
        # partner while the re-check runs. Only staff end it in a suspension, with notice.
        audit_record(
            code="partnerhub.verification.reopened",
            actor=actor,
            organization=enrollment.organization,
            target=case,
            data={"changed": verified_fields},
        )
        if token:
            _send_contact_verification(enrollment, token)
    return case


def enrollment_purchase_support_plan(*, enrollment: ProgramEnrollment, actor: User, plan: str) -> ProgramEnrollment:
    """Record a direct-bill partner's support plan purchase; only after the credit check passed."""
    if plan not in SupportPlan.values:
        raise EnrollmentError(_("Choose a support plan."), field="plan")
    with transaction.atomic():
        enrollment = ProgramEnrollment.objects.select_for_update(of=("self",)).get(pk=enrollment.pk)
        if enrollment.program != Program.DIRECT_BILL:
            raise EnrollmentError(_("Support plans are bought by direct-bill partners."), code="not_direct_bill")
        if enrollment.credit_check_status != CreditCheck.PASSED:
            raise EnrollmentError(
                _("Don't buy a support plan before the credit check has passed: we'll email you when it has."),
                code="credit_check_pending",
            )
        if enrollment.support_plan_purchased_at:
            raise EnrollmentError(_("A support plan is already recorded."), code="already_purchased")
        enrollment.support_plan = plan
        enrollment.support_plan_purchased_at = timezone.now()
        enrollment.save(update_fields=["support_plan", "support_plan_purchased_at"])
        audit_record(
            code="partnerhub.enrollment.support_plan_purchased",
            actor=actor,
            organization=enrollment.organization,
            target=enrollment,
            data={"plan": plan},
        )
    return enrollment


def enrollment_request_transition(*, enrollment: ProgramEnrollment, actor: User) -> ProgramEnrollment:
    """A direct-bill partner asks to become an indirect reseller on the same account."""
    with transaction.atomic():
        enrollment = ProgramEnrollment.objects.select_for_update(of=("self",)).get(pk=enrollment.pk)
        if enrollment.program != Program.DIRECT_BILL or enrollment.closed_at is not None:
            raise EnrollmentError(_("Only an open direct-bill enrolment can move to indirect reseller."))
        if not enrollment.is_authorized:
            raise EnrollmentError(_("The direct-bill enrolment must be authorized before it can move."))
        if enrollment.transition_requested_at:
            raise EnrollmentError(_("The move to indirect reseller is already requested."), code="already_requested")
        enrollment.transition_requested_at = timezone.now()
        enrollment.save(update_fields=["transition_requested_at"])
        audit_record(
            code="partnerhub.enrollment.transition_requested",
            actor=actor,
            organization=enrollment.organization,
            target=enrollment,
        )
    return enrollment
