"""Row locks and the state check every write on a case or an enrolment starts with (shared by the
review, the partner's answer, the decisions and the direct-bill steps)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ..models import (
    EnrollmentError,
    ProgramEnrollment,
    VerificationCase,
)


def lock_case(case: VerificationCase) -> VerificationCase:
    return (
        VerificationCase.objects.select_for_update(of=("self",))
        .select_related("enrollment__organization", "enrollment__enrolled_by", "organization")
        .get(pk=case.pk)
    )


def require_case_status(case: VerificationCase, *statuses: str) -> None:
    if case.status not in statuses:
        raise EnrollmentError(
            _("This case is %(status)s; that action isn't possible now.") % {"status": case.get_status_display()},
            code="illegal_transition",
        )


def lock_enrollment(enrollment: ProgramEnrollment) -> ProgramEnrollment:
    return (
        ProgramEnrollment.objects.select_for_update(of=("self",))
        .select_related("organization", "enrolled_by")
        .get(pk=enrollment.pk)
    )
