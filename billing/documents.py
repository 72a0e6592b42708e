"""The documents an invoice is read in: its PDF (fpdf2, a core font: no system library) and its reconciliation
file (CSV, one row per charge line, modelled on Partner Center's new-commerce reconciliation file, commerce.md
§6.2). Both read the invoice as issued: the parties, tax wording and totals stored on it, the lines it billed.

Both stream their lines (`.iterator()`): a whale's invoice of a hundred thousand lines never sits in memory as
model instances."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.csv_export import BOM, neutralise
from enrollment.models import PartnerId

from .models import ChargeLine, Invoice
from .money import minor_unit

# --- amounts ------------------------------------------------------------------------------------------------


def amount_text(amount: Decimal | None, currency: str, *, grouped: bool = True) -> str:
    """An amount with the currency's minor unit (JPY none): 1,234.50 EUR → "1,234.50"; 1235 JPY → "1,235"."""
    if amount is None:
        return ""
    places = minor_unit(currency)
    return f"{amount:,.{places}f}" if grouped else f"{amount:.{places}f}"


def money_text(amount: Decimal | None, currency: str) -> str:
    """An amount for a page or an email, in the active language's number format with the currency's minor unit
    (English 10,747 JPY and 1,234.50 EUR; French 10 747 and 1 234,50)."""
    if amount is None:
        return ""
    return formats.number_format(amount, decimal_pos=minor_unit(currency), use_l10n=True, force_grouping=True)


# --- the PDF --------------------------------------------------------------------------------------------------

# Characters a core font (latin-1) lacks, spelled with ones it has; anything else becomes "?".
_LATIN1 = str.maketrans({"—": "-", "–": "-", "’": "'", "‘": "'", "“": '"', "”": '"', "…": "...", "→": "->",
                         "€": "EUR", "\u202f": " ", "\u00a0": " ", "−": "-"})  # fmt: skip


def _latin1(text: object) -> str:
    return str(text).translate(_LATIN1).encode("latin-1", "replace").decode("latin-1")


# (heading, width in mm, alignment) of the lines table: 190 mm across an A4 page with 10 mm margins.
_COLUMNS = (
    (gettext_lazy("Customer"), 34, "L"),
    (gettext_lazy("Offer"), 40, "L"),
    (gettext_lazy("Charge type"), 24, "L"),
    (gettext_lazy("Period"), 36, "L"),
    (gettext_lazy("Qty"), 10, "R"),
    (gettext_lazy("Unit price"), 22, "R"),
    (gettext_lazy("Subtotal"), 24, "R"),
)


def _fit(pdf, text: str, width: float) -> str:
    """Cut `text` to the cell's width (one line per charge keeps a long invoice's pages predictable)."""
    text = _latin1(text)
    if pdf.get_string_width(text) <= width - 2:
        return text
    while text and pdf.get_string_width(text + "...") > width - 2:
        text = text[:-1]
    return text + "..."


def _day(value) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice or credit note as an A4 PDF: parties, facts, one row per charge line, totals, tax wording
    (reverse charge shown as such), payment terms and the late-payment mention."""
    from fpdf import FPDF

    currency = invoice.currency
    is_credit = invoice.kind == Invoice.Kind.CREDIT_NOTE
    title = _("Credit note") if is_credit else _("Invoice")
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_title(_latin1(f"{title} {invoice.number}"))
    pdf.set_author(_latin1(invoice.issuer_name))
    pdf.set_creator("PartnerHub")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_margins(10, 12, 10)
    pdf.add_page()

    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 9, _latin1(f"{title} {invoice.number}"), new_x="LMARGIN", new_y="NEXT")
    if is_credit and invoice.credits is not None:
        pdf.set_font("Helvetica", "", 10)
        pdf.cell(0, 6, _latin1(_("Corrects invoice %(number)s") % {"number": invoice.credits.number}),
                 new_x="LMARGIN", new_y="NEXT")  # fmt: skip
        if invoice.reason:
            pdf.multi_cell(0, 5, _latin1(_("Reason: %(reason)s") % {"reason": invoice.reason}),
                           new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.ln(3)

    # The two parties side by side.
    top = pdf.get_y()
    for x, heading, name, address in (
        (10, _("Issued by"), invoice.issuer_name, invoice.issuer_address),
        (110, _("Billed to"), invoice.recipient_name, invoice.recipient_address),
    ):
        pdf.set_xy(x, top)
        pdf.set_font("Helvetica", "B", 9)
        pdf.cell(90, 5, _latin1(heading), new_x="LEFT", new_y="NEXT")
        pdf.set_font("Helvetica", "", 10)
        pdf.multi_cell(90, 5, _latin1("\n".join(filter(None, [name, address]))), new_x="LEFT", new_y="NEXT")
    pdf.set_xy(10, max(pdf.get_y(), top + 30) + 2)

    pdf.set_font("Helvetica", "", 10)
    facts = [
        (_("Number"), invoice.number),
        (_("Issued"), _day(invoice.issued_at.date())),
        (_("Period"), f"{_day(invoice.period_start)} - {_day(invoice.period_end)}"),
        (_("Currency"), currency),
    ]
    if not is_credit:
        facts.insert(2, (_("Due"), _day(invoice.due_on)))
    for label, value in facts:
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(30, 6, _latin1(label))
        pdf.set_font("Helvetica", "", 10)
        pdf.cell(0, 6, _latin1(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    def header() -> None:
        pdf.set_font("Helvetica", "B", 8)
        pdf.set_fill_color(235, 235, 235)
        for heading, width, align in _COLUMNS:
            pdf.cell(width, 6, _latin1(heading), border="B", align=align, fill=True)
        pdf.ln()
        pdf.set_font("Helvetica", "", 8)

    lines = (
        invoice.lines.select_related("customer", "offer")
        .order_by("event_on", "id")
        .only(
            "customer__legal_name",
            "offer__name",
            "charge_type",
            "charge_start",
            "charge_end",
            "quantity",
            "unit_price",
            "subtotal",
            "is_adjustment",
        )  # fmt: skip
    )
    labels = dict(ChargeLine.ChargeType.choices)
    if not is_credit:
        header()
    for line in lines.iterator(chunk_size=2000):
        if pdf.will_page_break(5):
            pdf.add_page()
            header()
        kind = str(labels.get(line.charge_type, line.charge_type))
        if line.is_adjustment:
            kind += "*"
        cells = (
            line.customer.legal_name,
            line.offer.name,
            kind,
            f"{_day(line.charge_start)} - {_day(line.charge_end)}",
            str(line.quantity),
            amount_text(line.unit_price.quantize(Decimal(1).scaleb(-minor_unit(currency))), currency),
            amount_text(line.subtotal, currency),
        )
        for text, (_heading, width, align) in zip(cells, _COLUMNS, strict=True):
            pdf.cell(width, 5, _fit(pdf, text, width), align=align)
        pdf.ln()
    if not is_credit and invoice.lines.filter(is_adjustment=True).exists():
        pdf.set_font("Helvetica", "I", 7)
        pdf.cell(0, 5, _latin1(_("* An adjustment: a charge of an earlier period.")), new_x="LMARGIN", new_y="NEXT")

    # Totals, right-aligned under the table.
    pdf.ln(3)
    if pdf.will_page_break(30):
        pdf.add_page()
    rate = formats.number_format(invoice.tax_rate, decimal_pos=2)
    tax_label = _("Tax (%(rate)s%%)") % {"rate": rate}
    if invoice.tax_wording:
        tax_label = f"{tax_label} - {invoice.tax_wording}"
    totals: tuple[tuple[str, Decimal, bool], ...] = (
        (_("Subtotal"), invoice.subtotal, False),
        (tax_label, invoice.tax, False),
        (_("Total"), invoice.total, True),
    )
    for label, amount, bold in totals:
        pdf.set_font("Helvetica", "B" if bold else "", 10)
        pdf.cell(150, 6, _fit(pdf, label, 150), align="R")
        pdf.cell(40, 6, _latin1(f"{amount_text(amount, currency)} {currency}"), align="R", new_x="LMARGIN",
                 new_y="NEXT")  # fmt: skip
    pdf.ln(4)

    pdf.set_font("Helvetica", "", 9)
    mentions = []
    if invoice.reverse_charge:
        mentions.append(
            _("Reverse charge: no tax is charged; the recipient accounts for it. %(wording)s")
            % {"wording": invoice.tax_wording}
        )
    if not is_credit:
        mentions.append(
            _("Payment terms: payable by %(due)s, without discount for early payment.") % {"due": _day(invoice.due_on)}
        )
        mentions.append(
            _(
                "Late payment: penalties at three times the legal interest rate from the day after the due date, "
                "and a fixed recovery indemnity of 40 EUR (French Commercial Code, art. L441-10)."
            )
        )
    for mention in mentions:
        pdf.multi_cell(0, 5, _latin1(mention), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


# --- the reconciliation file ---------------------------------------------------------------------------------

RECONCILIATION_COLUMNS = [
    "PartnerId",
    "CustomerId",
    "CustomerName",
    "CustomerDomainName",
    "CustomerCountry",
    "InvoiceNumber",
    "MpnId",
    "ResellerMpnId",
    "OrderId",
    "SubscriptionId",
    "SubscriptionDescription",
    "ProductId",
    "SkuName",
    "ChargeType",
    "ChargeStartDate",
    "ChargeEndDate",
    "TermAndBillingCycle",
    "BillingFrequency",
    "UnitPrice",
    "EffectiveUnitPrice",
    "Quantity",
    "Subtotal",
    "TaxTotal",
    "Total",
    "Currency",
    "PriceListUsed",
    "IsAdjustment",
]


class Amount(str):
    """A number the file writes itself (a credit is negative): written as is, where any other cell starting
    with a formula character is quoted (customers.csv_export.neutralise)."""

    __slots__ = ()


def csv_chunks(header: list[str], rows: Iterable[list[str]], *, chunk_rows: int = 2000) -> Iterator[str]:
    """The file in chunks of `chunk_rows` rows, the BOM and the header first; text cells neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow(header)
    pending = 0
    for row in rows:
        writer.writerow([cell if isinstance(cell, Amount) else neutralise(cell) for cell in row])
        pending += 1
        if pending >= chunk_rows:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue()


def reconciliation_lines(invoice: Invoice) -> QuerySet[ChargeLine]:
    return invoice.lines.order_by("event_on", "id")


def reconciliation_rows(lines_qs: QuerySet[ChargeLine]) -> Iterator[list[str]]:
    """One row per charge line, in RECONCILIATION_COLUMNS' order, read in chunks of 2,000 lines.

    The seller's partner ID (MpnId) is its CSP-associated location ID, looked up once per seller."""
    lines = lines_qs.select_related(
        "recipient", "customer", "offer", "order", "invoice", "subscription__partner_of_record"
    )
    mpn: dict[int, str] = {}

    def mpn_id(partner_id: int) -> str:
        if partner_id not in mpn:
            number = (
                PartnerId.objects.filter(organization_id=partner_id, csp_associated=True)
                .values_list("number", flat=True)
                .first()
            )
            mpn[partner_id] = "" if number is None else str(number)
        return mpn[partner_id]

    for line in lines.iterator(chunk_size=2000):
        currency = line.currency
        subscription = line.subscription
        partner_of_record = subscription.partner_of_record
        reseller_mpn = partner_of_record.number if partner_of_record is not None else ""
        yield [
            str(line.recipient.tenant_id),
            str(line.customer.tenant_id),
            line.customer.legal_name,
            line.customer.primary_domain,
            str(line.customer.country),
            line.invoice.number if line.invoice is not None else "",
            mpn_id(line.partner_id),
            str(reseller_mpn),
            str(line.order.number) if line.order is not None else "",
            str(subscription.public_id),
            subscription.friendly_name or line.offer.name,
            line.offer.sku,
            line.offer.name,
            line.charge_type,
            line.charge_start.isoformat(),
            line.charge_end.isoformat(),
            line.term,
            line.billing_frequency,
            Amount(f"{line.unit_price:f}"),
            Amount(f"{line.effective_unit_price:f}"),
            Amount(line.quantity),
            Amount(amount_text(line.subtotal, currency, grouped=False)),
            Amount(amount_text(line.tax, currency, grouped=False)),
            Amount(amount_text(line.total, currency, grouped=False)),
            currency,
            line.price_list,
            "true" if line.is_adjustment else "false",
        ]


def reconciliation_filename(invoice: Invoice) -> str:
    return f"reconciliation-{invoice.number}.csv"


def reconciliation_response(invoice: Invoice, rows: Iterable[list[str]] | None = None) -> StreamingHttpResponse:
    """The invoice's reconciliation file, streamed (CSV-injection safe: customers.csv_export)."""
    if rows is None:
        rows = reconciliation_rows(reconciliation_lines(invoice))
    response = StreamingHttpResponse(csv_chunks(RECONCILIATION_COLUMNS, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{reconciliation_filename(invoice)}"'
    response["Cache-Control"] = "no-store"
    return response


def pdf_filename(invoice: Invoice) -> str:
    return f"{invoice.number}.pdf"
