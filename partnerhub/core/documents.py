"""Uploaded documents are parsed, not sniffed: a PDF must open in pypdf, an image in Pillow.

The first bytes only choose which parser to try; the parser decides. "%PDF-" followed by HTML, a truncated
PDF, a PNG header on garbage, a text file renamed .pdf: each is refused with a message that says why. The
content type stored with a document is the one its parse found, and download views serve it as an
attachment with `X-Content-Type-Options: nosniff` (`attachment_response`).
"""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.http import FileResponse
from django.utils.translation import gettext as _
from PIL import Image
from pypdf import PasswordType, PdfReader

logger = logging.getLogger(__name__)

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
EXTENSIONS = {PDF: "pdf", PNG: "png", JPEG: "jpg"}
_IMAGE_FORMATS = {"PNG": PNG, "JPEG": JPEG}
_HEADERS = ((b"%PDF-", PDF), (b"\x89PNG\r\n\x1a\n", PNG), (b"\xff\xd8\xff", JPEG))


class DocumentRefused(ValueError):
    """The upload is not a readable document of an accepted kind; `message` says why, for the form."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class ParsedDocument:
    content_type: str
    pages: int = 0  # a PDF's
    width: int = 0  # an image's
    height: int = 0

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def _claimed_type(content: bytes) -> str | None:
    for header, content_type in _HEADERS:
        if content.startswith(header):
            return content_type
    return None


def parse_pdf(content: bytes) -> ParsedDocument:
    """A PDF that opens (with no password), with at least one page; else DocumentRefused."""
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise DocumentRefused(
                _("This PDF is protected by a password. Upload a copy without a password."), code="pdf_encrypted"
            )
        pages = len(reader.pages)
        if pages:
            reader.pages[0].mediabox  # noqa: B018 - the first page must be readable, not just counted
    except DocumentRefused:
        raise
    except Exception as exc:  # noqa: BLE001 - a parser fed hostile bytes raises anything; none may be a 500
        logger.info("PDF upload refused: %s: %s", type(exc).__name__, exc)
        raise DocumentRefused(
            _("This PDF can't be read: it is damaged, incomplete or not really a PDF. Save it again and upload it."),
            code="pdf_unreadable",
        ) from None
    if pages < 1:
        raise DocumentRefused(_("This PDF has no pages."), code="pdf_empty")
    return ParsedDocument(content_type=PDF, pages=pages)


def parse_image(content: bytes, *, formats: tuple[str, ...] = ("PNG", "JPEG")) -> ParsedDocument:
    """A PNG or JPEG image whose every pixel decodes, within UPLOAD_IMAGE_MAX_PIXELS; else DocumentRefused."""
    unreadable = DocumentRefused(
        _("This image can't be read: it is damaged or incomplete. Save it again as PNG or JPEG and upload it."),
        code="image_unreadable",
    )
    limit = settings.UPLOAD_IMAGE_MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content), formats=list(formats)) as image:
                image_format, (width, height) = image.format, image.size
                if width * height > limit:
                    raise DocumentRefused(
                        _("This image is too large: at most %(limit)d million pixels.") % {"limit": limit // 1_000_000},
                        code="image_too_large",
                    )
                image.verify()  # PNG: every chunk's checksum
            with Image.open(io.BytesIO(content), formats=list(formats)) as image:
                image.load()  # every pixel decodes (a truncated JPEG fails here, not in verify())
    except DocumentRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DocumentRefused(
            _("This image is too large: at most %(limit)d million pixels.") % {"limit": limit // 1_000_000},
            code="image_too_large",
        ) from None
    except Exception as exc:  # noqa: BLE001 - hostile bytes raise anything (UnidentifiedImageError, OSError…)
        logger.info("Image upload refused: %s: %s", type(exc).__name__, exc)
        raise unreadable from None
    if image_format not in _IMAGE_FORMATS:
        raise unreadable
    return ParsedDocument(content_type=_IMAGE_FORMATS[image_format], width=width, height=height)


def parse_document(content: bytes, *, accepted: tuple[str, ...] = (PDF, PNG, JPEG)) -> ParsedDocument:
    """Parse an upload as the kind its first bytes claim, if that kind is accepted."""
    claimed = _claimed_type(content)
    if claimed not in accepted:
        raise DocumentRefused(
            _("Upload a PDF, PNG or JPEG file; this file is none of them.")
            if accepted == (PDF, PNG, JPEG)
            else _("Upload a PDF file; this file is not one.")
            if accepted == (PDF,)
            else _("Upload a PNG or JPEG image; this file is neither."),
            code="unsupported_type",
        )
    if claimed == PDF:
        return parse_pdf(content)
    return parse_image(content, formats=("PNG",) if claimed == PNG else ("JPEG",))


def attachment_response(file, *, filename: str, content_type: str, inline: bool = False) -> FileResponse:
    """A stored upload as a download: the parsed content type, never sniffed, saved rather than shown.

    `inline` only for a type the browser shows in its own viewer (a PDF in a frame, an image in <img>)."""
    response = FileResponse(file, as_attachment=not inline, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
