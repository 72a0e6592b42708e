# ruff: noqa: F811 - the fixtures imported from tests.api.commerce are this module's arguments
"""Accounts receivable through the API: the provider's recipients with balances, an account's terms (GET,
PATCH), block and unblock, payments (list; record with an Idempotency-Key; a bank reference sent again answers
the payment already recorded), the reseller's standing; another tenant's account is a 404 and a reseller
can't see its provider's receivables."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.models import BillingProfile, Payment
from partnerhub.accounts.models import Role
from tests.api.commerce import contoso_api, contoso_api_as, fabrikam_api, problem_of  # noqa: F401 - fixtures
from tests.billing.ar_helpers import invoiced, profile_of

pytestmark = pytest.mark.django_db


def test_the_provider_lists_its_recipients_and_edits_blocks_and_unblocks_an_account(
    seller, make_customer, offers, contoso_api
):
    invoice = invoiced(seller, make_customer, offers)
    profile = profile_of(seller)
    body = contoso_api.get("/api/v1/billing/accounts").json()
    (row,) = body["items"]
    assert row["id"] == profile.pk
    assert row["recipient"]["name"] == seller[2].legal_name
    assert Decimal(row["open_balance"]) == invoice.total
    assert row["orders_blocked"] is False

    url = f"/api/v1/billing/accounts/{profile.pk}"
    changed = contoso_api.patch(url, {"credit_limit": "750.00", "payment_terms_days": 45})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["credit_limit"], changed.json()["payment_terms_days"]) == ("750.00", 45)
    refused = problem_of(contoso_api.patch(url, {"billing_day": 31}), 400)
    assert refused["field"] == "billing_day"
    other = "USD" if invoice.currency != "USD" else "EUR"
    assert problem_of(contoso_api.patch(url, {"currency": other}), 400)["field"] == "currency"

    assert problem_of(contoso_api.post(f"{url}/block", {}), 400)["field"] == "reason"
    blocked = contoso_api.post(f"{url}/block", {"reason": "Invoice overdue"}).json()
    assert (blocked["orders_blocked"], blocked["block_reason"]) == (True, "Invoice overdue")
    assert problem_of(contoso_api.post(f"{url}/block", {"reason": "again"}), 400)["code"] == "invalid"
    assert contoso_api.post(f"{url}/unblock").json()["orders_blocked"] is False


def test_a_payment_is_recorded_once_per_bank_reference_and_per_key(seller, make_customer, offers, contoso_api):
    invoice = invoiced(seller, make_customer, offers)
    body = {"invoice": str(invoice.public_id), "amount": str(invoice.total), "received_on": "2026-04-20",
            "reference": "SEPA-1"}  # fmt: skip
    first = contoso_api.post("/api/v1/payments", body, headers={"Idempotency-Key": "pay-1"})
    assert first.status_code == 201, first.content
    replay = contoso_api.post("/api/v1/payments", body, headers={"Idempotency-Key": "pay-1"})
    assert (replay.status_code, replay["Idempotent-Replayed"]) == (201, "true")
    again = contoso_api.post("/api/v1/payments", body, headers={"Idempotency-Key": "pay-2"})
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Payment.objects.count() == 1
    listed = contoso_api.get("/api/v1/payments").json()["items"]
    assert [item["reference"] for item in listed] == ["SEPA-1"]
    assert listed[0]["invoice_number"] == invoice.number

    bad = problem_of(contoso_api.post("/api/v1/payments", {**body, "amount": "0", "reference": "X"}), 400)
    assert bad["field"] == "amount"
    future = problem_of(contoso_api.post("/api/v1/payments", {**body, "received_on": "2999-01-01", "reference": "Y"}),
                        400)  # fmt: skip
    assert future["field"] == "received_on"


def test_the_reseller_sees_its_standing_not_its_providers_receivables(
    seller, make_customer, offers, contoso_api, fabrikam_api
):
    invoice = invoiced(seller, make_customer, offers)
    profile = profile_of(seller)
    contoso_api.post(f"/api/v1/billing/accounts/{profile.pk}/block", {"reason": "Pay invoice first"})
    standing = fabrikam_api.get("/api/v1/billing/standing").json()
    (row,) = [item for item in standing if item["issuer"] == seller[0].legal_name]
    assert Decimal(row["open_balance"]) == invoice.total
    assert (row["orders_blocked"], row["block_reason"]) == (True, "Pay invoice first")
    assert fabrikam_api.get("/api/v1/billing/accounts").json()["items"] == []
    problem_of(fabrikam_api.get(f"/api/v1/billing/accounts/{profile.pk}"), 404)
    problem_of(fabrikam_api.post(f"/api/v1/billing/accounts/{profile.pk}/unblock"), 404)
    problem_of(fabrikam_api.patch(f"/api/v1/billing/accounts/{profile.pk}", {"credit_limit": "1"}), 404)
    refused = fabrikam_api.post("/api/v1/payments", {"invoice": str(invoice.public_id), "amount": "1.00",
                                                     "received_on": "2026-04-20"})  # fmt: skip
    assert problem_of(refused, 400)["field"] == "invoice"
    vendor = BillingProfile.objects.get(issuer=None, recipient=seller[0])
    problem_of(contoso_api.get(f"/api/v1/billing/accounts/{vendor.pk}"), 404)
    problem_of(contoso_api.get("/api/v1/billing/accounts/nope"), 404)


def test_an_account_admin_may_read_standing_but_not_manage_receivables(seller, contoso_api_as):
    api = contoso_api_as(Role.ACCOUNT_ADMIN)
    assert api.get("/api/v1/billing/standing").status_code == 200
    problem_of(api.get("/api/v1/billing/accounts"), 403)
    problem_of(api.get("/api/v1/payments"), 403)
