"""Billing in Django admin: staff open every page, add the vendor's program discount, record a payment of a
vendor invoice through the payment service, read invoices without changing them, and see the program's
Insights; a partner's user gets none of it."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from billing.models import BillingProfile, ChargeLine, Invoice, Payment, PriceRule
from billing.services import runs
from customers import services

pytestmark = pytest.mark.django_db

PAGES = ["billingprofile", "taxrate", "pricerule", "invoice", "chargeline", "payment"]


def _at(year, month, day, hour=10):
    return time_machine.travel(datetime(year, month, day, hour, tzinfo=UTC), tick=False)


@pytest.fixture
def billed(seller, make_customer, offers):
    """A sale in March and the April run: a vendor invoice to Contoso, one from Contoso to Fabrikam."""
    provider, user, reseller, _ = seller
    with _at(2026, 3, 5):
        customer = make_customer("woodgrove").organization
        services.order_submit(partner=provider, customer=customer, actor=user, key=uuid.uuid4(),
                              lines=[services.LineInput(offer=offers["standard"], quantity=3,
                                     partner_of_record=services.location_partner_id(reseller))])  # fmt: skip
    with _at(2026, 4, 1):
        runs.billing_run()
    return seller


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def test_staff_open_every_billing_page_and_the_program_insights(staff_client, billed):
    invoice = Invoice.objects.get(issuer=None)
    with _at(2026, 4, 20):
        for name in PAGES:
            assert staff_client.get(f"/admin/billing/{name}/").status_code == 200, name
            if name not in ("pricerule", "taxrate"):  # those two list the vendor's only
                assert staff_client.get(f"/admin/billing/{name}/?vendor=yes").status_code == 200, name
        page = staff_client.get(f"/admin/billing/invoice/{invoice.pk}/change/")
        assert page.status_code == 200
        assert invoice.number in page.content.decode()
        assert 'name="_save"' not in page.content.decode()  # read only
        profile = BillingProfile.objects.get(issuer=None)
        assert staff_client.get(f"/admin/billing/billingprofile/{profile.pk}/change/").status_code == 200
        insights = staff_client.get("/admin/billing/chargeline/insights/", {"currency": invoice.currency})
        assert insights.status_code == 200
        assert 'role="img"' in insights.content.decode()
        csv = staff_client.get("/admin/billing/chargeline/insights/revenue-cost.csv", {"currency": invoice.currency})
        vendor_march = sum(line.subtotal for line in ChargeLine.objects.filter(issuer=None))
        assert f"2026-03,{vendor_march}," in csv.content.decode()


def test_staff_add_a_vendor_discount_for_a_program(staff_client, billed):
    with _at(2026, 4, 20):
        response = staff_client.post("/admin/billing/pricerule/add/", {
            "name": "Providers 2026", "program": "indirect_provider", "percent": "-12", "effective_from": "2026-05-01",
        })  # fmt: skip
        assert response.status_code == 302
        rule = PriceRule.objects.get(name="Providers 2026")
        assert rule.issuer is None
        assert rule.percent == Decimal("-12")
        response = staff_client.post("/admin/billing/pricerule/add/", {
            "name": "Backdated", "program": "indirect_provider", "percent": "-12", "effective_from": "2026-01-01",
        })  # fmt: skip
        assert "applies from today or later" in response.content.decode()
        assert not PriceRule.objects.filter(name="Backdated").exists()


def test_staff_record_a_payment_of_a_vendor_invoice_once_per_reference(staff_client, billed):
    invoice = Invoice.objects.get(issuer=None)
    data = {"invoice": invoice.pk, "amount": str(invoice.total), "received_on": "2026-04-15", "reference": "BANK-1"}
    with _at(2026, 4, 20):
        future = staff_client.post("/admin/billing/payment/add/", {**data, "received_on": "2026-05-01"})
        assert "be received in the future" in future.content.decode()
        assert not Payment.objects.exists()
        assert staff_client.post("/admin/billing/payment/add/", data).status_code == 302
    assert Payment.objects.filter(reference="BANK-1").count() == 1
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID


def test_a_partner_user_gets_no_billing_admin(client, billed):
    client.force_login(billed[1])
    for url in ["/admin/billing/pricerule/", "/admin/billing/chargeline/insights/", "/admin/billing/invoice/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/admin/login/" in response["Location"]


def test_staff_changing_the_vendors_billing_day_moves_the_open_periods_end(staff_client, billed):
    profile = BillingProfile.objects.get(issuer=None)
    assert (profile.period_start, profile.next_run_on) == (date(2026, 4, 1), date(2026, 5, 1))
    with _at(2026, 4, 2):
        page = staff_client.get(f"/admin/billing/billingprofile/{profile.pk}/change/")
        form = page.context["adminform"].form
        data = {name: ("" if value is None else value) for name, value in form.initial.items() if name in form.fields}
        data.update({"billing_day": 15, "blocked_at_0": "", "blocked_at_1": "", "_save": "Save"})
        response = staff_client.post(f"/admin/billing/billingprofile/{profile.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    profile.refresh_from_db()
    assert (profile.billing_day, profile.next_run_on) == (15, date(2026, 4, 15))
