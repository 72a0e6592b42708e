"""Invoices in a real Chromium, on a phone and on a desktop: Contoso's Billing admin opens Billing → Issued → the
invoice it sent its reseller Fabrikam, downloads the PDF and the reconciliation file, and issues a credit note
by clicking; Fabrikam's Global admin then finds the invoice and the credit note under Received."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from billing.models import BillingProfile, Invoice
from billing.services import runs
from partnerhub.accounts.models import Role
from tests import scenarios
from tests.browser import steps
from tests.browser.helpers import shot, sign_in
from tests.factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _menu(page) -> None:
    """On a phone the navigation is behind the menu button."""
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", [390, 1280])
def test_a_billing_admin_reads_an_invoice_and_credits_it(live_server, settings, browser, width):
    base = steps.serve(live_server, settings)
    mpa, staff = steps.partner_agreement(), steps.reviewer()
    scenarios.customer_agreement()
    offers = scenarios.catalogue()
    contoso, megan = steps.partner_organization("Contoso Distribution", "megan@contoso.example", "indirect_provider",
                                                staff, mpa)  # fmt: skip
    fabrikam, alex = steps.partner_organization("Fabrikam LLC", "alex@fabrikam.example", "indirect_reseller",
                                                staff, mpa)  # fmt: skip
    scenarios.partner(contoso, megan, fabrikam, alex)
    billing_admin = UserFactory(email="bill@contoso.example", first_name="Bill")
    MembershipFactory(organization=contoso, user=billing_admin, roles=[Role.BILLING_ADMIN])
    scenarios.new_customer(contoso, megan, fabrikam, prefix="woodgrovefoods", company_name="Woodgrove Foods Inc.",
                           lines=[(offers["standard"], 10), (offers["security"], 5)])  # fmt: skip
    for profile in BillingProfile.objects.all():  # the period closes on its billing day
        runs.billing_run_profile(pk=profile.pk, today=profile.next_run_on)
    invoice = Invoice.objects.get(issuer=contoso, recipient=fabrikam)
    viewport = {"width": width, "height": 900}

    # Contoso's Billing admin: Billing → Issued → the invoice.
    page = sign_in(browser, base, "bill@contoso.example", viewport=viewport)
    _menu(page)
    page.get_by_role("link", name="Billing", exact=True).click()
    page.get_by_role("link", name="Issued", exact=True).click()
    expect(page.get_by_test_id("invoices")).to_contain_text("Fabrikam LLC")
    _fits(page, width)
    page.get_by_role("link", name=invoice.number).click()
    expect(page.get_by_role("heading", name=f"Invoice {invoice.number}")).to_be_visible()
    expect(page.get_by_test_id("invoice-lines")).to_contain_text("Woodgrove Foods Inc.")
    _fits(page, width)
    if width > 1000:
        shot(page, "invoice-detail")

    with page.expect_download() as pdf_download:
        page.get_by_test_id("download-pdf").click()
    pdf = Path(pdf_download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    assert invoice.number.encode() in pdf
    with page.expect_download() as csv_download:
        page.get_by_test_id("download-reconciliation").click()
    csv = Path(csv_download.value.path()).read_text(encoding="utf-8-sig")
    assert csv.startswith("PartnerId,CustomerId,CustomerName")
    assert "Woodgrove Foods Inc." in csv
    assert invoice.number in csv

    # A credit note: too much first (the form says what is left), then 5.00.
    page.get_by_label("Amount including tax").fill("99999")
    page.get_by_label("Reason").fill("Goodwill")
    page.get_by_role("button", name="Issue credit note").click()
    expect(page.get_by_test_id("credit-note-form")).to_contain_text("is left to credit")
    page.get_by_label("Amount including tax").fill("5.00")
    page.get_by_label("Reason").fill("Goodwill for the outage")
    page.get_by_role("button", name="Issue credit note").click()
    note = Invoice.objects.get(kind="credit_note")
    expect(page.get_by_text(f"Credit note {note.number} issued")).to_be_visible()
    expect(page.get_by_test_id("credit-notes")).to_contain_text("-5.00")
    _fits(page, width)

    # Fabrikam's Global admin: Billing → Received shows the invoice and the credit note citing it.
    reseller = sign_in(browser, base, "alex@fabrikam.example", viewport=viewport)
    _menu(reseller)
    reseller.get_by_role("link", name="Billing", exact=True).click()
    table = reseller.get_by_test_id("invoices")
    expect(table).to_contain_text(invoice.number)
    expect(table).to_contain_text(note.number)
    expect(table).to_contain_text("Credit note")
    _fits(reseller, width)
    reseller.get_by_role("link", name=note.number).click()
    expect(reseller.get_by_role("heading", name=f"Credit note {note.number}")).to_be_visible()
    expect(reseller.get_by_text("Goodwill for the outage")).to_be_visible()
    expect(reseller.get_by_role("button", name="Issue credit note")).to_have_count(0)
    _fits(reseller, width)
