"""Another organization's enrolments, cases, documents and partner IDs are 404 for every role."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from enrollment import services
from enrollment.models import PartnerId, ProgramEnrollment, VerificationCase, VerificationDocument
from tests.uploads import PDF


@pytest.fixture
def theirs(action_needed, admin_member, settings, tmp_path):
    """The provider's enrolment, case (action needed, with a document) and a location ID."""
    settings.MEDIA_ROOT = tmp_path
    document = services.case_submit_document(
        case=action_needed,
        actor=admin_member.user,
        document_type="other",
        comment="secret",
        upload=SimpleUploadedFile("d.pdf", PDF),
    )
    location = services.partner_id_add_location(
        organization=admin_member.organization, actor=admin_member.user, business_name="Contoso Seattle",
        country="US", address_line1="1 Main", city="Seattle", postal_code="98101", contact_name="Pat",
        contact_email="pat.lee@contoso.example",
    )  # fmt: skip
    return {"enrollment": action_needed.enrollment, "case": action_needed, "document": document, "location": location}


URLS = [
    ("post", "/settings/legal/{enrollment}/resend-email/"),
    ("get", "/settings/legal/{enrollment}/update/"),
    ("post", "/settings/legal/{enrollment}/update/"),
    ("post", "/settings/legal/{enrollment}/support-plan/"),
    ("post", "/settings/legal/{enrollment}/transition/"),
    ("get", "/settings/legal/cases/{case}/fix/"),
    ("post", "/settings/legal/cases/{case}/fix/"),
    ("get", "/settings/legal/documents/{document}/"),
]


@pytest.mark.parametrize(("method", "path"), URLS)
def test_outsider_gets_404(client, outsider_member, theirs, method, path):
    client.force_login(outsider_member.user)
    url = path.format(enrollment=theirs["enrollment"].pk, case=theirs["case"].pk, document=theirs["document"].pk)
    before = (
        list(ProgramEnrollment.objects.values()),
        list(VerificationCase.objects.values()),
        VerificationDocument.objects.count(),
    )

    response = getattr(client, method)(url, {"legal_name": "Hijacked", "plan": "asfp", "document_type": "other"})

    assert response.status_code == 404
    after = (
        list(ProgramEnrollment.objects.values()),
        list(VerificationCase.objects.values()),
        VerificationDocument.objects.count(),
    )
    assert before == after


def test_outsider_cannot_associate_anothers_partner_id(client, outsider_member, theirs):
    client.force_login(outsider_member.user)

    response = client.post("/settings/identifiers/", {"partner_id": theirs["location"].pk})

    assert "Choose one of your own location partner IDs." in response.content.decode()
    assert not PartnerId.objects.filter(csp_associated=True).exists()


def test_outsider_pages_show_nothing_of_the_other_tenant(client, outsider_member, theirs):
    client.force_login(outsider_member.user)

    for path in ("/settings/legal/", "/settings/identifiers/", "/programs/csp/", "/"):
        page = client.get(path).content.decode()
        assert "Contoso" not in page, path
        assert str(theirs["location"].number) not in page, path
