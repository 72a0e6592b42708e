"""The first-day journey in a real Chromium: sign up, verify, create the company, invite a colleague,
the colleague joins through the emailed link, and the dashboard speaks French on request."""

import pytest
from playwright.sync_api import expect

from tests.browser import steps
from tests.browser.helpers import shot, watched

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-enough-password"


def test_first_day_journey(live_server, settings, browser):
    settings.SITE_URL = live_server.url
    base = live_server.url
    page = browser.new_page(locale="en-US")

    # 1. Sign up with a work address; the verification email is in the outbox.
    page.goto(f"{base}/accounts/signup/")
    steps.sign_up(page, "Megan", "Bowen", "megan@contoso.example", PASSWORD)
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()
    page.goto(steps.emailed_link(base, "megan@contoso.example", r"/accounts/confirm-email/\S+"))
    page.get_by_role("button", name="Confirm").click()

    # 2. Create the company account.
    expect(page.get_by_role("heading", name="Create your company account")).to_be_visible()
    steps.fill_company_account(page, "Contoso Ltd")
    expect(page.get_by_label("Primary domain")).to_have_value("contoso.example")
    shot(page, "create-company-account")
    page.get_by_role("button", name="Create company account").click()
    expect(page.get_by_test_id("csp-region")).to_have_text("Europe")
    expect(page.get_by_test_id("currency")).to_have_text("EUR")
    expect(page.get_by_test_id("pending-action-invite_team")).to_be_visible()
    shot(page, "dashboard")

    # 3. Invite a colleague.
    page.get_by_role("link", name="Invite users").click()
    page.get_by_label("Email address").fill("sam@contoso.example")
    page.get_by_label("Sales agent").check()
    page.get_by_label("Admin agent").check()
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_test_id("invitation-table")).to_contain_text("sam@contoso.example")
    shot(page, "users")

    # 4. The colleague follows the emailed link, signs up (no second verification) and joins.
    colleague = watched(browser.new_context(locale="en-US").new_page())
    colleague.goto(steps.emailed_link(base, "sam@contoso.example", r"/invitations/\S+/"))
    expect(colleague.get_by_role("heading", name="Join Contoso Ltd on PartnerHub")).to_be_visible()
    colleague.locator("main").get_by_role("link", name="Create account").click()
    expect(colleague.get_by_label("Email")).to_have_value("sam@contoso.example")
    steps.sign_up(colleague, "Sam", "Rivera", None, PASSWORD)
    colleague.get_by_role("button", name="Join Contoso Ltd").click()
    expect(colleague.get_by_test_id("acting-organization")).to_have_text("Contoso Ltd")
    expect(colleague.get_by_text("Welcome to Contoso Ltd.")).to_be_visible()

    # 5. Back to Megan: the colleague is a member; then the dashboard in French.
    page.goto(f"{base}/settings/users/")
    expect(page.get_by_test_id("member-table")).to_contain_text("sam@contoso.example")
    page.goto(f"{base}/")
    page.get_by_label("Language").select_option("fr")
    expect(page.get_by_role("heading", name="Actions en attente")).to_be_visible()
    expect(page.get_by_test_id("csp-region")).to_have_text("Europe")
    page.reload()
    expect(page.get_by_role("link", name="Accueil")).to_be_visible()  # the choice is remembered
