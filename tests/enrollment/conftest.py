"""Enrolments in a known state, built through the real services."""

import re

import pytest

from enrollment import services
from enrollment.models import Program, ProgramEnrollment, VerificationCase
from partnerhub.core.models import OutboundEmail
from tests.factories import UserFactory

ENROLLMENT_DATA = {
    "legal_name": "Contoso Distribution Inc.",
    "address_line1": "1 Main Street",
    "address_line2": "",
    "city": "Seattle",
    "state": "WA",
    "postal_code": "98101",
    "registration_number": "",
    "contact_first_name": "Pat",
    "contact_last_name": "Lee",
    "contact_email": "pat.lee@contoso.example",
    "contact_phone": "+12065550100",
    "support_email": "help@contoso.example",
    "support_phone": "+12065550101",
    "support_website": "https://contoso.example/support",
}

FORM_DATA = {**ENROLLMENT_DATA, "contact_phone": "+1 206 555 0100", "support_phone": "+1 206 555 0101"}


def verification_link(to: str = "pat.lee@contoso.example") -> str:
    body = OutboundEmail.objects.filter(to=to).latest("created_at", "pk").body_text
    return re.search(r"http://testserver(/verify-contact/[\w-]+/)", body).group(1)


@pytest.fixture
def staff(db):
    return UserFactory(email="olivia@partnerhub.example", is_staff=True, is_superuser=True)


@pytest.fixture
def enroll(admin_member):
    """enroll(program=..., **overrides) -> ProgramEnrollment with its case waiting for email verification."""

    def make(program=Program.INDIRECT_RESELLER, organization=None, **overrides):
        return services.enrollment_submit(
            organization=organization or admin_member.organization,
            actor=admin_member.user,
            program=program,
            data={**ENROLLMENT_DATA, **overrides},
        )

    return make


@pytest.fixture
def in_review(enroll):
    """An indirect-reseller enrolment whose contact verified the email: employment step in review."""
    enrollment = enroll()
    case = enrollment.cases.get()
    services.contact_email_verify(case_pk=case.pk)
    case.refresh_from_db()
    return case


@pytest.fixture
def action_needed(in_review, staff):
    return services.case_reject_step(
        case=in_review, reviewer=staff, reason_code="EMP-02", reason_text="Send a WHOIS record for contoso.example."
    )


@pytest.fixture
def authorized(in_review, staff):
    case = in_review
    for _ in range(3):  # employment, business, decision
        case = services.case_approve_step(case=case, reviewer=staff)
    assert case.status == VerificationCase.Status.AUTHORIZED
    assert case.enrollment.status == ProgramEnrollment.Status.QUALIFIED
    return case
