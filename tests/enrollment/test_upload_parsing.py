""" "Fix now" uploads are parsed (pypdf, Pillow), not sniffed, and are downloaded as attachments.

Each bad file goes through the real form, as a partner's browser posts it: it is refused with a message that
says what is wrong, nothing is stored (no row, no file) and the case still waits for the partner."""

import html
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from enrollment.models import VerificationCase, VerificationDocument
from tests.uploads import JPEG, PDF, PNG, image_bytes

POLYGLOT = b"%PDF-1.4\n<html><body><script>fetch('/settings/users/').then(r=>r.text()).then(alert)</script>\n%%EOF\n"


def _pdf_writer_bytes(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _encrypted_pdf(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(PDF))
    writer.encrypt(user_password=user_password, owner_password="owner-only-secret", algorithm="AES-128")
    return _pdf_writer_bytes(writer)


def _corrupt_png() -> bytes:
    """A real PNG with one byte of its pixel data changed: the header is fine, the chunk checksum is not."""
    png = bytearray(image_bytes("PNG", (64, 64)))
    idat = png.index(b"IDAT")
    png[idat + 10] ^= 0xFF
    return bytes(png)


UNREADABLE_PDF = "This PDF can't be read"
UNREADABLE_IMAGE = "This image can't be read"
NONE_OF_THEM = "Upload a PDF, PNG or JPEG file"
HTML = b"<html><script>alert(1)</script></html>"
BAD_UPLOADS = {
    "polyglot": ("certificate.pdf", POLYGLOT, UNREADABLE_PDF),
    "truncated pdf": ("certificate.pdf", PDF[: len(PDF) // 2], UNREADABLE_PDF),
    "pdf cut before its end": ("certificate.pdf", PDF[:-40], UNREADABLE_PDF),
    "renamed text file": ("certificate.pdf", b"Certificate of incorporation\n", NONE_OF_THEM),
    "html renamed png": ("scan.png", HTML, NONE_OF_THEM),
    "png header on html": ("scan.png", b"\x89PNG\r\n\x1a\n" + HTML, UNREADABLE_IMAGE),
    "png with bad pixel data": ("scan.png", _corrupt_png(), UNREADABLE_IMAGE),
    "truncated jpeg": ("scan.jpg", image_bytes("JPEG", (64, 64))[:300], UNREADABLE_IMAGE),
    "gif": ("scan.gif", image_bytes("GIF"), NONE_OF_THEM),
    "password-protected pdf": ("certificate.pdf", _encrypted_pdf("partner-pw"), "protected by a password"),
    "pdf without pages": ("certificate.pdf", _pdf_writer_bytes(PdfWriter()), "This PDF has no pages"),
}
TYPES = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg", "gif": "image/gif", "html": "text/html"}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _fix_now(client, case, name, content, content_type=None):
    upload = SimpleUploadedFile(name, content, content_type or TYPES[name.rsplit(".", 1)[1]])
    return client.post(
        f"/settings/legal/cases/{case.pk}/fix/",
        {"document_type": "business_registration", "comment": "Attached.", "file": upload},
    )


@pytest.mark.parametrize(("name", "content", "message"), list(BAD_UPLOADS.values()), ids=list(BAD_UPLOADS))
def test_a_bad_file_is_refused_with_its_reason_and_nothing_is_stored(
    admin_client, action_needed, media, name, content, message
):  # fmt: skip
    response = _fix_now(admin_client, action_needed, name, content)

    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert message in page
    assert b"<script>alert" not in response.content
    assert not VerificationDocument.objects.exists()
    assert not [path for path in media.rglob("*") if path.is_file()]
    assert VerificationCase.objects.get().status == VerificationCase.Status.ACTION_NEEDED


def test_an_image_over_the_pixel_limit_is_refused(admin_client, action_needed, media, settings):
    settings.UPLOAD_IMAGE_MAX_PIXELS = 2_000_000
    huge = image_bytes("PNG", (2000, 1001))  # a flat colour: small on disk, 2,002,000 pixels once decoded

    response = _fix_now(admin_client, action_needed, "scan.png", huge)

    assert "This image is too large: at most 2 million pixels." in html.unescape(response.content.decode())
    assert not VerificationDocument.objects.exists()


@pytest.mark.parametrize(
    ("name", "claimed", "content", "stored_type", "extension"),
    [
        ("certificate.pdf", "application/pdf", PDF, "application/pdf", ".pdf"),
        ("scan.png", "image/png", PNG, "image/png", ".png"),
        ("photo.jpg", "image/jpeg", JPEG, "image/jpeg", ".jpg"),
        # The browser's word and the name don't count: a PNG sent as "certificate.pdf" is stored as a PNG.
        ("certificate.pdf", "application/pdf", PNG, "image/png", ".png"),
        ("owner-locked.pdf", "application/pdf", _encrypted_pdf(""), "application/pdf", ".pdf"),  # opens freely
    ],
)
def test_a_good_document_is_stored_with_its_parsed_type_and_downloaded_as_an_attachment(
    admin_client, action_needed, media, name, claimed, content, stored_type, extension
):
    response = _fix_now(admin_client, action_needed, name, content, claimed)

    assert response.status_code == 302
    document = VerificationDocument.objects.get()
    assert document.content_type == stored_type
    assert document.storage_name.endswith(extension)
    assert VerificationCase.objects.get().status == VerificationCase.Status.IN_REVIEW
    download = admin_client.get(f"/settings/legal/documents/{document.pk}/")
    assert download.status_code == 200
    assert download["Content-Type"] == stored_type
    assert download["Content-Disposition"] == f'attachment; filename="{name}"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == content


def test_a_stored_file_is_never_served_inline_whatever_its_name(admin_client, action_needed, media):
    """A document whose name would make a browser render it (an .html original name) is still a download."""
    _fix_now(admin_client, action_needed, "invoice.html", PDF)
    document = VerificationDocument.objects.get()

    download = admin_client.get(f"/settings/legal/documents/{document.pk}/")

    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
