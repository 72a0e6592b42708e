"""Verifying the primary contact's email address: the link (sent, resent, reminded) and opening it."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partnerhub.accounts.models import User
from partnerhub.core import rls
from partnerhub.core.audit import audit_record
from partnerhub.core.business_days import add_business_days
from partnerhub.core.invitations import new_token

from ..models import (
    EnrollmentError,
    ProgramEnrollment,
    Step,
    StepStatus,
    VerificationCase,
)
from .notify import legal_info_url, notify_contact


def _verification_link(token: str) -> str:
    return str(settings.SITE_URL) + reverse("enrollment:contact-verify", args=[token])


def send_contact_verification(enrollment: ProgramEnrollment, token: str, *, reminder: bool = False) -> None:
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
        send_contact_verification(enrollment, token)
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
