"""A small, valid PDF written by hand, for the demo agreement documents (no PDF library needed)."""

from __future__ import annotations

import textwrap


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def text_pdf(title: str, paragraphs: list[str]) -> bytes:
    """One A4 page: a title and wrapped paragraphs in Helvetica. Latin-1 text only."""
    lines = [("F2", 16, title), ("F1", 11, "")]
    for paragraph in paragraphs:
        lines += [("F1", 11, line) for line in textwrap.wrap(paragraph, 88)] + [("F1", 11, "")]
    content = ["BT", "50 790 Td"]
    for font, size, line in lines:
        content += [f"/{font} {size} Tf", f"({_escape(line)}) Tj", f"0 -{size + 5} Td"]
    content.append("ET")
    stream = "\n".join(content).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


PARTNER_AGREEMENT = [
    "This Partner Agreement is between the Vendor and the organization that accepts it (the Partner).",
    "1. Authorization. The Vendor authorizes the Partner to resell the Vendor's cloud services in the CSP "
    "region for which the Partner accepts this agreement, directly or through an indirect provider.",
    "2. Customers. Before ordering for a customer, the Partner confirms that the customer has accepted the "
    "Customer Agreement. The Partner does not resell to itself or its affiliates.",
    "3. Compliance. The Partner keeps its partner profile accurate, cooperates with verification and keeps "
    "records of its transactions.",
    "4. Term. This agreement is perpetual and applies to the CSP region named at acceptance. The Vendor may "
    "publish new versions; when a version requires re-acceptance, the Partner accepts it to keep transacting.",
    "This is a demonstration document of PartnerHub and has no legal effect.",
]
CUSTOMER_AGREEMENT = [
    "This Customer Agreement is between the Vendor and the customer organization that accepts it.",
    "1. Use. The customer may use the cloud services it subscribes to through its partner.",
    "2. Billing. The customer's partner bills the customer; the Vendor bills the partner.",
    "This is a demonstration document of PartnerHub and has no legal effect.",
]
