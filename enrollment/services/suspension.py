"""Suspending an authorized enrolment and lifting the suspension: by staff (abuse, billing), or as the
outcome of a re-check (a rejected change of details suspends, an approved correction reinstates)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partnerhub.accounts.models import User
from partnerhub.core.audit import audit_record

from ..models import (
    EnrollmentError,
    PartnerId,
    ProgramEnrollment,
    VerificationCase,
)
from ..signals import enrollment_reinstated
from .locks import lock_enrollment
from .notify import legal_info_url, notify_contact


def enrollment_suspend(*, enrollment: ProgramEnrollment, reviewer: User, reason_text: str) -> ProgramEnrollment:
    """Suspend an authorized enrolment (abuse, overdue billing…); it keeps its history."""
    if not (reason_text or "").strip():
        raise EnrollmentError(_("Explain the reason in a sentence the partner will read."), field="reason_text")
    with transaction.atomic():
        enrollment = lock_enrollment(enrollment)
        if not enrollment.is_authorized:
            raise EnrollmentError(_("Only an authorized enrolment can be suspended."), code="illegal_transition")
        enrollment_mark_suspended(enrollment, actor=reviewer, reason=reason_text.strip(), now=timezone.now())
        notify_contact(
            enrollment,
            subject=gettext_lazy("Your program enrolment is suspended"),
            paragraphs=[reason_text],
            action_url=legal_info_url(enrollment),
            action_label=gettext_lazy("See your program status"),
        )
    return enrollment


def enrollment_mark_suspended(
    enrollment: ProgramEnrollment,
    *,
    actor: User | None,
    reason: str,
    now: datetime,
    case: VerificationCase | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Suspend a locked, authorized enrolment: remember why, what lifts it and the status it interrupts.

    Called inside the caller's transaction (staff's suspension, a re-check's final rejection or lapse);
    the caller sends the notice, which differs per cause.
    """
    enrollment.suspended_from = enrollment.status
    enrollment.move_to(ProgramEnrollment.Status.SUSPENDED)
    enrollment.suspended_at = now
    enrollment.suspension_reason = reason
    enrollment.suspension_case = case
    enrollment.save(update_fields=["status", "suspended_from", "suspended_at", "suspension_reason", "suspension_case"])
    audit_record(
        code="partnerhub.enrollment.suspended",
        actor=actor,
        organization=enrollment.organization,
        target=enrollment,
        data=data or ({"reason": reason, "case": case.pk} if case else {"reason": reason}),
    )


def reinstate(enrollment: ProgramEnrollment, actor: User | None, *, case: VerificationCase | None = None) -> None:
    """Lift the suspension of a locked enrolment; the status follows the rules, not a stored guess alone.

    Active needs the partner agreement accepted and a location partner ID associated: without the
    association it is Qualified; with it, an enrolment suspended while Active is Active again, and one
    suspended while Qualified asks the agreements app (a signal, it sits above us) whether it is now Active.
    """
    if enrollment.status != ProgramEnrollment.Status.SUSPENDED:
        raise EnrollmentError(
            _("This enrolment is %(status)s, not suspended; there is nothing to reinstate.")
            % {"status": enrollment.get_status_display()},
            code="illegal_transition",
        )
    associated = PartnerId.objects.filter(organization=enrollment.organization, csp_associated=True).exists()
    was_active = enrollment.suspended_from == ProgramEnrollment.Status.ACTIVE
    enrollment.move_to(
        ProgramEnrollment.Status.ACTIVE if associated and was_active else ProgramEnrollment.Status.QUALIFIED
    )
    reason = enrollment.suspension_reason
    enrollment.suspended_at = None
    enrollment.suspension_reason = enrollment.suspended_from = ""
    enrollment.suspension_case = None
    enrollment.save(update_fields=["status", "suspended_from", "suspended_at", "suspension_reason", "suspension_case"])
    if associated and enrollment.status == ProgramEnrollment.Status.QUALIFIED:
        enrollment_reinstated.send(sender=ProgramEnrollment, enrollment=enrollment)
    audit_record(
        code="partnerhub.enrollment.reinstated",
        actor=actor,
        organization=enrollment.organization,
        target=enrollment,
        data={"status": enrollment.status, "suspension_reason": reason, **({"case": case.pk} if case else {})},
    )
    paragraphs = []
    if case is not None:
        paragraphs.append(
            gettext_lazy("We verified the corrected details of %(organization)s, which lifts the suspension.")
            % {"organization": enrollment.organization.legal_name}
        )
    paragraphs.append(
        gettext_lazy(
            "Your %(program)s program is %(status)s again: providers can place orders naming %(organization)s again."
        )
        % {
            "program": enrollment.get_program_display(),
            "status": enrollment.get_status_display(),
            "organization": enrollment.organization.legal_name,
        }
        if enrollment.status == ProgramEnrollment.Status.ACTIVE
        else gettext_lazy(
            "Your %(program)s program is %(status)s again. To transact, a Global admin associates a location "
            "partner ID and accepts the partner agreement."
        )
        % {"program": enrollment.get_program_display(), "status": enrollment.get_status_display()}
    )
    notify_contact(
        enrollment,
        subject=gettext_lazy("Your program enrolment is reinstated"),
        paragraphs=paragraphs,
        action_url=legal_info_url(enrollment),
        action_label=gettext_lazy("See your program status"),
    )


def enrollment_reinstate(*, enrollment: ProgramEnrollment, actor: User) -> ProgramEnrollment:
    """Staff lift a suspension ("Reinstate"); refused unless suspended, so a second run changes nothing."""
    with transaction.atomic():
        enrollment = lock_enrollment(enrollment)
        reinstate(enrollment, actor)
    return enrollment
