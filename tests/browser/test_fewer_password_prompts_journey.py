"""Too many password prompts, in a real Chromium: confirming the email address signs the new user in, and
setting up two-step sign-in right after a sign-in doesn't ask for the password again."""

import re

import pytest
from playwright.sync_api import expect

from partnerhub.core.models import OutboundEmail
from tests.browser import steps
from tests.browser.helpers import new_page, sign_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-enough-passphrase"


def _expect_authenticator_setup(page) -> None:
    """The authenticator-app set-up itself, not allauth's "Confirm access" password prompt."""
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    expect(page.get_by_role("heading", name="Activate Authenticator App")).to_be_visible()
    expect(page.locator("input[type=password]")).to_have_count(0)


def test_a_new_global_admin_confirms_the_email_and_sets_up_two_step_without_retyping_the_password(
    live_server, settings, browser
):
    """Sign up → confirm the address (signed in by it) → create the company (now a Global admin, who must
    use two-step sign-in) → sent straight to the authenticator set-up, with no password prompt on the way."""
    settings.SITE_URL = live_server.url
    settings.MFA_REQUIRED_FOR_ADMINS = True
    base = live_server.url
    page = new_page(browser)

    page.goto(f"{base}/accounts/signup/")
    steps.sign_up(page, "Adele", "Vance", "adele@contoso.example", PASSWORD)
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()
    body = OutboundEmail.objects.get(to="adele@contoso.example").body_text
    page.goto(re.search(r"https?://\S+/accounts/confirm-email/\S+/", body).group(0))
    page.get_by_role("button", name="Confirm").click()

    # Signed in by the confirmation: straight to the next step, not to the sign-in page.
    expect(page.get_by_role("heading", name="Create your company account")).to_be_visible()
    steps.fill_company_account(page, "Contoso Ltd")
    page.get_by_role("button", name="Create company account").click()

    _expect_authenticator_setup(page)


def test_two_step_setup_right_after_a_sign_in_asks_no_password(live_server, settings, browser, db):
    settings.SITE_URL = live_server.url
    user = UserFactory(email="megan@contoso.example")

    page = sign_in(browser, live_server.url, user.email)
    page.goto(f"{live_server.url}/accounts/2fa/")
    page.get_by_role("link", name="Activate").click()

    _expect_authenticator_setup(page)
