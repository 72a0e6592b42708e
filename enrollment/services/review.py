"""The vendor's review of a verification case, step by step (called from admin): assign, approve a
step, reject it or ask for a document (the partner must answer), or end the case with a final rejection.
Each function locks the case, checks its state, audits and emails."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partnerhub.accounts.models import Membership, User
from partnerhub.core.audit import audit_record

from ..models import (
    STEP_ORDER,
    EnrollmentError,
    ProgramEnrollment,
    ReasonCode,
    Step,
    StepStatus,
    VerificationCase,
)
from .decisions import authorize, reject_final
from .locks import lock_case, require_case_status
from .notify import notify_contact


def case_assign(*, case: VerificationCase, reviewer: User) -> VerificationCase:
    """ "Assign to me"."""
    with transaction.atomic():
        case = lock_case(case)
        require_case_status(case, *VerificationCase.OPEN_STATUSES)
        if case.reviewer_id == reviewer.pk:
            return case
        case.reviewer = reviewer
        case.save(update_fields=["reviewer"])
        audit_record(
            code="partnerhub.verification.assigned",
            actor=reviewer,
            organization=case.organization,
            target=case,
            data={"reviewer": reviewer.email},
        )
    return case


def case_approve_step(*, case: VerificationCase, reviewer: User) -> VerificationCase:
    """Pass the current step; after the business step, approving the decision authorizes the enrolment."""
    with transaction.atomic():
        case = lock_case(case)
        require_case_status(case, VerificationCase.Status.IN_REVIEW)
        now = timezone.now()
        step = Step(case.step)
        if step == Step.DECISION:
            authorize(case, reviewer, now)
        else:
            case.set_step_status(step, StepStatus.PASSED)
            setattr(case, f"{step}_passed_at", now)
            following = STEP_ORDER[STEP_ORDER.index(step) + 1]
            case.step = following
            case.set_step_status(following, StepStatus.PENDING)
            audit_record(
                code="partnerhub.verification.step_passed",
                actor=reviewer,
                organization=case.organization,
                target=case,
                data={"step": step.value},
            )
        case.reviewer = case.reviewer or reviewer
        case.save()
    return case


def _clean_reason(reason_code: str, reason_text: str) -> tuple[str, str]:
    if reason_code not in ReasonCode.values:
        raise EnrollmentError(_("Choose a reason code."), field="reason_code")
    reason_text = (reason_text or "").strip()
    if not reason_text:
        raise EnrollmentError(_("Explain the reason in a sentence the partner will read."), field="reason_text")
    return reason_code, reason_text


def case_reject_step(
    *, case: VerificationCase, reviewer: User, reason_code: str, reason_text: str, counts_as_failure: bool = True
) -> VerificationCase:
    """Reject the current step with a reason; the partner must answer (Action needed).

    The VERIFICATION_MAX_REJECTIONS-th failure ends the case with a final rejection.
    """
    reason_code, reason_text = _clean_reason(reason_code, reason_text)
    with transaction.atomic():
        case = lock_case(case)
        require_case_status(case, VerificationCase.Status.IN_REVIEW)
        now = timezone.now()
        if counts_as_failure:
            case.rejections += 1
        if counts_as_failure and case.rejections >= settings.VERIFICATION_MAX_REJECTIONS:
            reject_final(case, reviewer, ReasonCode.REPEATED_FAILURES, reason_text, now)
            case.save()
            return case
        case.move_to(VerificationCase.Status.ACTION_NEEDED)
        case.set_step_status(case.step, StepStatus.REJECTED)
        case.reason_code, case.reason_text = reason_code, reason_text
        case.action_needed_at = now
        case.closes_at = now + timedelta(days=settings.ACTION_NEEDED_CLOSE_DAYS)
        case.reviewer = case.reviewer or reviewer
        case.save()
        if not case.is_recheck:  # a re-check leaves the program status alone while the partner answers
            case.enrollment.move_to(ProgramEnrollment.Status.ACTION_NEEDED)
            case.enrollment.save(update_fields=["status"])
        audit_record(
            code="partnerhub.verification.step_rejected",
            actor=reviewer,
            organization=case.organization,
            target=case,
            data={"step": case.step, "reason_code": reason_code, "reason": reason_text},
        )
        deadline = {"date": date_format(timezone.localtime(case.closes_at))}
        notify_contact(
            case.enrollment,
            subject=gettext_lazy("Action needed: we need more information to verify your company"),
            paragraphs=[
                gettext_lazy("Reason %(code)s: %(sentence)s")
                % {"code": reason_code, "sentence": ReasonCode(reason_code).label},
                reason_text,
                (
                    gettext_lazy(
                        "Your program stays %(status)s while you answer. Without an answer by %(date)s, the "
                        "enrolment is suspended and providers can no longer place orders naming your company."
                    )
                    % {**deadline, "status": case.enrollment.get_status_display()}
                    if case.is_recheck
                    else gettext_lazy("Without an answer by %(date)s the verification ends.") % deadline
                ),
                _who_can_fix(case),
            ],
            action_url=fix_now_url(case),
            action_label=gettext_lazy("Fix now"),
        )
    return case


def fix_now_url(case: VerificationCase) -> str:
    """The absolute link to the case's Fix now page (sign-in first, then straight there)."""
    return str(settings.SITE_URL) + reverse("enrollment:case-fix", args=[case.pk])


def _who_can_fix(case: VerificationCase) -> str:
    """The primary contact may have no account: name the people who can answer, and say what to do."""
    admins = Membership.objects.global_admins().filter(organization=case.organization).select_related("user")
    names = ", ".join(
        f"{m.user.get_full_name()} ({m.user.email})" if m.user.get_full_name() else m.user.email
        for m in admins.order_by("user__last_name", "user__email")
    )
    return gettext_lazy(
        "Who can answer: a Global admin of %(organization)s (%(names)s) or an Account admin signs in to "
        "PartnerHub, selects Fix now on the verification status and uploads a document. If you don't have a "
        "PartnerHub account, forward this email to one of them."
    ) % {"organization": case.organization.legal_name, "names": names or "—"}


def case_request_document(*, case: VerificationCase, reviewer: User, reason_text: str) -> VerificationCase:
    """Ask for a document without counting it as a failed attempt."""
    return case_reject_step(
        case=case,
        reviewer=reviewer,
        reason_code=ReasonCode.DOCUMENT_REQUESTED,
        reason_text=reason_text,
        counts_as_failure=False,
    )


def case_reject_final(
    *, case: VerificationCase, reviewer: User, reason_code: str, reason_text: str
) -> VerificationCase:
    """End the verification with a final rejection."""
    reason_code, reason_text = _clean_reason(reason_code, reason_text)
    with transaction.atomic():
        case = lock_case(case)
        require_case_status(case, VerificationCase.Status.IN_REVIEW, VerificationCase.Status.ACTION_NEEDED)
        reject_final(case, reviewer, reason_code, reason_text, timezone.now())
        case.save()
    return case
