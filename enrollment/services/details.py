"""Changing the legal details or primary contact of an enrolment: what changed is verified again."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from partnerhub.accounts.models import User
from partnerhub.core.audit import audit_record

from ..models import (
    EnrollmentError,
    ProgramEnrollment,
    VerificationCase,
)
from .contact_email import send_contact_verification
from .submission import (
    CONTACT_FIELDS,
    LEGAL_FIELDS,
    SUPPORT_FIELDS,
    check_contact_email,
    check_registration_number,
    open_verification_case,
)


def enrollment_update_legal_details(
    *, enrollment: ProgramEnrollment, actor: User, data: dict[str, Any]
) -> VerificationCase | None:
    """Change the legal profile or primary contact; what changed is verified again in a new case.

    The new case is a re-check that runs beside the program status: an Active partner stays Active
    (and eligible for its providers' orders) while it is reviewed, while it waits for an answer, and
    after it is approved; only a final rejection by staff suspends the enrolment, with an email.

    A change of primary contact email re-runs email ownership and employment; a change of the
    business details re-runs the business check. The country is never part of it: a CSP account's
    country decides its currency and region and cannot change.
    """
    if "country" in data and data["country"] != enrollment.organization.country.code:  # type: ignore[attr-defined]
        raise EnrollmentError(
            _(
                "The country/region of a CSP account can't change: it fixes your billing currency and CSP region. "
                "To do business in another country, add a location there or enrol with another account."
            ),
            field="country",
        )
    data = {**data, "contact_email": data.get("contact_email", enrollment.contact_email).strip().lower()}
    changed = [
        key
        for key in (*LEGAL_FIELDS, *CONTACT_FIELDS, *SUPPORT_FIELDS)
        if key in data and str(data[key]) != str(getattr(enrollment, key))
    ]
    if not changed:
        raise EnrollmentError(_("Nothing changed."), code="unchanged")
    if "contact_email" in changed:
        check_contact_email(data["contact_email"])
    if "registration_number" in changed:
        check_registration_number(enrollment.organization.country, data["registration_number"])
    with transaction.atomic():
        enrollment = (
            ProgramEnrollment.objects.select_for_update(of=("self",))
            .select_related("organization")
            .get(pk=enrollment.pk)
        )
        if enrollment.closed_at is not None:
            raise EnrollmentError(_("This enrolment is closed; enrol again instead."), code="closed")
        open_case = enrollment.cases.filter(status__in=VerificationCase.OPEN_STATUSES).exists()
        verified_fields = [key for key in changed if key not in SUPPORT_FIELDS]
        if open_case and verified_fields:
            raise EnrollmentError(
                _("Your details are being verified. Wait for the decision before changing them again."),
                code="case_open",
            )
        for key in changed:
            setattr(enrollment, key, data[key])
        enrollment.save(update_fields=changed)
        audit_record(
            code="partnerhub.enrollment.details_changed",
            actor=actor,
            organization=enrollment.organization,
            target=enrollment,
            data={"changed": changed},
        )
        if not verified_fields:
            return None  # support details are not verified
        email_changed = "contact_email" in changed
        case, token = open_verification_case(
            enrollment=enrollment,
            kind=VerificationCase.Kind.LEGAL_CHANGE,
            start_at_email=email_changed,
            changed=verified_fields,
        )
        # The program status stays as it is (Active stays Active): providers keep transacting with the
        # partner while the re-check runs. Only staff end it in a suspension, with notice.
        audit_record(
            code="partnerhub.verification.reopened",
            actor=actor,
            organization=enrollment.organization,
            target=case,
            data={"changed": verified_fields},
        )
        if token:
            send_contact_verification(enrollment, token)
    return case
