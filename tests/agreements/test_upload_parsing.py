"""Agreement PDFs (staff upload them in admin) are parsed with pypdf, not sniffed; served with nosniff."""

import html
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from agreements.models import AgreementError, AgreementVersion
from agreements.services import agreement_version_create
from tests.scenarios import MPA_PDF
from tests.uploads import PNG

ADD = "/admin/agreements/agreementversion/add/"
POLYGLOT = b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n%%EOF\n"


def _post(client, name: str, content: bytes):
    return client.post(
        ADD,
        {
            "type": "mpa",
            "version": "2026-07",
            "language": "en",
            "effective_date": "2026-07-01",
            "active": "on",
            "upload": SimpleUploadedFile(name, content, "application/pdf"),
        },
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (POLYGLOT, "This PDF can't be read: it is damaged, incomplete or not really a PDF."),
        (MPA_PDF[: len(MPA_PDF) // 2], "This PDF can't be read: it is damaged, incomplete or not really a PDF."),
        (b"The partner agreement, as plain text.\n", "Upload a PDF file; this file is not one."),
        (PNG, "Upload a PDF file; this file is not one."),
    ],
    ids=["polyglot", "truncated", "renamed text file", "png"],
)
def test_staff_see_why_a_bad_agreement_file_is_refused_and_nothing_is_published(
    client, staff, tmp_path, content, message
):
    client.force_login(staff)

    response = _post(client, "mpa.pdf", content)

    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    assert not AgreementVersion.objects.exists()
    assert not [path for path in tmp_path.rglob("*") if path.is_file()]


def test_a_real_pdf_is_published(client, staff):
    client.force_login(staff)

    response = _post(client, "mpa.pdf", MPA_PDF)

    assert response.status_code == 302
    version = AgreementVersion.objects.get()
    assert version.document.read() == MPA_PDF


def test_the_service_refuses_a_polyglot_too(db, tmp_path):
    with pytest.raises(AgreementError, match="This PDF can't be read") as refused:
        agreement_version_create(
            type="mpa", version="x", language="en", effective_date=date(2026, 1, 1), content=POLYGLOT
        )
    assert refused.value.field == "document"
    assert not AgreementVersion.objects.exists()


def test_the_document_is_a_pdf_with_nosniff_inline_in_the_frame_and_an_attachment_to_download(
    signing_client, qualified, mpa
):
    inline = signing_client.get(f"/settings/agreements/versions/{mpa.pk}/document/")
    download = signing_client.get(f"/settings/agreements/versions/{mpa.pk}/document/?download=1")

    for response in (inline, download):
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
    assert inline["Content-Disposition"] == 'inline; filename="partnerhub-mpa-2026-01.pdf"'
    assert download["Content-Disposition"] == 'attachment; filename="partnerhub-mpa-2026-01.pdf"'
