"""Issue 14, defects 3 and 5 in a real Chromium: an Active reseller corrects its address and its provider can
still name it; a rejection that was answered and approved no longer shows on Legal info, at phone and
desktop widths, and stays in the history."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from enrollment import services as enrollment_services
from enrollment.models import PartnerId
from partnerhub.accounts.models import Role
from tests.browser import steps
from tests.browser.helpers import sign_in
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.scenarios import ENROLLMENT_DATA, partner
from tests.uploads import PDF

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_active_reseller_corrects_its_address_and_stays_orderable(live_server, settings, browser, tmp_path):
    base = steps.serve(live_server, settings, tmp_path)
    mpa = steps.partner_agreement("MPA", "MPA")
    staff = steps.reviewer()
    provider_org, provider_user = steps.partner_organization(
        "Contoso Distribution", "megan@contoso.example", "indirect_provider", staff, mpa, last_name="Admin"
    )
    reseller_org, reseller_user = steps.partner_organization(
        "Fabrikam LLC", "alex@fabrikam.example", "indirect_reseller", staff, mpa, last_name="Admin"
    )
    partner(provider_org, provider_user, reseller_org, reseller_user)
    number = str(PartnerId.objects.get(organization=reseller_org, csp_associated=True).number)

    # The reseller corrects its address; the form says what will happen before it is saved.
    reseller = sign_in(browser, base, "alex@fabrikam.example")
    reseller.goto(f"{base}/settings/legal/?program=indirect_reseller")
    expect(reseller.get_by_test_id("program-status-indirect_reseller")).to_have_text("Active")
    reseller.get_by_role("link", name="Update details").click()
    expect(reseller.get_by_test_id("what-happens")).to_contain_text("Your program status stays Active while we check")
    reseller.get_by_label("Address line 1").fill("2 Harbour Road")
    reseller.get_by_role("button", name="Submit").click()

    expect(reseller.get_by_text("your program status stays Active")).to_be_visible()
    expect(reseller.get_by_test_id("program-status-indirect_reseller")).to_have_text("Active")
    expect(reseller.get_by_test_id("case-status")).to_have_text("In review")
    expect(reseller.get_by_test_id("recheck-note")).to_contain_text("providers can keep placing orders")

    # The provider can still name the reseller: the status lookup and the order path agree.
    provider = sign_in(browser, base, "megan@contoso.example")
    provider.goto(f"{base}/partners/resellers/")
    provider.get_by_role("link", name="Verify a partner ID").click()
    steps.verify_partner_id(provider, number)
    expect(provider.get_by_test_id("lookup-result")).to_contain_text("may be used")
    expect(provider.get_by_test_id("lookup-result")).to_contain_text("Active")
    expect(provider.get_by_test_id("lookup-name")).to_have_text("Fabrikam LLC")
    # Issue 15: its global ID (or any number that is not such a location ID) names no one.
    global_number = str(enrollment_services.partner_id_issue_global(organization=reseller_org).number)
    steps.verify_partner_id(provider, global_number)
    expect(provider.get_by_test_id("lookup-result")).to_contain_text("2202")
    expect(provider.get_by_test_id("lookup-result")).not_to_contain_text("Fabrikam")
    expect(provider.get_by_test_id("lookup-name")).to_have_count(0)
    steps.open_add_customer_from_reseller_row(provider, base, "Fabrikam LLC")
    expect(provider.get_by_label("Indirect reseller")).to_have_value(str(reseller_org.pk))


@pytest.mark.parametrize("width", [390, 1280])
def test_an_answered_rejection_leaves_legal_info_once_approved(live_server, settings, browser, tmp_path, width):
    base = steps.serve(live_server, settings, tmp_path)
    organization = OrganizationFactory(legal_name="Contoso Ltd", primary_domain="contoso.example")
    admin = UserFactory(email="megan@contoso.example", first_name="Megan", last_name="Bowen")
    MembershipFactory(organization=organization, user=admin, roles=[Role.GLOBAL_ADMIN])
    staff = UserFactory(email="olivia@partnerhub.example", is_staff=True)
    enrollment = enrollment_services.enrollment_submit(
        organization=organization, actor=admin, program="indirect_reseller", data=ENROLLMENT_DATA
    )
    case = enrollment.cases.get()
    enrollment_services.contact_email_verify(case_pk=case.pk)
    case = enrollment_services.case_approve_step(case=case, reviewer=staff)
    case = enrollment_services.case_reject_step(
        case=case, reviewer=staff, reason_code="BUS-02", reason_text="Send a utility bill for 1 Main Street."
    )
    enrollment_services.case_submit_document(
        case=case, actor=admin, document_type="municipal_receipt", comment="", upload=SimpleUploadedFile("b.pdf", PDF)
    )
    for _ in range(2):  # business, decision
        case = enrollment_services.case_approve_step(case=case, reviewer=staff)

    partner = sign_in(browser, base, "megan@contoso.example", viewport={"width": width, "height": 800})
    partner.goto(f"{base}/settings/legal/?program=indirect_reseller")

    expect(partner.get_by_test_id("program-status-indirect_reseller")).to_have_text("Qualified")
    expect(partner.get_by_test_id("case-status")).to_have_text("Authorized")
    expect(partner.get_by_test_id("rejection-reason")).to_have_count(0)
    expect(partner.get_by_text("BUS-02: The address doesn't match")).to_have_count(0)
    expect(partner.get_by_test_id("history")).to_contain_text("Step rejected (Business) — Send a utility bill")
