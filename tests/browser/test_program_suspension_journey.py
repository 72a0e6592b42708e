"""Staff suspend a provider's program in admin with a reason code, in a real Chromium: the action's intermediate
form → the provider reads why on its dashboard and program page and can no longer add customers → staff
reinstate → the provider adds customers again. The partner's pages at 1280 and 390 px."""

import re

import pytest
from playwright.sync_api import expect

from enrollment.models import ProgramEnrollment
from partnerhub.core.models import OutboundEmail
from tests.browser import steps
from tests.browser.helpers import sign_in, sign_in_on, watched

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _select_and_run(staff, base, action):
    """Admin → Program enrollments → tick Contoso's row → choose the action → Go."""
    staff.goto(f"{base}/admin/enrollment/programenrollment/")
    staff.get_by_role("row", name=re.compile("Contoso Distribution")).get_by_role("checkbox").check()
    staff.locator("select[name=action]").select_option(action)
    staff.get_by_role("button", name="Go").click()


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}], ids=["1280", "390"]
)
def test_staff_suspend_and_reinstate_a_providers_program(live_server, settings, browser, tmp_path, viewport):
    base = steps.serve(live_server, settings, tmp_path)
    mpa = steps.partner_agreement()
    olivia = steps.reviewer()
    olivia.is_superuser = True
    olivia.save(update_fields=["is_superuser"])
    steps.partner_organization("Contoso Distribution", "megan@contoso.example", "indirect_provider", olivia, mpa)

    staff = watched(browser.new_context(locale="en-US").new_page())
    staff.set_default_timeout(10_000)
    sign_in_on(staff, base, "olivia@partnerhub.example")

    # The action asks for a reason code and a sentence before anything changes.
    _select_and_run(staff, base, "suspend")
    expect(staff.get_by_role("heading", name="Suspend these programs")).to_be_visible()
    staff.get_by_role("button", name="Suspend").click()  # the browser asks for the required fields first
    expect(staff.get_by_role("heading", name="Suspend these programs")).to_be_visible()
    assert ProgramEnrollment.objects.get().status == "active"
    staff.get_by_label("Reason").select_option("non_payment")
    staff.get_by_label("Sentence the partner reads").fill("Your invoices are 75 days overdue.")
    staff.get_by_role("button", name="Suspend").click()
    expect(staff.get_by_text("Suspended: 1 enrolment(s).")).to_be_visible()
    mail = OutboundEmail.objects.get(to="megan@contoso.example", subject="Your program enrolment is suspended")
    assert "Reason: Non-payment." in mail.body_text

    # The provider reads why on its dashboard and its program page, and can't add a customer.
    partner = sign_in(browser, base, "megan@contoso.example", viewport=viewport)
    notice = partner.get_by_test_id("pending-action-suspended_indirect_provider")
    expect(notice).to_contain_text("Non-payment: Your invoices are 75 days overdue.")
    notice.get_by_role("link", name="See why and what lifts it").click()
    expect(partner.get_by_test_id("suspension-reason-code")).to_have_text("Reason: Non-payment")
    expect(partner.get_by_test_id("suspension-indirect_provider")).to_contain_text("can't add customers")
    response = partner.goto(f"{base}/customers/new/")
    assert response.status == 403

    # Staff reinstate after a confirmation that shows the reason; the provider sells again.
    _select_and_run(staff, base, "reinstate")
    expect(staff.get_by_text("Your invoices are 75 days overdue.")).to_be_visible()
    staff.get_by_role("button", name="Reinstate").click()
    expect(staff.get_by_text("Reinstated: 1 enrolment(s).")).to_be_visible()
    assert OutboundEmail.objects.filter(subject="Your program enrolment is reinstated").exists()
    partner.goto(f"{base}/")
    expect(partner.get_by_test_id("pending-action-suspended_indirect_provider")).to_have_count(0)
    response = partner.goto(f"{base}/customers/new/")
    assert response.status == 200
