"""Reads of enrolments, cases, documents and partner IDs, always through the acting organization."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.db.models import OuterRef, QuerySet
from django.shortcuts import get_object_or_404

from partnerhub.accounts.models import Organization
from partnerhub.core import rls
from partnerhub.core.invitations import hash_token
from partnerhub.core.models import AuditEvent
from partnerhub.core.scoping import scoped

from .models import SELLING_PROGRAMS, PartnerId, Program, ProgramEnrollment, VerificationCase, VerificationDocument

# --- eligibility: one question each, answered by ProgramEnrollment's query set -------------------------


def selling_programs(organization: Organization) -> set[str]:
    """Every program under which this partner sells now (one query)."""
    return set(ProgramEnrollment.objects.selling().filter(organization=organization).values_list("program", flat=True))


def selling_program(organization: Organization) -> str | None:
    """The active program under which this partner sells (indirect provider first), or None."""
    programs = selling_programs(organization)
    return next((program for program in SELLING_PROGRAMS if program in programs), None)


def is_selling(organization: Organization) -> bool:
    """An active indirect provider or direct-bill partner: adds customers, places orders, looks up and names
    resellers (an enrolment still waiting for email verification, review or reinstatement does not)."""
    return ProgramEnrollment.objects.selling().filter(organization=organization).exists()


def is_provider(organization: Organization) -> bool:
    """Enrolled (open, whatever its status) as an indirect provider: its Indirect resellers page exists."""
    return ProgramEnrollment.objects.providers().open().filter(organization=organization).exists()


def active_provider_enrollment(organization: Organization) -> ProgramEnrollment | None:
    """The active indirect-provider enrolment: one that may request partnerships."""
    return ProgramEnrollment.objects.providers().active().filter(organization=organization).first()


def authorized_reseller_enrollment(organization: Organization) -> ProgramEnrollment | None:
    """The verified indirect-reseller enrolment: one that may authorize providers and be named as reseller."""
    return ProgramEnrollment.objects.resellers().authorized().filter(organization=organization).first()


def is_authorized(organization: Organization) -> bool:
    """Verified (Qualified or Active) in some program: may sign the partner agreement."""
    return ProgramEnrollment.objects.authorized().filter(organization=organization).exists()


if TYPE_CHECKING:
    from typing import TypeAlias, TypedDict

    from django_stubs_ext import WithAnnotations

    class _Recheck(TypedDict):
        recheck_status: str | None  # the open re-check's status (see _open_recheck)

    EnrollmentWithRecheck: TypeAlias = WithAnnotations[ProgramEnrollment, _Recheck]


def enrollment_list(*, organization: Organization) -> list[ProgramEnrollment]:
    """The latest enrolment of each program (open or closed), in program order."""
    latest: dict[str, ProgramEnrollment] = {}
    for enrollment in scoped(ProgramEnrollment.objects, organization=organization).order_by(
        "program", "-submitted_at", "-pk"
    ):
        latest.setdefault(enrollment.program, enrollment)
    return [latest[program] for program in Program.values if program in latest]


def enrollments_of_request(request: Any) -> list[EnrollmentWithRecheck]:
    """Every enrolment of the acting organization, loaded once per request (pending actions share it)."""
    if not hasattr(request, "_partnerhub_enrollments"):
        request._partnerhub_enrollments = list(
            ProgramEnrollment.objects.filter(organization=request.organization).annotate(
                recheck_status=_open_recheck.values("status")[:1]
            )
        )
    return cast("list[EnrollmentWithRecheck]", request._partnerhub_enrollments)


# The status of an enrolment's open re-check of changed details (or None), read in the same query: the
# re-check runs beside the program status, so what the partner must do next is on the case.
_open_recheck = VerificationCase.objects.filter(
    enrollment=OuterRef("pk"), kind=VerificationCase.Kind.LEGAL_CHANGE, status__in=VerificationCase.OPEN_STATUSES
)


def enrollment_get(*, organization: Organization, pk: int) -> ProgramEnrollment:
    return get_object_or_404(
        scoped(ProgramEnrollment.objects.select_related("organization"), organization=organization), pk=pk
    )


def enrollment_open(*, organization: Organization, program: str) -> ProgramEnrollment | None:
    return ProgramEnrollment.objects.filter(organization=organization, program=program, closed_at=None).first()


def case_current(*, enrollment: ProgramEnrollment) -> VerificationCase | None:
    return enrollment.cases.order_by("-submitted_at", "-pk").first()


def case_get(*, organization: Organization, pk: int) -> VerificationCase:
    return get_object_or_404(
        scoped(VerificationCase.objects.select_related("enrollment", "organization"), organization=organization),
        pk=pk,
    )


def case_by_email_token(*, token: str) -> VerificationCase | None:
    if not token or len(token) > 128:
        return None
    token_hash = hash_token(token)
    rls.set_token(token_hash)  # the link is the capability: this transaction may see its case and enrolment
    return (
        VerificationCase.objects.select_related("enrollment__organization").filter(email_token_hash=token_hash).first()
    )


def case_history(*, enrollment: ProgramEnrollment) -> QuerySet[AuditEvent]:
    """Every step, document and decision of the enrolment and its cases, newest first."""
    case_ids = [str(pk) for pk in enrollment.cases.values_list("pk", flat=True)]
    return (
        AuditEvent.objects.filter(organization=enrollment.organization)
        .filter(
            object_type__in=["enrollment.verificationcase", "enrollment.programenrollment"],
            object_id__in=[*case_ids, str(enrollment.pk)],
        )
        .select_related("actor")
        .order_by("-created_at", "-pk")
    )


def document_list(*, enrollment: ProgramEnrollment) -> QuerySet[VerificationDocument]:
    return VerificationDocument.objects.filter(
        organization=enrollment.organization, case__enrollment=enrollment
    ).order_by("-uploaded_at")


def document_get(*, organization: Organization, pk: int) -> VerificationDocument:
    return get_object_or_404(scoped(VerificationDocument.objects, organization=organization), pk=pk)


def partner_id_list(*, organization: Organization) -> QuerySet[PartnerId]:
    return scoped(PartnerId.objects, organization=organization).order_by("kind", "number")


def partner_id_choices(*, organization: Organization) -> QuerySet[PartnerId]:
    """What the association picker offers: location IDs in the organization's own country."""
    return PartnerId.objects.filter(
        organization=organization, kind=PartnerId.Kind.LOCATION, country=organization.country
    ).order_by("number")


def partner_id_associated(*, organization: Organization) -> PartnerId | None:
    return PartnerId.objects.filter(organization=organization, csp_associated=True).first()
