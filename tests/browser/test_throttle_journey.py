"""A throttle in a real Chromium: with "Send from PartnerHub" limited to one email an hour, the provider's second
Send shows the 429 page naming the limit and the wait, and nothing is sent (issue 15)."""

import re
import time
from datetime import date

import pytest
from playwright.sync_api import expect

from agreements.services import agreement_version_create
from partnerhub.accounts.models import Role
from partnerhub.core import throttle
from partnerhub.core.models import OutboundEmail
from partnerhub.demo.pdf import PARTNER_AGREEMENT, text_pdf
from relationships.models import PartnershipInvitation
from tests.browser.helpers import sign_in
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.redis_cache import redis_cache  # noqa: F401 (fixture)
from tests.scenarios import qualify, sign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_second_send_from_partnerhub_past_the_limit_shows_the_429_page(
    live_server,
    monkeypatch,
    settings,
    browser,
    tmp_path,
    redis_cache,  # noqa: F811
):
    settings.SITE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path
    settings.THROTTLE_RATES = {"partner_email_send": "1/h"}
    base = live_server.url
    # The limiter's clock held 10 minutes into an hour: both sends fall in one window whenever the test runs.
    held = (time.time() // 3600) * 3600 + 600
    monkeypatch.setattr(throttle, "clock", lambda: held)
    mpa = agreement_version_create(
        type="mpa",
        version="1",
        language="en",
        effective_date=date(2026, 1, 1),
        content=text_pdf("MPA", PARTNER_AGREEMENT),
    )
    staff = UserFactory(email="olivia@partnerhub.example", is_staff=True)
    organization = OrganizationFactory(legal_name="Contoso Distribution", primary_domain="contoso.example")
    user = UserFactory(email="megan@contoso.example", first_name="Megan")
    MembershipFactory(organization=organization, user=user, roles=[Role.GLOBAL_ADMIN])
    qualify(organization, user, staff, program="indirect_provider")
    sign(organization, user, mpa)

    provider = sign_in(browser, base, "megan@contoso.example")

    def request_and_send(email: str):
        provider.goto(f"{base}/partners/resellers/")
        provider.get_by_role("button", name="Request a partnership").click()
        expect(provider.get_by_test_id("partnership-link")).to_have_value(re.compile(r"/partnership/[\w-]{43,}/$"))
        provider.get_by_label("Reseller's email address").fill(email)
        with provider.expect_response(lambda response: response.request.method == "POST") as sent:
            provider.get_by_role("button", name="Send", exact=True).click()
        return sent.value

    assert request_and_send("alex@fabrikam.example").status == 302
    expect(provider.get_by_test_id("partnership-invitations")).to_contain_text("alex@fabrikam.example")

    refused = request_and_send("someone@victim.example")

    assert refused.status == 429
    assert refused.headers["retry-after"] == "3000"
    expect(provider.get_by_role("heading", name="Too many requests")).to_be_visible()
    expect(provider.get_by_test_id("throttled")).to_have_text(
        re.compile(
            r"You've reached the limit for emails sent from PartnerHub\. Nothing was changed or sent\. "
            r"Try again in 50 minutes\."
        )
    )
    assert not OutboundEmail.objects.filter(to="someone@victim.example").exists()
    assert not PartnershipInvitation.objects.filter(recipient_email="someone@victim.example").exists()
    assert OutboundEmail.objects.filter(template="partnership_invitation").count() == 1
