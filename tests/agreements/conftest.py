from datetime import date

import pytest

from agreements.services import agreement_version_create
from demo.pdf import PARTNER_AGREEMENT, text_pdf
from enrollment import services as enrollment_services
from tests.enrollment.conftest import ENROLLMENT_DATA

MPA_PDF = text_pdf("Partner Agreement (test)", PARTNER_AGREEMENT)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def mpa(db):
    return agreement_version_create(
        type="mpa", version="2026-01", language="en", effective_date=date(2026, 1, 1), content=MPA_PDF
    )


@pytest.fixture
def staff(db):
    from tests.factories import UserFactory

    return UserFactory(email="olivia@partnerhub.example", is_staff=True, is_superuser=True)


def qualify(organization, actor, staff, *, program="indirect_reseller", associate=True):
    """Enrol, verify and (optionally) associate a location partner ID: ready to sign."""
    enrollment = enrollment_services.enrollment_submit(
        organization=organization, actor=actor, program=program, data=ENROLLMENT_DATA
    )
    case = enrollment.cases.get()
    enrollment_services.contact_email_verify(case_pk=case.pk)
    for _ in range(3):
        case = enrollment_services.case_approve_step(case=case, reviewer=staff)
    location = None
    if associate:
        location = enrollment_services.partner_id_add_location(
            organization=organization,
            actor=actor,
            business_name=organization.legal_name,
            country=organization.country.code,
            address_line1="1 Main Street",
            city="Seattle",
            postal_code="98101",
            contact_name="Pat",
            contact_email="pat@contoso.example",
        )
        enrollment_services.partner_id_associate(organization=organization, actor=actor, partner_id_pk=location.pk)
    return enrollment, location


@pytest.fixture
def qualified(admin_member, staff, mpa):
    return qualify(admin_member.organization, admin_member.user, staff)


SIGN = {"first_name": "Megan", "last_name": "Bowen", "email": "megan@contoso.example", "phone": "", "accepted": "on"}


@pytest.fixture
def signing_client(client, admin_member):
    """A Global admin who signed in through the sign-in page just now (so no re-authentication)."""
    client.post("/accounts/login/", {"login": admin_member.user.email, "password": "correct-horse-battery"})
    return client
