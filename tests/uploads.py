"""Real documents for upload tests: uploads are parsed (partnerhub/core/documents.py), so a PDF must open in
pypdf and an image must decode in Pillow; a few magic bytes no longer pass."""

from __future__ import annotations

import io

from PIL import Image

from demo.pdf import text_pdf

PDF = text_pdf("Certificate of incorporation (test)", ["Contoso Ltd is incorporated. A test document."])


def image_bytes(image_format: str = "PNG", size: tuple[int, int] = (24, 16)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 40, 90)).save(buffer, format=image_format)
    return buffer.getvalue()


PNG = image_bytes("PNG")
JPEG = image_bytes("JPEG")
