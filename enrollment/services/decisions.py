"""The decisions that end a verification case: authorizing the enrolment (or confirming a re-check's
changed details), and a final rejection, which closes the enrolment or, for a re-check, suspends it.
Called inside the caller's transaction on a locked case (the review, and the sweeps)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from partnerhub.accounts.models import User
from partnerhub.core.audit import audit_record
from partnerhub.core.business_days import add_business_days

from ..models import (
    CreditCheck,
    Program,
    ProgramEnrollment,
    ReasonCode,
    StepStatus,
    VerificationCase,
)
from ..signals import enrollment_authorized
from .locks import lock_enrollment
from .notify import legal_info_url, notify_contact
from .suspension import enrollment_mark_suspended, reinstate


def authorize(case: VerificationCase, reviewer: User, now: datetime) -> None:
    enrollment = case.enrollment
    case.decided_at = now
    case.decision_status = StepStatus.PASSED
    case.move_to(VerificationCase.Status.AUTHORIZED)
    if case.is_recheck:  # the changed details are confirmed: nothing changes for the program
        audit_record(
            code="partnerhub.verification.authorized", actor=reviewer, organization=case.organization, target=case
        )
        if enrollment.status == ProgramEnrollment.Status.SUSPENDED and enrollment.suspension_case_id is not None:
            # A suspension a re-check caused is answered by corrected details: their approval lifts it.
            # A suspension staff decided (abuse, billing) stays until staff reinstate the enrolment.
            locked = lock_enrollment(enrollment)
            reinstate(locked, reviewer, case=case)
            case.enrollment = locked
            return
        notify_contact(
            enrollment,
            subject=gettext_lazy("Your changed details are verified"),
            paragraphs=[
                gettext_lazy(
                    "We verified the changed details of %(organization)s. Nothing changes for your %(program)s "
                    "program: its status stays %(status)s."
                )
                % {
                    "organization": enrollment.organization.legal_name,
                    "program": enrollment.get_program_display(),
                    "status": enrollment.get_status_display(),
                },
            ],
            action_url=legal_info_url(enrollment),
            action_label=gettext_lazy("See your program status"),
        )
        return
    enrollment.authorized_at = enrollment.authorized_at or now
    enrollment.move_to(ProgramEnrollment.Status.QUALIFIED)
    update = ["status", "authorized_at"]
    if enrollment.program == Program.DIRECT_BILL and not enrollment.credit_check_status:
        enrollment.credit_check_status = CreditCheck.PENDING
        enrollment.credit_check_due_at = add_business_days(
            now,
            settings.CREDIT_CHECK_SLA_BUSINESS_DAYS,
            enrollment.organization.country.code,  # type: ignore[attr-defined]
        )
        update += ["credit_check_status", "credit_check_due_at"]
    enrollment.save(update_fields=update)
    audit_record(code="partnerhub.verification.authorized", actor=reviewer, organization=case.organization, target=case)
    enrollment_authorized.send(sender=ProgramEnrollment, enrollment=enrollment)
    paragraphs: list[str | Promise] = [
        gettext_lazy("Good news: %(organization)s has been verified for the %(program)s program.")
        % {"organization": enrollment.organization.legal_name, "program": enrollment.get_program_display()},
    ]
    if enrollment.program == Program.DIRECT_BILL:
        paragraphs.append(
            gettext_lazy("Next comes the credit check. Don't buy a support plan until we email you that it has passed.")
        )
    else:
        paragraphs.append(
            gettext_lazy("Next, a Global admin associates your location partner ID and accepts the partner agreement.")
        )
    notify_contact(
        enrollment,
        subject=gettext_lazy("Your company has been verified"),
        paragraphs=paragraphs,
        action_url=legal_info_url(enrollment),
        action_label=gettext_lazy("See your program status"),
    )


def _close_enrollment_rejected(case: VerificationCase, reviewer: User | None, now: datetime) -> None:
    enrollment = case.enrollment
    if not case.is_recheck:
        enrollment.move_to(ProgramEnrollment.Status.REJECTED)
        enrollment.closed_at = now
        enrollment.save(update_fields=["status", "closed_at"])
    elif enrollment.status != ProgramEnrollment.Status.SUSPENDED:
        # A rejected change of details: the enrolment keeps its earlier authorization, suspended.
        enrollment_mark_suspended(enrollment, actor=reviewer, reason=case.reason_text, case=case, now=now)
    elif enrollment.suspension_case_id is not None:
        # Already suspended by a re-check, and the correction was rejected too: the partner reads the
        # latest reason, and a later approved correction still lifts the suspension.
        enrollment.suspension_reason, enrollment.suspension_case = case.reason_text, case
        enrollment.save(update_fields=["suspension_reason", "suspension_case"])


def reject_final(
    case: VerificationCase, reviewer: User | None, reason_code: str, reason_text: str, now: datetime
) -> None:
    case.move_to(VerificationCase.Status.REJECTED)
    case.decision_status = StepStatus.REJECTED
    case.reason_code, case.reason_text = reason_code, reason_text
    case.decided_at = now
    case.closes_at = None
    _close_enrollment_rejected(case, reviewer, now)
    audit_record(
        code="partnerhub.verification.rejected",
        actor=reviewer,
        organization=case.organization,
        target=case,
        data={"reason_code": reason_code, "reason": reason_text},
    )
    if case.is_recheck:
        notify_contact(
            case.enrollment,
            subject=gettext_lazy("Your program enrolment is suspended: your changed details couldn't be verified"),
            paragraphs=[
                gettext_lazy("Reason %(code)s: %(sentence)s")
                % {"code": reason_code, "sentence": ReasonCode(reason_code).label},
                reason_text,
                gettext_lazy(
                    "While the enrolment is suspended, providers can't place orders naming %(organization)s. "
                    "Contact support, or correct your details, to have the suspension reviewed."
                )
                % {"organization": case.enrollment.organization.legal_name},
            ],
            action_url=legal_info_url(case.enrollment),
            action_label=gettext_lazy("See the decision"),
        )
        return
    notify_contact(
        case.enrollment,
        subject=gettext_lazy("We've ended the verification of your company"),
        paragraphs=[
            gettext_lazy("Reason %(code)s: %(sentence)s")
            % {"code": reason_code, "sentence": ReasonCode(reason_code).label},
            reason_text,
            gettext_lazy("You can contact support, or enrol again with corrected details."),
        ],
        action_url=legal_info_url(case.enrollment),
        action_label=gettext_lazy("See the decision"),
    )
