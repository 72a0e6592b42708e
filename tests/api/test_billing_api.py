"""Invoices through the API: list received and issued, get one, its PDF and reconciliation file, a credit note
with an Idempotency-Key (issuer only, Billing admin or Global admin); another party's invoice is a 404."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from billing.models import Invoice
from partnerhub.accounts.models import Membership, Role
from tests.api.calls import api_for
from tests.billing.month import at, scripted_month

pytestmark = pytest.mark.django_db


def _api(organization, user, roles=(Role.GLOBAL_ADMIN,)):
    membership = Membership.objects.get(organization=organization, user=user)
    membership.roles = sorted({*membership.roles, *roles})  # a client holds only roles its creator holds
    membership.save(update_fields=["roles"])
    return api_for(membership, roles=roles, name=f"ERP {'+'.join(roles)}")


@pytest.fixture
def month(seller, make_reseller, offers):
    return scripted_month(seller, make_reseller, offers)


def test_list_received_and_issued_and_read_one(month):
    contoso = _api(month.provider, month.provider_user)
    received = contoso.get("/api/v1/invoices").json()["items"]
    issued = contoso.get("/api/v1/invoices", {"direction": "issued"}).json()["items"]

    assert sorted(i["number"] for i in received) == ["PH2026-00001", "PH2026-00002"]
    assert sorted(i["number"] for i in issued) == ["2026-00001", "2026-00002", "2026-00003"]
    assert {i["direction"] for i in issued} == {"issued"}
    assert contoso.get("/api/v1/invoices", {"direction": "sideways"}).status_code == 400
    one = next(i for i in issued if i["number"] == "2026-00002")
    detail = contoso.get(f"/api/v1/invoices/{one['id']}").json()
    assert detail["currency"] == "JPY"
    assert detail["total"] == "10752.00"
    assert detail["recipient"] == {"tenant_id": str(month.fabrikam.tenant_id), "name": "Fabrikam Solutions LLC"}
    vendor = next(i for i in received if i["number"] == "PH2026-00001")
    assert vendor["issuer"]["tenant_id"] is None
    northwind = next(i for i in issued if i["number"] == "2026-00003")
    assert northwind["reverse_charge"] is True
    assert "Article 196" in northwind["tax_wording"]


def test_the_documents_download(month):
    invoice = Invoice.objects.get(recipient=month.fabrikam, currency="EUR")
    fabrikam = _api(month.fabrikam, month.fabrikam_user)
    pdf = fabrikam.get(f"/api/v1/invoices/{invoice.public_id}/pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    as_pdf = fabrikam.get(f"/api/v1/invoices/{invoice.public_id}/pdf", headers={"Accept": "application/pdf"})
    assert as_pdf.status_code == 200
    csv = fabrikam.get(f"/api/v1/invoices/{invoice.public_id}/reconciliation", headers={"Accept": "text/csv"})
    assert csv.status_code == 200
    assert csv["Content-Type"].startswith("text/csv")
    body = b"".join(csv.streaming_content).decode()
    assert body.count("\n") == 1 + invoice.lines.count()
    assert "Alpine Ski House" in body


def test_a_credit_note_with_an_idempotency_key_issuer_only(month):
    invoice = Invoice.objects.get(recipient=month.fabrikam, currency="EUR")
    url = f"/api/v1/invoices/{invoice.public_id}/credit-notes"
    key = {"Idempotency-Key": str(uuid.uuid4())}
    billing = _api(month.provider, month.provider_user, roles=(Role.BILLING_ADMIN,))
    with at(2026, 4, 2):
        created = billing.post(url, {"amount": "15.00", "reason": "Goodwill"}, headers=key)
        replay = billing.post(url, {"amount": "15.00", "reason": "Goodwill"}, headers=key)
        too_much = billing.post(url, {"amount": "500.00", "reason": "Too much"})
        sales = _api(month.provider, month.provider_user, roles=(Role.SALES_AGENT,))
        forbidden = sales.post(url, {"amount": "1.00", "reason": "x"})
        recipient = _api(month.fabrikam, month.fabrikam_user).post(url, {"amount": "1.00", "reason": "x"})

    assert created.status_code == 201, created.content
    assert replay["Idempotent-Replayed"] == "true"
    body = created.json()
    assert (body["kind"], body["credits"], body["total"]) == ("credit_note", invoice.number, "-15.00")
    assert too_much.status_code == 400
    assert too_much.json()["field"] == "amount" or "amount" in str(too_much.json())
    assert forbidden.status_code == 403
    assert recipient.status_code == 403
    assert Invoice.objects.filter(kind="credit_note").count() == 1
    invoice.refresh_from_db()
    assert invoice.paid_amount == Decimal("15.00")


def test_another_partys_invoice_is_a_404(month, make_reseller):
    outsider, outsider_user = make_reseller("Tailspin Toys Ltd")
    stranger = _api(outsider, outsider_user)
    fabrikam = _api(month.fabrikam, month.fabrikam_user)
    vendor = Invoice.objects.filter(issuer=None).first()
    northwind = Invoice.objects.get(recipient=month.northwind)
    for api in (stranger, fabrikam):
        for invoice in (vendor, northwind):
            base = f"/api/v1/invoices/{invoice.public_id}"
            for path in (base, f"{base}/pdf", f"{base}/reconciliation"):
                assert api.get(path).status_code == 404, path
            refused = api.get(f"{base}/pdf", headers={"Accept": "application/pdf"})
            assert refused.status_code == 404
            assert refused["Content-Type"] == "application/problem+json"
            assert refused.json()["status"] == 404
            assert api.post(f"{base}/credit-notes", {"amount": "1.00", "reason": "x"}).status_code == 404
    assert stranger.get("/api/v1/invoices").json()["items"] == []
    assert stranger.get("/api/v1/invoices/not-a-uuid").status_code == 404
    assert [i["number"] for i in fabrikam.get("/api/v1/invoices").json()["items"]] == ["2026-00002", "2026-00001"]
