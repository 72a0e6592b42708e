"""What the partner reads on Legal info: each step's status, date and who it waits for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import STEP_ORDER, Step, StepStatus, VerificationCase


@dataclass
class StepRow:
    step: Step
    status: StepStatus
    date: datetime | None
    waiting_for: str | Promise  # "", or who must act next (a lazy translation)


def step_rows(case: VerificationCase) -> list[StepRow]:
    rows = []
    for step in STEP_ORDER:
        status = StepStatus(case.step_status(step))
        date = {
            Step.EMAIL: case.email_passed_at,
            Step.EMPLOYMENT: case.employment_passed_at,
            Step.BUSINESS: case.business_passed_at,
            Step.DECISION: case.decided_at,
        }[step]
        waiting: str | Promise = ""
        if step == case.step and case.is_open:
            if case.status == VerificationCase.Status.EMAIL_PENDING:
                waiting = _("Waiting for you: the primary contact must open the emailed link.")
            elif case.status == VerificationCase.Status.ACTION_NEEDED:
                waiting = _("Waiting for you: upload a document with Fix now.")
            else:
                waiting = _("Waiting for us: the vendor's team is reviewing.")
        if status == StepStatus.REJECTED and date is None:
            date = case.action_needed_at or case.decided_at
        rows.append(StepRow(step=step, status=status, date=date, waiting_for=waiting))
    return rows


HISTORY_LABELS = {
    "partnerhub.enrollment.submitted": _("Enrolment submitted"),
    "partnerhub.enrollment.details_changed": _("Details changed"),
    "partnerhub.enrollment.credit_check_recorded": _("Credit check recorded"),
    "partnerhub.enrollment.support_plan_purchased": _("Support plan recorded"),
    "partnerhub.enrollment.transition_requested": _("Move to indirect reseller requested"),
    "partnerhub.enrollment.transition_approved": _("Move to indirect reseller approved"),
    "partnerhub.enrollment.suspended": _("Enrolment suspended"),
    "partnerhub.enrollment.reinstated": _("Enrolment reinstated (suspension lifted)"),
    "partnerhub.enrollment.activated": _("Enrolment active (partner agreement accepted)"),
    "partnerhub.verification.email_resent": _("Verification email sent again"),
    "partnerhub.verification.reminder_sent": _("Reminder sent to the primary contact"),
    "partnerhub.verification.email_verified": _("Email address verified"),
    "partnerhub.verification.assigned": _("Reviewer assigned"),
    "partnerhub.verification.step_passed": _("Step passed"),
    "partnerhub.verification.step_rejected": _("Step rejected"),
    "partnerhub.verification.document_submitted": _("Document submitted"),
    "partnerhub.verification.overdue": _("Decision overdue"),
    "partnerhub.verification.authorized": _("Verification authorized"),
    "partnerhub.verification.rejected": _("Verification ended (final decision)"),
    "partnerhub.verification.lapsed": _("Enrolment lapsed (email not verified)"),
    "partnerhub.verification.reopened": _("Verification reopened for changed details"),
}


def history_label(code: str) -> str:
    return str(HISTORY_LABELS.get(code, code))
