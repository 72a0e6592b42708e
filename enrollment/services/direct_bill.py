"""The direct-bill path after verification: staff record the credit check, the partner records its
support plan, asks to move to indirect reseller, and staff approve the move."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partnerhub.accounts.models import User
from partnerhub.core.audit import audit_record

from ..models import (
    CreditCheck,
    EnrollmentError,
    Program,
    ProgramEnrollment,
    ReasonCode,
    SupportPlan,
)
from ..signals import transition_customers_waiting
from .locks import lock_enrollment
from .notify import legal_info_url, notify_contact


def enrollment_record_credit_check(
    *, enrollment: ProgramEnrollment, reviewer: User, passed: bool, note: str = ""
) -> ProgramEnrollment:
    """Staff record a direct-bill credit check; passing it is emailed (the partner may now buy support)."""
    with transaction.atomic():
        enrollment = lock_enrollment(enrollment)
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


def enrollment_approve_transition(*, enrollment: ProgramEnrollment, reviewer: User) -> ProgramEnrollment:
    """Staff approve a direct-bill → indirect-reseller move: an authorized IR enrolment on the same account.

    The direct-bill enrolment stays open while the partner's customers move to one of its indirect providers
    (the transfers app: the partner picks the provider on Program info, the provider accepts each transfer);
    it closes as Transitioned when none is left to move, at once when the partner has no customer to move."""
    with transaction.atomic():
        enrollment = lock_enrollment(enrollment)
        if (
            enrollment.program != Program.DIRECT_BILL
            or not enrollment.transition_requested_at
            or enrollment.transition_approved_at
            or enrollment.closed_at
        ):
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
        enrollment.transition_approved_at = now
        enrollment.save(update_fields=["transition_approved_at"])
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
                % {"organization": enrollment.organization.legal_name},
                gettext_lazy(
                    "To move your direct-bill customers, accept an indirect provider's partnership invitation, then "
                    "choose that provider on your Program info page: it accepts the transfer of each customer's "
                    "subscriptions, with you as reseller of record."
                ),
            ],
            action_url=legal_info_url(reseller),
            action_label=gettext_lazy("See your program status"),
        )
        enrollment_transition_complete_if_done(enrollment=enrollment, actor=reviewer)
    return reseller


def transition_customers_waiting_count(enrollment: ProgramEnrollment) -> int:
    """How many of the partner's customers still have to move (the apps above answer the signal)."""
    answers = transition_customers_waiting.send(sender=ProgramEnrollment, enrollment=enrollment)
    return sum(int(count or 0) for _receiver, count in answers)


def enrollment_transition_complete_if_done(*, enrollment: ProgramEnrollment, actor: User | None) -> bool:
    """Close an approved direct-bill enrolment as Transitioned once no customer is left to move; idempotent.

    Called on approval and after each accepted transfer of the move, inside the caller's transaction."""
    with transaction.atomic():
        enrollment = lock_enrollment(enrollment)
        if enrollment.closed_at or not enrollment.transition_approved_at:
            return False
        if transition_customers_waiting_count(enrollment):
            return False
        enrollment.move_to(ProgramEnrollment.Status.TRANSITIONED)
        enrollment.closed_at = timezone.now()
        enrollment.save(update_fields=["status", "closed_at"])
        audit_record(
            code="partnerhub.enrollment.transition_completed",
            actor=actor,
            organization=enrollment.organization,
            target=enrollment,
        )
    return True
