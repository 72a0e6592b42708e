"""Invoices as people read them: the golden month (invoices and reconciliation files identical to the committed
expected files), the PDF, the reconciliation file, the invoice_ready email and webhook events, the pages (list,
detail, credit note) and another tenant's invoice as a 404 everywhere."""

from __future__ import annotations

import csv
import io
import os
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.webhooks.models import WebhookEvent
from api.webhooks.services import webhook_endpoint_create
from billing import documents
from billing.models import Invoice
from billing.services import runs
from enrollment.models import PartnerId
from partnerhub.accounts.models import Role
from partnerhub.core.models import OutboundEmail
from tests.billing.month import at, scripted_month
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("GOLDEN_UPDATE") == "1"  # write the expected files from this run (check them by hand)


@pytest.fixture
def month(seller, make_reseller, offers):
    return scripted_month(seller, make_reseller, offers)


def _client(client, user):
    client.force_login(user)
    return client


# --- the golden month -------------------------------------------------------------------------------------------


def _placeholders(month) -> dict[str, str]:
    """Ids that differ from run to run (tenant IDs, subscription IDs, partner ID numbers) → stable names."""
    names = {
        str(month.provider.tenant_id): "<tenant:contoso>",
        str(month.fabrikam.tenant_id): "<tenant:fabrikam>",
        str(month.northwind.tenant_id): "<tenant:northwind>",
        **{str(org.tenant_id): f"<tenant:{key}>" for key, org in month.customers.items()},
        **{str(sub.public_id): f"<subscription:{key}>" for key, sub in month.subscriptions.items()},
    }
    for organization, key in ((month.provider, "contoso"), (month.fabrikam, "fabrikam"),
                              (month.northwind, "northwind")):  # fmt: skip
        for number in PartnerId.objects.filter(organization=organization).values_list("number", flat=True):
            names[str(number)] = f"<mpn:{key}>"
    return names


def _normalized_csv(content: bytes, names: dict[str, str]) -> bytes:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    id_columns = [rows[0].index(c) for c in ("PartnerId", "CustomerId", "MpnId", "ResellerMpnId", "SubscriptionId")]
    for row in rows[1:]:
        for index in id_columns:
            if row[index]:
                assert row[index] in names, f"an id the golden file can't name: {row[index]}"
                row[index] = names[row[index]]
    out = io.StringIO()
    out.write("\ufeff")
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def _compare(name: str, actual: bytes) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(actual)
    assert actual == path.read_bytes(), f"{name} differs from the committed expected file"


def test_the_golden_month_gives_the_expected_invoices_and_reconciliation_files(month, client):
    invoices = list(Invoice.objects.order_by("issuer_id", "number").select_related("issuer", "recipient"))
    summary = "".join(
        f"{invoice.number}\t{invoice.issuer_name} -> {invoice.recipient_name}\t{invoice.currency}\t"
        f"{invoice.period_start}..{invoice.period_end}\tdue {invoice.due_on}\tsubtotal {invoice.subtotal}\t"
        f"tax {invoice.tax} ({invoice.tax_rate}% {invoice.tax_wording})\ttotal {invoice.total}\t"
        f"{invoice.lines.count()} lines\n"
        for invoice in invoices
    )
    _compare("invoices.txt", summary.encode())
    # Checked by hand (tests/billing/golden/README.md): Fabrikam's EUR invoice, Business Standard 12.50 less
    # the vendor's 15% (10.63, tier prices are whole cents) plus Contoso's 10% = 11.69 a seat: 10 seats for the
    # whole cycle 116.90, 2 added on 10 March for 23 of 31 days 17.35, 4 Endpoint Security 19.44; VAT 20% per line.
    fabrikam_eur = Invoice.objects.get(recipient=month.fabrikam, currency="EUR")
    assert (fabrikam_eur.subtotal, fabrikam_eur.tax, fabrikam_eur.total) == (
        Decimal("153.69"), Decimal("30.74"), Decimal("184.43"))  # fmt: skip
    fabrikam_jpy = Invoice.objects.get(recipient=month.fabrikam, currency="JPY")
    assert fabrikam_jpy.total == Decimal("10752") and fabrikam_jpy.lines.count() == 3  # noqa: PT018
    northwind = Invoice.objects.get(recipient=month.northwind)
    assert (northwind.tax, northwind.reverse_charge, northwind.total) == (Decimal("0"), True, Decimal("74.47"))
    for invoice in invoices:
        assert invoice.total == sum(line.total for line in invoice.lines.all())

    names = _placeholders(month)
    for invoice in invoices:
        # Contoso issued its resellers' invoices and received the vendor's: its Global admin reads them all.
        response = _client(client, month.provider_user).get(f"/billing/invoices/{invoice.public_id}/reconciliation/")
        assert response.status_code == 200
        _compare(f"{invoice.number}.csv", _normalized_csv(b"".join(response.streaming_content), names))


# --- documents ----------------------------------------------------------------------------------------------------


def test_amounts_use_the_currencys_minor_unit():
    assert documents.amount_text(Decimal("1234.5"), "EUR") == "1,234.50"
    assert documents.amount_text(Decimal("10747"), "JPY") == "10,747"
    assert documents.amount_text(Decimal("-2002"), "JPY", grouped=False) == "-2002"


def test_the_pdf_names_the_invoice_and_says_reverse_charge(month):
    northwind = Invoice.objects.get(recipient=month.northwind)
    pdf = documents.invoice_pdf(northwind)
    assert pdf.startswith(b"%PDF")
    assert northwind.number.encode() in pdf  # in the document's title
    sakura = Invoice.objects.get(recipient=month.fabrikam, currency="JPY")
    assert documents.invoice_pdf(sakura).startswith(b"%PDF")


def test_the_pdf_reads_its_lines_in_one_streamed_query(month, django_assert_max_num_queries):
    invoice = Invoice.objects.select_related("credits").get(recipient=month.fabrikam, currency="EUR")
    with django_assert_max_num_queries(6):  # the lines (a server-side cursor), the adjustments' note
        documents.invoice_pdf(invoice)


def test_a_cell_that_would_run_as_a_formula_is_quoted(seller, make_reseller, offers, client):
    month = scripted_month(seller, make_reseller, offers, run=False)
    month.customers["alpine"].__class__.objects.filter(pk=month.customers["alpine"].pk).update(
        legal_name='=HYPERLINK("http://evil.example")'
    )
    with at(2026, 4, 1, 2):
        runs.billing_run()
    invoice = Invoice.objects.get(recipient=month.fabrikam, currency="EUR")
    response = _client(client, month.fabrikam_user).get(f"/billing/invoices/{invoice.public_id}/reconciliation/")
    body = b"".join(response.streaming_content).decode()
    assert "'=HYPERLINK" in body
    assert response["Content-Type"].startswith("text/csv")


# --- notification ---------------------------------------------------------------------------------------------


def test_invoice_ready_goes_once_to_each_billing_reader_in_their_language(seller, make_reseller, offers):
    provider, user, fabrikam, fabrikam_user = seller
    billing_fr = UserFactory(email="camille@fabrikam.example", first_name="Camille", language="fr")
    MembershipFactory(organization=fabrikam, user=billing_fr, roles=[Role.BILLING_ADMIN])
    helpdesk = UserFactory(email="helpdesk@fabrikam.example")
    MembershipFactory(organization=fabrikam, user=helpdesk, roles=[Role.HELPDESK_AGENT])

    month = scripted_month(seller, make_reseller, offers)

    emails = OutboundEmail.objects.filter(template="invoice_ready")
    fabrikam_numbers = set(Invoice.objects.filter(recipient=fabrikam).values_list("number", flat=True))
    assert len(fabrikam_numbers) == 2  # EUR and JPY
    for person in (fabrikam_user, billing_fr):
        mine = emails.filter(to=person.email)
        assert mine.count() == 2
        assert {n for n in fabrikam_numbers if any(n in e.subject for e in mine)} == fabrikam_numbers
    assert not emails.filter(to=helpdesk.email).exists()
    french = emails.filter(to=billing_fr.email).get(subject__contains=Invoice.objects.get(
        recipient=fabrikam, currency="EUR").number)  # fmt: skip
    assert "1 mai 2026" in french.body_text  # the due date, in French
    english = emails.get(to=fabrikam_user.email, subject__contains=Invoice.objects.get(
        recipient=fabrikam, currency="EUR").number)  # fmt: skip
    assert "May 1, 2026" in english.body_text
    assert "184.43 EUR" in english.body_text
    invoice = Invoice.objects.get(recipient=fabrikam, currency="EUR")
    assert f"/billing/invoices/{invoice.public_id}/" in english.body_text
    # The issuer is not told of its own invoices; the provider hears of the vendor's.
    assert emails.filter(to=month.provider_user.email).count() == 2


def test_invoice_ready_and_credit_note_webhooks_go_to_the_recipient_only(seller, make_reseller, offers):
    provider, user, fabrikam, fabrikam_user = seller
    for organization, actor in ((provider, user), (fabrikam, fabrikam_user)):
        webhook_endpoint_create(organization=organization, actor=actor, url="https://hooks.example.com/ph",
                                event_types=["invoice-ready", "credit-note-issued"])  # fmt: skip
    scripted_month(seller, make_reseller, offers)
    invoice = Invoice.objects.get(recipient=fabrikam, currency="EUR")

    with at(2026, 4, 2):
        note = runs.credit_note_issue(invoice=invoice, amount=Decimal("10.00"), reason="Goodwill", actor=user)

    events = set(WebhookEvent.objects.values_list("organization_id", "type", "resource_url"))
    fabrikam_invoices = Invoice.objects.filter(recipient=fabrikam, kind="invoice")
    vendor_invoices = Invoice.objects.filter(issuer=None, recipient=provider)
    assert events == {
        *((fabrikam.pk, "invoice-ready", f"/api/v1/invoices/{i.public_id}") for i in fabrikam_invoices),
        *((provider.pk, "invoice-ready", f"/api/v1/invoices/{i.public_id}") for i in vendor_invoices),
        (fabrikam.pk, "credit-note-issued", f"/api/v1/invoices/{note.public_id}"),
    }


# --- pages ----------------------------------------------------------------------------------------------------


def test_the_list_shows_received_and_issued_with_a_fixed_query_count(month, client, django_assert_num_queries):
    provider_client = _client(client, month.provider_user)
    with at(2026, 4, 2):
        received = provider_client.get("/billing/")
        issued = provider_client.get("/billing/?direction=issued")
    assert received.status_code == issued.status_code == 200
    text = received.content.decode()
    assert "PH2026-00001" in text and "PH2026-00002" in text and "2026-00001" not in text.replace("PH2026", "")  # noqa: PT018
    issued_text = issued.content.decode()
    for number in ("2026-00001", "2026-00002", "2026-00003"):
        assert f'data-invoice="{number}"' in issued_text
    assert "PH2026" not in issued_text
    # The reseller sees what it received, and nothing of the vendor's invoice to its provider.
    with at(2026, 4, 2):
        reseller_page = _client(client, month.fabrikam_user).get("/billing/").content.decode()
    assert 'data-invoice="2026-00001"' in reseller_page and "PH2026" not in reseller_page  # noqa: PT018

    provider_client = _client(client, month.provider_user)
    with at(2026, 4, 2), CaptureQueriesContext(connection) as three:
        assert provider_client.get("/billing/?direction=issued").status_code == 200
    invoice = Invoice.objects.get(recipient=month.fabrikam, currency="EUR")
    with at(2026, 4, 2):
        for n in range(12):  # each a document of the issued list
            runs.credit_note_issue(invoice=invoice, amount=Decimal("1.00"), reason=f"Goodwill {n}")
    with at(2026, 4, 2), django_assert_num_queries(len(three.captured_queries)):
        page = provider_client.get("/billing/?direction=issued")
    assert page.content.decode().count("data-invoice=") == 15


def test_filters_and_the_overdue_badge(month, client):
    provider_client = _client(client, month.provider_user)
    with at(2026, 5, 10):  # due 1 May: overdue
        overdue = provider_client.get("/billing/?direction=issued&status=overdue").content.decode()
        open_ = provider_client.get("/billing/?direction=issued&status=open").content.decode()
        northwind_only = provider_client.get(
            f"/billing/?direction=issued&recipient={month.northwind.tenant_id}"
        ).content.decode()
        bogus = provider_client.get("/billing/?direction=sideways&status=lost&recipient=nope")
    assert overdue.count("data-invoice=") == 3 and "Overdue" in overdue  # noqa: PT018
    assert open_.count("data-invoice=") == 0
    assert northwind_only.count("data-invoice=") == 1 and 'data-invoice="2026-00003"' in northwind_only  # noqa: PT018
    assert bogus.status_code == 200


def test_the_detail_page_lists_the_lines_and_offers_the_documents(month, client):
    invoice = Invoice.objects.get(recipient=month.fabrikam, currency="EUR")
    with at(2026, 4, 2):
        page = _client(client, month.fabrikam_user).get(f"/billing/invoices/{invoice.public_id}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Alpine Ski House" in text and "184.43 EUR" in text  # noqa: PT018
    assert f"/billing/invoices/{invoice.public_id}/pdf/" in text
    assert f"/billing/invoices/{invoice.public_id}/reconciliation/" in text
    assert "Issue a credit note" not in text  # the recipient can't credit
    pdf = _client(client, month.fabrikam_user).get(f"/billing/invoices/{invoice.public_id}/pdf/")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")  # noqa: PT018


def test_the_issuer_credits_an_invoice_and_bad_input_changes_nothing(month, client):
    invoice = Invoice.objects.get(recipient=month.fabrikam, currency="EUR")
    url = f"/billing/invoices/{invoice.public_id}/credit-notes/"
    provider_client = _client(client, month.provider_user)
    with at(2026, 4, 2):
        assert "Issue a credit note" in provider_client.get(f"/billing/invoices/{invoice.public_id}/").content.decode()
        too_much = provider_client.post(url, {"amount": "500.00", "reason": "Too much"})
        no_reason = provider_client.post(url, {"amount": "5", "reason": ""})
        assert Invoice.objects.filter(kind="credit_note").count() == 0
        assert too_much.status_code == 200
        assert "184.43 EUR of invoice 2026-00001 is left to credit" in too_much.content.decode()
        assert no_reason.status_code == 200
        assert "This field is required" in no_reason.content.decode()
        done = provider_client.post(url, {"amount": "20.00", "reason": "Goodwill"}, follow=True)
    note = Invoice.objects.get(kind="credit_note")
    assert (note.total, note.credits_id) == (Decimal("-20.00"), invoice.pk)
    assert note.number in done.content.decode()
    # The reseller's Global admin can't credit what it received.
    with at(2026, 4, 2):
        refused = _client(client, month.fabrikam_user).post(url, {"amount": "1", "reason": "Mine"})
    assert refused.status_code == 403
    assert Invoice.objects.filter(kind="credit_note").count() == 1


def test_another_tenants_invoice_is_a_404_in_every_page(month, client, outsider_member):
    vendor_invoice = Invoice.objects.filter(issuer=None).first()
    northwind_invoice = Invoice.objects.get(recipient=month.northwind)
    outsider = _client(client, outsider_member.user)
    for invoice in (vendor_invoice, northwind_invoice):
        for suffix in ("", "pdf/", "reconciliation/"):
            assert outsider.get(f"/billing/invoices/{invoice.public_id}/{suffix}").status_code == 404
        assert outsider.post(f"/billing/invoices/{invoice.public_id}/credit-notes/",
                             {"amount": "1", "reason": "x"}).status_code == 404  # fmt: skip
    fabrikam = _client(client, month.fabrikam_user)
    for invoice in (vendor_invoice, northwind_invoice):  # the provider's and another reseller's
        for suffix in ("", "pdf/", "reconciliation/"):
            assert fabrikam.get(f"/billing/invoices/{invoice.public_id}/{suffix}").status_code == 404
    assert date(2026, 4, 1) == vendor_invoice.issued_at.date()
