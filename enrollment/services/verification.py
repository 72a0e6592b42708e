"""The vendor's review of a verification case (called from admin), and the partner's answer to a
rejection ("Fix now"). Each function locks the case, checks its state, audits and emails."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partnerhub.accounts.models import Membership, User
from partnerhub.core.audit import audit_record
from partnerhub.core.business_days import add_business_days
from partnerhub.core.documents import DocumentRefused, ParsedDocument, parse_document

from ..models import (
    STEP_ORDER,
    CreditCheck,
    DocumentType,
    EnrollmentError,
    PartnerId,
    Program,
    ProgramEnrollment,
    ReasonCode,
    Step,
    StepStatus,
    VerificationCase,
    VerificationDocument,
)
from ..signals import enrollment_authorized, enrollment_reinstated
from .notify import legal_info_url, notify_contact


def _lock_case(case: VerificationCase) -> VerificationCase:
    return (
        VerificationCase.objects.select_for_update(of=("self",))
        .select_related("enrollment__organization", "enrollment__enrolled_by", "organization")
        .get(pk=case.pk)
    )


def _require(case: VerificationCase, *statuses: str) -> None:
    if case.status not in statuses:
        raise EnrollmentError(
            _("This case is %(status)s; that action isn't possible now.") % {"status": case.get_status_display()},
            code="illegal_transition",
        )


def case_assign(*, case: VerificationCase, reviewer: User) -> VerificationCase:
    """ "Assign to me"."""
    with transaction.atomic():
        case = _lock_case(case)
        _require(case, *VerificationCase.OPEN_STATUSES)
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


def _authorize(case: VerificationCase, reviewer: User, now: datetime) -> None:
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
            locked = _lock_enrollment(enrollment)
            _reinstate(locked, reviewer, case=case)
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


def case_approve_step(*, case: VerificationCase, reviewer: User) -> VerificationCase:
    """Pass the current step; after the business step, approving the decision authorizes the enrolment."""
    with transaction.atomic():
        case = _lock_case(case)
        _require(case, VerificationCase.Status.IN_REVIEW)
        now = timezone.now()
        step = Step(case.step)
        if step == Step.DECISION:
            _authorize(case, reviewer, now)
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


def _reject_final(
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
        case = _lock_case(case)
        _require(case, VerificationCase.Status.IN_REVIEW)
        now = timezone.now()
        if counts_as_failure:
            case.rejections += 1
        if counts_as_failure and case.rejections >= settings.VERIFICATION_MAX_REJECTIONS:
            _reject_final(case, reviewer, ReasonCode.REPEATED_FAILURES, reason_text, now)
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
        case = _lock_case(case)
        _require(case, VerificationCase.Status.IN_REVIEW, VerificationCase.Status.ACTION_NEEDED)
        _reject_final(case, reviewer, reason_code, reason_text, timezone.now())
        case.save()
    return case


def validate_document(upload: UploadedFile[bytes]) -> tuple[ParsedDocument, bytes]:
    """The upload parsed as a PDF, PNG or JPEG (the content decides, not the name or the browser), and its
    content; or EnrollmentError saying what is wrong with it."""
    size = upload.size or 0
    if size == 0:
        raise EnrollmentError(_("The file is empty."), field="file")
    if size > settings.VERIFICATION_DOCUMENT_MAX_BYTES:
        raise EnrollmentError(
            _("The file is too large: the limit is %(limit)d MB.")
            % {"limit": settings.VERIFICATION_DOCUMENT_MAX_BYTES // (1024 * 1024)},
            field="file",
        )
    content = upload.read()
    try:
        return parse_document(content), content
    except DocumentRefused as exc:
        raise EnrollmentError(exc.message, code=exc.code, field="file") from None


def case_submit_document(
    *, case: VerificationCase, actor: User, document_type: str, comment: str, upload: UploadedFile[bytes]
) -> VerificationDocument:
    """ "Fix now": the partner answers a rejection with a document; the case goes back to review."""
    if document_type not in DocumentType.values:
        raise EnrollmentError(_("Choose a document type."), field="document_type")
    parsed, content = validate_document(upload)
    with transaction.atomic():
        case = _lock_case(case)
        _require(case, VerificationCase.Status.ACTION_NEEDED)
        now = timezone.now()
        document = VerificationDocument(
            case=case,
            organization=case.organization,
            document_type=document_type,
            comment=(comment or "").strip(),
            storage_name=f"{uuid.uuid4().hex}.{parsed.extension}",
            original_name=(getattr(upload, "name", "") or "document")[:255],
            content_type=parsed.content_type,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            step=case.step,
            uploaded_by=actor,
            uploaded_at=now,
        )
        document.file.save(document.storage_name, ContentFile(content), save=False)
        try:  # a failure below must not leave a stored file without its row
            document.save()
            case.move_to(VerificationCase.Status.IN_REVIEW)
            case.set_step_status(case.step, StepStatus.PENDING)
            case.action_needed_at = None
            case.closes_at = None
            case.sla_due_at = add_business_days(
                now,
                settings.VERIFICATION_SLA_BUSINESS_DAYS,
                case.organization.country.code,  # type: ignore[attr-defined]
            )
            case.overdue_at = None
            case.save()
        except Exception:
            document.file.delete(save=False)
            raise
        if not case.is_recheck:
            case.enrollment.move_to(ProgramEnrollment.Status.PENDING_QUALIFICATION)
            case.enrollment.save(update_fields=["status"])
        audit_record(
            code="partnerhub.verification.document_submitted",
            actor=actor,
            organization=case.organization,
            target=case,
            data={"document": document.pk, "type": document_type, "sha256": document.sha256, "step": case.step},
        )
        notify_contact(
            case.enrollment,
            subject=gettext_lazy("We received your document"),
            paragraphs=[
                gettext_lazy("Your document is back in review. Expect a decision by %(date)s.")
                % {"date": date_format(timezone.localtime(case.sla_due_at))}
            ],
            action_url=legal_info_url(case.enrollment),
            action_label=gettext_lazy("See the verification status"),
        )
    return document


def enrollment_record_credit_check(
    *, enrollment: ProgramEnrollment, reviewer: User, passed: bool, note: str = ""
) -> ProgramEnrollment:
    """Staff record a direct-bill credit check; passing it is emailed (the partner may now buy support)."""
    with transaction.atomic():
        enrollment = (
            ProgramEnrollment.objects.select_for_update(of=("self",))
            .select_related("organization", "enrolled_by")
            .get(pk=enrollment.pk)
        )
        if enrollment.program != Program.DIRECT_BILL:
            raise EnrollmentError(_("Only direct-bill enrolments have a credit check."))
        if enrollment.credit_check_status != CreditCheck.PENDING:
            raise EnrollmentError(
                _("The credit check isn't pending (it starts once the company is verified)."), code="illegal_transition"
            )
        now = timezone.now()
        enrollment.credit_check_status = CreditCheck.PASSED if passed else CreditCheck.FAILED
        enrollment.credit_check_decided_at = now
        update = ["credit_check_status", "credit_check_decided_at"]
        if not passed:
            enrollment.move_to(ProgramEnrollment.Status.REJECTED)
            enrollment.closed_at = now
            update += ["status", "closed_at"]
        enrollment.save(update_fields=update)
        audit_record(
            code="partnerhub.enrollment.credit_check_recorded",
            actor=reviewer,
            organization=enrollment.organization,
            target=enrollment,
            data={"passed": passed, "note": note},
        )
        if passed:
            notify_contact(
                enrollment,
                subject=gettext_lazy("You passed the credit check"),
                paragraphs=[
                    gettext_lazy("You can now buy an Advanced or Premier support plan and record it in PartnerHub.")
                ],
                action_url=legal_info_url(enrollment),
                action_label=gettext_lazy("Record your support plan"),
            )
        else:
            notify_contact(
                enrollment,
                subject=gettext_lazy("Your direct-bill application was not approved"),
                paragraphs=[ReasonCode.CREDIT_CHECK_FAILED.label, note],
                action_url=legal_info_url(enrollment),
                action_label=gettext_lazy("See the decision"),
            )
    return enrollment


def enrollment_approve_transition(*, enrollment: ProgramEnrollment, reviewer: User) -> ProgramEnrollment:
    """Staff approve a direct-bill → indirect-reseller move: an authorized IR enrolment on the same account."""
    with transaction.atomic():
        enrollment = (
            ProgramEnrollment.objects.select_for_update(of=("self",))
            .select_related("organization", "enrolled_by")
            .get(pk=enrollment.pk)
        )
        if enrollment.program != Program.DIRECT_BILL or not enrollment.transition_requested_at or enrollment.closed_at:
            raise EnrollmentError(
                _("There is no pending move to indirect reseller on this enrolment."), code="illegal_transition"
            )
        if ProgramEnrollment.objects.filter(
            organization=enrollment.organization, program=Program.INDIRECT_RESELLER, closed_at=None
        ).exists():
            raise EnrollmentError(_("This organization already has an indirect-reseller enrolment."))
        now = timezone.now()
        copied = {
            field.name: getattr(enrollment, field.name)
            for field in ProgramEnrollment._meta.fields
            if field.name.startswith(("legal_", "address_", "contact_", "support_"))
            or field.name in ("city", "state", "postal_code", "registration_number")
        }
        reseller = ProgramEnrollment.objects.create(
            organization=enrollment.organization,
            program=Program.INDIRECT_RESELLER,
            status=ProgramEnrollment.Status.QUALIFIED,
            enrolled_by=enrollment.enrolled_by,
            submitted_at=now,
            authorized_at=now,
            **{key: value for key, value in copied.items() if key not in ("support_plan", "support_plan_purchased_at")},
        )
        enrollment.move_to(ProgramEnrollment.Status.TRANSITIONED)
        enrollment.closed_at = now
        enrollment.save(update_fields=["status", "closed_at"])
        audit_record(
            code="partnerhub.enrollment.transition_approved",
            actor=reviewer,
            organization=enrollment.organization,
            target=reseller,
        )
        notify_contact(
            reseller,
            subject=gettext_lazy("Your move to indirect reseller is approved"),
            paragraphs=[
                gettext_lazy(
                    "%(organization)s is now an indirect reseller. Your provider creates customer tenants and "
                    "places orders for you; existing direct-bill subscriptions keep running until transferred."
                )
                % {"organization": enrollment.organization.legal_name}
            ],
            action_url=legal_info_url(reseller),
            action_label=gettext_lazy("See your program status"),
        )
    return reseller


def enrollment_suspend(*, enrollment: ProgramEnrollment, reviewer: User, reason_text: str) -> ProgramEnrollment:
    """Suspend an authorized enrolment (abuse, overdue billing…); it keeps its history."""
    if not (reason_text or "").strip():
        raise EnrollmentError(_("Explain the reason in a sentence the partner will read."), field="reason_text")
    with transaction.atomic():
        enrollment = (
            ProgramEnrollment.objects.select_for_update(of=("self",))
            .select_related("organization", "enrolled_by")
            .get(pk=enrollment.pk)
        )
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


def _lock_enrollment(enrollment: ProgramEnrollment) -> ProgramEnrollment:
    return (
        ProgramEnrollment.objects.select_for_update(of=("self",))
        .select_related("organization", "enrolled_by")
        .get(pk=enrollment.pk)
    )


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


def _reinstate(enrollment: ProgramEnrollment, actor: User | None, *, case: VerificationCase | None = None) -> None:
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
        enrollment = _lock_enrollment(enrollment)
        _reinstate(enrollment, actor)
    return enrollment
