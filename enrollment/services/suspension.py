"""Suspending an authorized enrolment and lifting the suspension: by staff in the admin (a reason code and a
sentence the partner reads), or as the outcome of a re-check (a rejected change of details suspends, an
approved correction reinstates). A suspended program is not authorized, so what needs an active or authorized
program refuses it (enrollment.selectors' eligibility questions: selling_program, authorized_reseller_enrollment)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partnerhub.accounts.models import Membership, User
from partnerhub.core.audit import audit_record
from partnerhub.core.outbox import outbound_email_queue

from ..models import (
    EnrollmentError,
    PartnerId,
    Program,
    ProgramEnrollment,
    SuspensionReason,
    VerificationCase,
)
from ..signals import enrollment_reinstated
from .locks import lock_enrollment
from .notify import enrollment_language, legal_info_url, notify_contact


def enrollment_suspend(
    *,
    enrollment: ProgramEnrollment,
    reviewer: User,
    reason_text: str,
    reason_code: str = SuspensionReason.OTHER,
) -> ProgramEnrollment:
    """Staff suspend an authorized enrolment (non-payment, abuse, a compliance review...) with a reason code
    and a sentence the partner reads; it keeps its history. The primary contact and the Global admins are
    emailed what it means and what lifts it."""
    if reason_code not in SuspensionReason.values:
        raise EnrollmentError(_("Choose a reason from the list."), field="reason_code", code="invalid_reason")
    if not (reason_text or "").strip():
        raise EnrollmentError(_("Explain the reason in a sentence the partner will read."), field="reason_text")
    with transaction.atomic():
        enrollment = lock_enrollment(enrollment)
        if not enrollment.is_authorized:
            raise EnrollmentError(_("Only an authorized enrolment can be suspended."), code="illegal_transition")
        enrollment_mark_suspended(
            enrollment, actor=reviewer, reason=reason_text.strip(), now=timezone.now(), reason_code=reason_code
        )
        _notify_contact_and_admins(
            enrollment,
            subject=gettext_lazy("Your program enrolment is suspended"),
            paragraphs=[
                gettext_lazy("Reason: %(reason)s.") % {"reason": SuspensionReason(reason_code).label},
                reason_text.strip(),
                suspension_consequence(enrollment),
                gettext_lazy(
                    "What lifts it: contact support; our team reinstates the program once the reason is resolved, "
                    "and we'll email you then."
                ),
            ],
        )
    return enrollment


def suspension_consequence(enrollment: ProgramEnrollment) -> str:
    """What a suspension stops, for this program (what customers.services.common.require_seller and the
    reseller checks refuse while the program isn't authorized)."""
    if enrollment.program == Program.INDIRECT_RESELLER:
        return gettext_lazy(
            "While it is suspended, providers can't place orders naming %(organization)s or add customers for it; "
            "existing subscriptions keep running."
        ) % {"organization": enrollment.organization.legal_name}
    return gettext_lazy(
        "While it is suspended, %(organization)s can't add customers, place orders or request partnerships; "
        "existing subscriptions keep running."
    ) % {"organization": enrollment.organization.legal_name}


def _notify_contact_and_admins(
    enrollment: ProgramEnrollment, *, subject: Promise, paragraphs: Sequence[str | Promise]
) -> None:
    """The primary contact's email and bell notices (notify_contact), and the same email to each Global admin."""
    notify_contact(
        enrollment,
        subject=subject,
        paragraphs=paragraphs,
        action_url=legal_info_url(enrollment),
        action_label=gettext_lazy("See your program status"),
    )
    admins = Membership.objects.global_admins().filter(organization=enrollment.organization).select_related("user")
    for membership in admins:
        if membership.user.email.lower() == enrollment.contact_email.lower():
            continue  # the contact already has it
        language = membership.user.language or enrollment_language(enrollment)
        with translation.override(language):
            outbound_email_queue(
                to=membership.user.email,
                template="enrollment_status",
                organization=enrollment.organization,
                language=language,
                context={
                    "subject": str(subject),
                    "contact_name": membership.user.first_name,
                    "organization": enrollment.organization.legal_name,
                    "program": enrollment.get_program_display(),
                    "paragraphs": [str(paragraph) for paragraph in paragraphs],
                    "action_url": legal_info_url(enrollment),
                    "action_label": str(gettext_lazy("See your program status")),
                },
            )


def enrollment_mark_suspended(
    enrollment: ProgramEnrollment,
    *,
    actor: User | None,
    reason: str,
    now: datetime,
    case: VerificationCase | None = None,
    data: dict[str, Any] | None = None,
    reason_code: str = "",
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
    enrollment.suspension_reason_code = reason_code
    enrollment.save(update_fields=[
        "status", "suspended_from", "suspended_at", "suspension_reason", "suspension_case", "suspension_reason_code",
    ])  # fmt: skip
    if data is None:
        data = {"reason": reason, "case": case.pk} if case else {"reason": reason}
        if reason_code:
            data["reason_code"] = reason_code
    audit_record(
        code="partnerhub.enrollment.suspended",
        actor=actor,
        organization=enrollment.organization,
        target=enrollment,
        data=data,
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
    reason, reason_code = enrollment.suspension_reason, enrollment.suspension_reason_code
    enrollment.suspended_at = None
    enrollment.suspension_reason = enrollment.suspended_from = enrollment.suspension_reason_code = ""
    enrollment.suspension_case = None
    enrollment.save(update_fields=[
        "status", "suspended_from", "suspended_at", "suspension_reason", "suspension_case", "suspension_reason_code",
    ])  # fmt: skip
    if associated and enrollment.status == ProgramEnrollment.Status.QUALIFIED:
        enrollment_reinstated.send(sender=ProgramEnrollment, enrollment=enrollment)
    audit_record(
        code="partnerhub.enrollment.reinstated",
        actor=actor,
        organization=enrollment.organization,
        target=enrollment,
        data={
            "status": enrollment.status,
            "suspension_reason": reason,
            **({"suspension_reason_code": reason_code} if reason_code else {}),
            **({"case": case.pk} if case else {}),
        },
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
    subject = gettext_lazy("Your program enrolment is reinstated")
    if case is None:  # staff lifted their own suspension: everyone their suspension emailed hears of it
        _notify_contact_and_admins(enrollment, subject=subject, paragraphs=paragraphs)
    else:  # a re-check's outcome goes where the re-check's notices went
        notify_contact(
            enrollment,
            subject=subject,
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
