"""Issue 14, defect 7, in a real Chromium: a new partner-agreement version that requires re-acceptance is
shown beside the accepted one, never as accepted; a Global admin clicks Review and accept, accepts it and
lands on the Agreements page that says they are all set."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from agreements.services import agreement_sign, agreement_version_create
from demo.pdf import PARTNER_AGREEMENT, text_pdf
from partnerhub.accounts.models import Role
from tests.browser import steps
from tests.browser.helpers import sign_in
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.scenarios import qualify

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fabrikam_on_the_first_version():
    """Fabrikam, qualified; its Global admin Olivia Martin accepted partner agreement 2026-01."""
    first = agreement_version_create(
        type="mpa", version="2026-01", language="en", effective_date=date(2026, 1, 1),
        content=text_pdf("Partner Agreement (2026-01)", PARTNER_AGREEMENT),
    )  # fmt: skip
    organization = OrganizationFactory(legal_name="Fabrikam LLC", primary_domain="contoso.example")
    olivia = UserFactory(email="olivia@contoso.example", first_name="Olivia", last_name="Martin")
    MembershipFactory(organization=organization, user=olivia, roles=[Role.GLOBAL_ADMIN])
    return organization, olivia, first


def _qualified_and_signed(organization, olivia, first):
    qualify(organization, olivia, UserFactory(email="staff@partnerhub.example", is_staff=True))
    agreement_sign(
        organization=organization, user=olivia, version=first, first_name="Olivia", last_name="Martin",
        email=olivia.email, accepted=True,
    )  # fmt: skip


def _second_version():
    """Partner agreement 2026-12, which requires re-acceptance within 30 days."""
    return agreement_version_create(
        type="mpa", version="2026-12", language="en", effective_date=date(2026, 12, 1),
        content=text_pdf("Partner Agreement (2026-12)", PARTNER_AGREEMENT),
        requires_reacceptance=True, acceptance_deadline=timezone.now() + timedelta(days=30),
    )  # fmt: skip


def test_a_new_version_is_pending_beside_the_accepted_one_until_accepted(live_server, settings, browser, tmp_path):
    base = steps.serve(live_server, settings, tmp_path)
    organization, olivia, first = _fabrikam_on_the_first_version()
    alex = UserFactory(email="alex@contoso.example", first_name="Alex", last_name="Wilber")
    MembershipFactory(organization=organization, user=alex, roles=[Role.GLOBAL_ADMIN])
    _qualified_and_signed(organization, olivia, first)
    _second_version()

    page = sign_in(browser, base, "alex@contoso.example")
    expect(page.get_by_test_id("pending-action-reaccept_mpa")).to_contain_text("requires your acceptance by")
    page.get_by_test_id("pending-action-reaccept_mpa").get_by_role("link", name="Review and accept").click()

    # What was accepted, by whom; and, apart, what is pending and by when.
    expect(page.get_by_test_id("mpa-version")).to_have_text("2026-01")
    expect(page.get_by_test_id("mpa-status")).to_contain_text("Accepted")
    expect(page.get_by_test_id("mpa-status")).to_contain_text("by Olivia Martin")
    expect(page.get_by_test_id("mpa-pending-version")).to_have_text("2026-12")
    expect(page.get_by_test_id("mpa-pending-status")).to_contain_text("Pending")
    expect(page.get_by_test_id("mpa-pending-status")).to_contain_text("Accept by")

    page.get_by_test_id("mpa-pending-row").get_by_role("link", name="Review and accept").click()
    expect(page.get_by_role("heading", name="Partner agreement, version 2026-12")).to_be_visible()
    page.get_by_label("I have read and accept").check()
    page.get_by_role("button", name="Accept and continue").click()

    # Rough edge: the partner lands where it says they are all set, not on "Choose a program".
    expect(page).to_have_url(f"{base}/settings/agreements/")
    expect(page.get_by_test_id("mpa-banner")).to_contain_text("You're all set up to transact in the United States")
    expect(page.get_by_text("Choose a program")).to_have_count(0)
    expect(page.get_by_test_id("mpa-version")).to_have_text("2026-12")
    expect(page.get_by_test_id("mpa-status")).to_contain_text("by Alex Wilber")
    expect(page.get_by_test_id("mpa-pending-row")).to_have_count(0)
    expect(page.get_by_test_id("pending-action-reaccept_mpa")).to_have_count(0)


def test_after_the_deadline_the_agreements_page_says_what_is_refused(live_server, settings, browser, tmp_path):
    base = steps.serve(live_server, settings, tmp_path)
    organization, olivia, first = _fabrikam_on_the_first_version()
    sam = UserFactory(email="sam@contoso.example", first_name="Sam", last_name="Lee")
    MembershipFactory(organization=organization, user=sam, roles=[Role.SALES_AGENT])
    _qualified_and_signed(organization, olivia, first)
    second = _second_version()
    second.acceptance_deadline = timezone.now() - timedelta(minutes=1)  # as if the 30 days had passed
    second.save(update_fields=["acceptance_deadline"])

    page = sign_in(browser, base, "sam@contoso.example", viewport={"width": 390, "height": 844})
    page.goto(f"{base}/settings/agreements/")
    expect(page.get_by_test_id("mpa-overdue")).to_contain_text(
        "Your organization hasn't accepted version 2026-12 of the partner agreement"
    )
    expect(page.get_by_test_id("mpa-banner")).to_have_count(0)
    expect(page.get_by_test_id("mpa-pending-status")).to_contain_text("Overdue")
    expect(page.get_by_test_id("who-can-sign")).to_contain_text("olivia@contoso.example")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
