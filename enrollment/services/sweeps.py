"""Deadline sweeps run by beat. Each claims due cases one by one under a row lock (SKIP LOCKED) and
re-checks the condition, so two sweeps racing act on each case once; each act moves the case past
its condition, so a second run finds nothing to do."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from partnerhub.core.audit import audit_record
from partnerhub.core.invitations import new_token
from partnerhub.core.outbox import outbound_email_queue

from ..models import ProgramEnrollment, ReasonCode, StepStatus, VerificationCase
from .contact_email import send_contact_verification
from .decisions import reject_final
from .notify import legal_info_url, notify_contact
from .suspension import enrollment_mark_suspended

BATCH = 200
LAPSED_REASON = gettext_lazy("The new primary contact's email address wasn't verified in time.")


def _sweep(due: Q, act: Callable[[VerificationCase], None]) -> list[int]:
    """Apply `act` to every case matching `due`, each inside its own transaction and row lock."""
    done: list[int] = []
    candidates = list(VerificationCase.objects.filter(due).order_by("pk").values_list("pk", flat=True)[:BATCH])
    for pk in candidates:
        with transaction.atomic():
            case = (
                VerificationCase.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("enrollment__organization", "enrollment__enrolled_by", "organization")
                .filter(due, pk=pk)
                .first()
            )
            if case is None:  # another sweep holds it, or it no longer qualifies
                continue
            act(case)
            done.append(case.pk)
    return done


def sweep_send_contact_reminders() -> list[int]:
    """One business day after enrolment, remind a primary contact who hasn't verified (once)."""
    now = timezone.now()

    def remind(case: VerificationCase) -> None:
        token, case.email_token_hash = new_token()
        case.reminded_at = now
        case.save(update_fields=["email_token_hash", "reminded_at"])
        audit_record(code="partnerhub.verification.reminder_sent", organization=case.organization, target=case)
        send_contact_verification(case.enrollment, token, reminder=True)

    return _sweep(Q(status=VerificationCase.Status.EMAIL_PENDING, reminded_at=None, remind_at__lte=now), remind)


def sweep_lapse_unverified_cases() -> list[int]:
    """Thirty days without email verification: the enrolment lapses, and the contact is told."""
    now = timezone.now()

    def lapse(case: VerificationCase) -> None:
        case.move_to(VerificationCase.Status.LAPSED)
        case.email_status = StepStatus.REJECTED
        case.email_token_hash = None
        case.decided_at = now
        case.save()
        enrollment = case.enrollment
        if not case.is_recheck:
            enrollment.move_to(ProgramEnrollment.Status.LAPSED)
            enrollment.closed_at = now
            enrollment.save(update_fields=["status", "closed_at"])
        elif enrollment.status != ProgramEnrollment.Status.SUSPENDED:
            # The new primary contact never verified: suspended, with the notice below.
            enrollment_mark_suspended(
                enrollment,
                actor=None,
                reason=str(LAPSED_REASON),
                case=case,
                now=now,
                data={"reason": "recheck_lapsed", "case": case.pk},
            )
        audit_record(code="partnerhub.verification.lapsed", organization=case.organization, target=case)
        if case.is_recheck:
            notify_contact(
                enrollment,
                subject=gettext_lazy("Your program enrolment is suspended: the new primary contact wasn't verified"),
                paragraphs=[
                    gettext_lazy(
                        "The new primary contact's email address wasn't verified within %(days)d days, so the "
                        "enrolment is suspended and providers can no longer place orders naming your company."
                    )
                    % {"days": settings.CONTACT_VERIFICATION_LAPSE_DAYS}
                ],
                action_url=legal_info_url(enrollment),
                action_label=gettext_lazy("See your program status"),
            )
            return
        notify_contact(
            enrollment,
            subject=gettext_lazy("Your enrolment lapsed: the email address was not verified"),
            paragraphs=[
                gettext_lazy(
                    "The primary contact's email address wasn't verified within %(days)d days, so the enrolment "
                    "has ended. A Global admin can enrol again at any time."
                )
                % {"days": settings.CONTACT_VERIFICATION_LAPSE_DAYS}
            ],
            action_url=legal_info_url(enrollment),
            action_label=gettext_lazy("Enrol again"),
        )

    return _sweep(Q(status=VerificationCase.Status.EMAIL_PENDING, lapses_at__lte=now), lapse)


def sweep_flag_overdue_cases() -> list[int]:
    """Cases in review past their SLA: flag each once, and alert the operators once per sweep."""
    now = timezone.now()

    def flag(case: VerificationCase) -> None:
        case.overdue_at = now
        case.save(update_fields=["overdue_at"])
        audit_record(code="partnerhub.verification.overdue", organization=case.organization, target=case)

    flagged = _sweep(Q(status=VerificationCase.Status.IN_REVIEW, overdue_at=None, sla_due_at__lte=now), flag)
    if flagged and settings.OPERATOR_ALERT_EMAIL:
        cases = VerificationCase.objects.filter(pk__in=flagged).select_related("enrollment__organization")
        with transaction.atomic():
            outbound_email_queue(
                to=settings.OPERATOR_ALERT_EMAIL,
                template="operator_overdue_alert",
                context={
                    "cases": [
                        {
                            "organization": case.enrollment.organization.legal_name,
                            "program": case.enrollment.get_program_display(),
                            "step": case.get_step_display(),
                            "due": case.sla_due_at,
                            "url": settings.SITE_URL
                            + reverse("admin:enrollment_verificationcase_change", args=[case.pk]),
                        }
                        for case in cases
                    ]
                },
                language=settings.LANGUAGE_CODE,
            )
    return flagged


def sweep_close_unanswered_cases() -> list[int]:
    """Thirty days in Action needed without an answer: the verification ends with a final decision."""
    now = timezone.now()

    def close(case: VerificationCase) -> None:
        reject_final(case, None, ReasonCode.NO_RESPONSE, str(ReasonCode.NO_RESPONSE.label), now)
        case.save()

    return _sweep(Q(status=VerificationCase.Status.ACTION_NEEDED, closes_at__lte=now), close)
