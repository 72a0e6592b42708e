"""Accounts receivable in a real Chromium, on a desktop and on a phone. Contoso bills its reseller Fabrikam for
Woodgrove's subscriptions: its Global admin opens Billing → Accounts receivable → Fabrikam, records part of the
invoice by hand, imports a bank statement that pays the rest (and skips a row it can't match, saying why),
blocks new orders with a reason and unblocks them; Fabrikam reads the block on its standing page. Then, with a
credit limit set, the seller clicks Submit on an order that would pass it and reads the exact figures; nothing
is created."""

import re
from decimal import Decimal

import pytest
from django.db.models import Sum
from playwright.sync_api import expect

from billing.models import BillingProfile, ChargeLine, Invoice, Payment
from billing.services import credit, runs
from customers.models import Order
from tests import scenarios
from tests.browser import steps
from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _menu(page) -> None:
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()


def _world():
    mpa, staff = steps.partner_agreement(), steps.reviewer()
    scenarios.customer_agreement()
    offers = scenarios.catalogue()
    contoso, megan = steps.partner_organization("Contoso Distribution", "megan@contoso.example", "indirect_provider",
                                                staff, mpa)  # fmt: skip
    fabrikam, alex = steps.partner_organization("Fabrikam LLC", "alex@fabrikam.example", "indirect_reseller",
                                                staff, mpa)  # fmt: skip
    scenarios.partner(contoso, megan, fabrikam, alex)
    created = scenarios.new_customer(contoso, megan, fabrikam, prefix="woodgrovefoods",
                                     company_name="Woodgrove Foods Inc.", lines=[(offers["standard"], 10)])  # fmt: skip
    return contoso, megan, fabrikam, alex, created, offers


@pytest.mark.parametrize("width", [390, 1280])
def test_the_provider_records_a_payment_imports_a_statement_and_blocks_orders(live_server, settings, browser, width):
    base = steps.serve(live_server, settings)
    contoso, _megan, fabrikam, _alex, _created, _offers = _world()
    profile = BillingProfile.objects.get(issuer=contoso, recipient=fabrikam)
    runs.billing_run_profile(pk=profile.pk, today=profile.next_run_on)
    invoice = Invoice.objects.get(issuer=contoso, recipient=fabrikam)
    part = (invoice.total / 2).quantize(Decimal("0.01"))
    rest = invoice.total - part
    viewport = {"width": width, "height": 900}

    provider = sign_in(browser, base, "megan@contoso.example", viewport=viewport)
    _menu(provider)
    provider.get_by_role("link", name="Billing", exact=True).click()
    provider.get_by_role("link", name="Accounts receivable").click()
    expect(provider.get_by_test_id("receivables")).to_contain_text("Fabrikam LLC")
    provider.get_by_test_id("receivables").get_by_role("link", name="Fabrikam LLC").click()
    expect(provider.get_by_role("heading", name="Fabrikam LLC")).to_be_visible()
    expect(provider.get_by_test_id("open-invoices")).to_contain_text(invoice.number)

    # Record half of the invoice by hand.
    form = provider.get_by_test_id("payment-form")
    form.get_by_label("Amount").fill(str(part))
    form.get_by_label("Bank reference").fill("WIRE-001")
    form.get_by_role("button", name="Record payment").click()
    expect(provider.get_by_text(f"recorded against invoice {invoice.number}")).to_be_visible()
    expect(provider.get_by_test_id("payments")).to_contain_text("WIRE-001")

    # Import a statement: the rest of the invoice, the same wire again, and a row of nobody's invoice.
    provider.get_by_role("link", name="Accounts receivable").click()
    provider.get_by_role("link", name="Import a bank statement").click()
    statement = (
        "date,amount,currency,reference,description\n"
        f"{invoice.issued_at.date().isoformat()},{rest},{invoice.currency},WIRE-002,Invoice {invoice.number}\n"
        f"{invoice.issued_at.date().isoformat()},{part},{invoice.currency},WIRE-001,Invoice {invoice.number}\n"
        f"{invoice.issued_at.date().isoformat()},5.00,{invoice.currency},WIRE-003,Invoice 2020-99999\n"
    )
    provider.get_by_label("Bank statement (CSV)").set_input_files(
        files=[{"name": "statement.csv", "mimeType": "text/csv", "buffer": statement.encode()}]
    )
    provider.get_by_role("button", name="Import").click()
    result = provider.get_by_test_id("statement-result")
    expect(result.locator("tr[data-reference='WIRE-002']")).to_contain_text("Recorded")
    expect(result.locator("tr[data-reference='WIRE-001']")).to_contain_text("Already recorded")
    expect(result.locator("tr[data-reference='WIRE-003']")).to_contain_text("No invoice of yours has this number.")
    expect(provider.get_by_text("1 payment(s) recorded, 2 row(s) skipped.")).to_be_visible()
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    assert Payment.objects.filter(invoice=invoice).count() == 2

    # Block new orders with a reason, then unblock.
    provider.get_by_role("link", name="Accounts receivable").click()
    provider.get_by_test_id("receivables").get_by_role("link", name="Fabrikam LLC").click()
    block = provider.get_by_test_id("block-form")
    block.get_by_role("button", name="Block orders").click()
    expect(block.get_by_text("Say why new orders are blocked: the recipient reads it.")).to_be_visible()
    block.get_by_label("Reason").fill("Statement of March not reconciled")
    block.get_by_role("button", name="Block orders").click()
    expect(provider.get_by_test_id("blocked-alert")).to_contain_text("Statement of March not reconciled")

    reseller = sign_in(browser, base, "alex@fabrikam.example", viewport=viewport)
    _menu(reseller)
    reseller.get_by_role("link", name="Billing", exact=True).click()
    reseller.get_by_role("link", name="Standing").click()
    expect(reseller.get_by_test_id("standing")).to_contain_text("Contoso Distribution")
    expect(reseller.get_by_test_id("block-reason")).to_have_text("Statement of March not reconciled")

    provider.get_by_role("button", name="Unblock orders").click()
    expect(provider.get_by_text("New orders billed to Fabrikam LLC are accepted again.")).to_be_visible()
    assert not BillingProfile.objects.get(pk=profile.pk).is_blocked


@pytest.mark.parametrize("width", [390, 1280])
def test_an_order_past_the_credit_limit_is_refused_on_the_form_with_the_figures(live_server, settings, browser, width):
    base = steps.serve(live_server, settings)
    contoso, megan, fabrikam, _alex, created, offers = _world()
    charged = ChargeLine.objects.filter(issuer=contoso, recipient=fabrikam).aggregate(t=Sum("subtotal"))["t"]
    profile = BillingProfile.objects.get(issuer=contoso, recipient=fabrikam)
    limit = charged + Decimal("1.00")
    credit.profile_update(profile=profile, actor=megan, credit_limit=limit)
    orders = Order.objects.count()
    fmt = credit.money_format
    currency = profile.currency

    provider = sign_in(browser, base, "megan@contoso.example", viewport={"width": width, "height": 900})
    provider.goto(f"{base}/customers/{created.organization.tenant_id}/")
    provider.get_by_role("link", name="Add subscription").first.click()
    provider.get_by_label("Offer").select_option(str(offers["standard"].pk))
    provider.get_by_label("Number of licenses").fill("10")
    provider.get_by_label(re.compile("I confirm that my organization is acting")).check()
    provider.get_by_role("button", name="Submit").click()
    expect(provider.get_by_test_id("order-error")).to_have_text(
        f"This order would bring Fabrikam LLC's balance with Contoso Distribution to {fmt(charged * 2, currency)}, "
        f"past its credit limit of {fmt(limit, currency)} (open {fmt(charged, currency)} + this order "
        f"{fmt(charged, currency)})."
    )
    assert Order.objects.count() == orders

    credit.orders_block(profile=profile, reason="Invoices overdue", actor=megan)
    provider.reload()
    expect(provider.get_by_test_id("billing-blocked")).to_contain_text(
        "Contoso Distribution has blocked new orders billed to Fabrikam LLC: Invoices overdue"
    )
