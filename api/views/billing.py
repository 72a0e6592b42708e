"""Invoices (issue 19): list received and issued, get one, its PDF and reconciliation file, issue a credit note
on one you issued — thin views over billing.invoices, billing.documents and billing.services.runs, with the
pages' permissions. Another party's invoice is a 404, as on the pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from billing import documents
from billing import invoices as selectors
from billing.services import runs

from ..idempotency import HEADER, idempotent
from ..schema import problems
from ..serializers import billing as s
from .base import ApiView, ListView
from .commerce import PartnerOnly, _body, _cursor, _query, _uuid

INVOICE_ID = OpenApiParameter("invoice_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The invoice ID.")
VIEW, MANAGE = "billing.view_billing", "billing.manage_billing"


class _PassThrough(BaseRenderer):
    """Lets a client ask for the document's own type (Accept: application/pdf, text/csv); the view answers the
    document itself, and a refusal as a problem document."""

    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if isinstance(data, bytes):
            return data
        return JSONRenderer().render(data, "application/json", renderer_context)  # a problem document


class PdfRenderer(_PassThrough):
    media_type, format = "application/pdf", "pdf"


class CsvRenderer(_PassThrough):
    media_type, format = "text/csv", "csv"


def _invoice(request, invoice_id: str):
    return selectors.invoice_get(organization=request.organization, public_id=_uuid(invoice_id))


@extend_schema_view(
    get=extend_schema(
        operation_id="invoices_list",
        summary="Invoices",
        description="The invoices and credit notes you receive (`received`, the default) or issue (`issued`), newest "
        "first.",
        parameters=[s.InvoiceListQuerySerializer],
        responses={200: s.InvoiceSerializer(many=True), **problems(400, 403)},
    )
)
class InvoiceListView(PartnerOnly, ListView):
    permissions = {"GET": VIEW, "HEAD": VIEW}
    serializer_class = s.InvoiceSerializer
    pagination_class = _cursor("-issued_at", "-id")

    def get_queryset(self):
        query = _query(s.InvoiceListQuerySerializer, self.request)
        return selectors.invoice_list(
            organization=self.request.organization, direction=query.get("direction", selectors.RECEIVED)
        ).select_related("issuer", "recipient")


class InvoiceDetailView(PartnerOnly, ApiView):
    permissions = {"GET": VIEW, "HEAD": VIEW}

    @extend_schema(
        operation_id="invoices_get",
        summary="An invoice",
        parameters=[INVOICE_ID],
        responses={200: s.InvoiceSerializer, **problems(403, 404)},
    )
    def get(self, request, invoice_id: str):
        return Response(s.InvoiceSerializer(_invoice(request, invoice_id), context={"request": request}).data)


class InvoicePdfView(PartnerOnly, ApiView):
    permissions = {"GET": VIEW, "HEAD": VIEW}
    renderer_classes = [JSONRenderer, PdfRenderer]

    @extend_schema(
        operation_id="invoices_pdf",
        summary="An invoice's PDF",
        parameters=[INVOICE_ID],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The invoice as a PDF."),
            **problems(403, 404),
        },
    )
    def get(self, request, invoice_id: str):
        invoice = _invoice(request, invoice_id)
        response = HttpResponse(documents.invoice_pdf(invoice), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{documents.pdf_filename(invoice)}"'
        return response


class InvoiceReconciliationView(PartnerOnly, ApiView):
    permissions = {"GET": VIEW, "HEAD": VIEW}
    renderer_classes = [JSONRenderer, CsvRenderer]

    @extend_schema(
        operation_id="invoices_reconciliation",
        summary="An invoice's reconciliation file",
        description="One CSV row per charge line (columns documented in the README), streamed.",
        parameters=[INVOICE_ID],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The reconciliation file (CSV)."),
            **problems(403, 404),
        },
    )
    def get(self, request, invoice_id: str):
        return documents.reconciliation_response(_invoice(request, invoice_id))


class CreditNoteCreateView(PartnerOnly, ApiView):
    permissions = {"POST": MANAGE}

    @extend_schema(
        operation_id="invoices_credit_notes_create",
        summary="Issue a credit note",
        description=(
            "A credit note (avoir) on an invoice you issued, for an amount including tax, never more than what is "
            "left to credit. Send an `Idempotency-Key` header: the same key with the same body answers the same "
            "credit note."
        ),
        parameters=[
            INVOICE_ID,
            OpenApiParameter(
                HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=False,
                description="At most 200 printable characters; a new one per credit note.",
            ),
        ],  # fmt: skip
        request=s.CreditNoteCreateSerializer,
        responses={201: s.InvoiceSerializer, **problems(400, 403, 404, 422)},
    )
    @idempotent
    def post(self, request, invoice_id: str):
        invoice = _invoice(request, invoice_id)
        if selectors.side_of(invoice, request.organization) != selectors.ISSUED:
            raise exceptions.PermissionDenied(_("Only the issuer of an invoice can credit it."))
        data = _body(s.CreditNoteCreateSerializer, request)
        note = runs.credit_note_issue(invoice=invoice, amount=data["amount"], reason=data["reason"], actor=request.user)
        note = selectors.invoice_get(organization=request.organization, public_id=note.public_id)
        return Response(s.InvoiceSerializer(note, context={"request": request}).data, status=201)
