"""Enrolment in a real Chromium: enrol → the contact verifies → staff reject the business step in
admin → the partner answers with Fix now → staff approve → Qualified → add and associate a location."""

import pytest
from playwright.sync_api import expect

from enrollment.models import VerificationDocument
from partnerhub.accounts.models import Role
from tests.browser import steps
from tests.browser.helpers import shot, sign_in_on, watched
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.uploads import PDF

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_enrolment_journey(live_server, settings, browser, tmp_path):
    base = steps.serve(live_server, settings, tmp_path)
    organization = OrganizationFactory(legal_name="Contoso Ltd", primary_domain="contoso.example")
    MembershipFactory(
        organization=organization,
        user=UserFactory(email="megan@contoso.example", first_name="Megan", last_name="Bowen"),
        roles=[Role.GLOBAL_ADMIN],
    )
    UserFactory(email="olivia@partnerhub.example", is_staff=True, is_superuser=True)

    partner = watched(browser.new_context(locale="en-US").new_page())
    partner.set_default_timeout(10_000)
    sign_in_on(partner, base, "megan@contoso.example")

    # Enrol as indirect reseller.
    partner.get_by_role("link", name="CSP", exact=True).click()
    expect(partner.get_by_label("Indirect reseller")).to_be_checked()
    partner.get_by_role("button", name="Next").click()
    partner.locator("#id_contact_email").fill("pat.lee@contoso.example")
    partner.locator("#id_contact_phone").fill("+1 206 555 0100")
    partner.locator("#id_support_email").fill("help@contoso.example")
    partner.locator("#id_support_phone").fill("+1 206 555 0101")
    partner.get_by_role("button", name="Enroll now").click()
    expect(partner.get_by_test_id("program-status-indirect_reseller")).to_have_text("Email verification pending")

    # The primary contact opens the emailed link, without signing in.
    contact = watched(browser.new_context(locale="en-US").new_page())
    contact.goto(steps.emailed_link(base, "pat.lee@contoso.example", r"/verify-contact/\S+/"))
    contact.get_by_role("button", name="Verify my email address").click()
    expect(contact.get_by_role("heading", name="Thank you: your email address is verified")).to_be_visible()

    # Staff pass the employment step, then reject the business step with a reason.
    staff = watched(browser.new_context(locale="en-US").new_page())
    staff.set_default_timeout(10_000)
    sign_in_on(staff, base, "olivia@partnerhub.example")
    steps.review_case(staff, base, "approve")
    steps.review_case(staff, base, "reject", "BUS-01", "Use the name on your certificate of incorporation.")

    # The partner sees the reason and answers with Fix now.
    partner.goto(f"{base}/settings/legal/")
    expect(partner.get_by_test_id("rejection-reason")).to_contain_text("BUS-01")
    expect(partner.get_by_test_id("rejection-reason")).to_contain_text("certificate of incorporation")
    shot(partner, "legal-info-action-needed")
    partner.get_by_role("link", name="Fix now").click()
    partner.locator("#id_document_type").select_option("business_registration")
    partner.locator("#id_comment").fill("Certificate attached.")
    # First a file that only starts like a PDF (HTML behind "%PDF-"): refused with the reason, nothing stored.
    partner.locator("#id_file").set_input_files(
        {
            "name": "certificate.pdf",
            "mimeType": "application/pdf",
            "buffer": b"%PDF-1.4\n<html><script>alert(1)</script>",
        }
    )
    partner.get_by_role("button", name="Upload").click()
    expect(
        partner.get_by_text("This PDF can't be read: it is damaged, incomplete or not really a PDF.")
    ).to_be_visible()
    assert not VerificationDocument.objects.exists()
    partner.locator("#id_document_type").select_option("business_registration")
    partner.locator("#id_file").set_input_files(
        {"name": "certificate.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    partner.get_by_role("button", name="Upload").click()
    expect(partner.get_by_test_id("case-status")).to_have_text("In review")

    # Staff approve the business step and the decision.
    staff.goto(f"{base}/admin/enrollment/verificationcase/")
    shot(staff, "admin-verification-queue")
    steps.review_case(staff, base, "approve")
    steps.review_case(staff, base, "approve")

    # Qualified, and the pending action to associate a partner ID.
    partner.goto(f"{base}/settings/legal/")
    expect(partner.get_by_test_id("program-status-indirect_reseller")).to_have_text("Qualified")
    partner.goto(f"{base}/")
    action = partner.get_by_test_id("pending-action-associate_partner_id")
    expect(action).to_be_visible()
    action.get_by_role("link", name="Associate partner ID").click()
    partner.get_by_role("link", name="Add location").first.click()
    partner.get_by_role("button", name="Add location").click()
    partner.locator("input[name=partner_id]").first.check()
    partner.get_by_role("button", name="Associate").click()
    expect(partner.get_by_test_id("associated-partner-id")).to_contain_text("Contoso Ltd")
    partner.goto(f"{base}/")
    expect(partner.get_by_test_id("pending-action-associate_partner_id")).to_have_count(0)
