"""A throttle in a real Chromium: with "Send from PartnerHub" limited to one email an hour, the provider's second
Send shows the 429 page naming the limit and the wait, and nothing is sent (issue 15)."""

import re
import time

import pytest
from playwright.sync_api import expect

from partnerhub.core import throttle
from partnerhub.core.models import OutboundEmail
from relationships.models import PartnershipInvitation
from tests.browser import steps
from tests.browser.helpers import sign_in
from tests.redis_cache import redis_cache  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_second_send_from_partnerhub_past_the_limit_shows_the_429_page(
    live_server,
    monkeypatch,
    settings,
    browser,
    tmp_path,
    redis_cache,  # noqa: F811
):
    base = steps.serve(live_server, settings, tmp_path)
    settings.THROTTLE_RATES = {"partner_email_send": "1/h"}
    # The limiter's clock held 10 minutes into an hour: both sends fall in one window whenever the test runs.
    held = (time.time() // 3600) * 3600 + 600
    monkeypatch.setattr(throttle, "clock", lambda: held)
    steps.partner_organization(
        "Contoso Distribution",
        "megan@contoso.example",
        "indirect_provider",
        steps.reviewer(),
        steps.partner_agreement(),
    )

    provider = sign_in(browser, base, "megan@contoso.example")

    def request_and_send(email: str):
        steps.request_partnership(provider, base, email)
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
