"""Webhooks in a real Chromium, at desktop and phone widths: a Global admin adds an endpoint pointed at a local
receiver, copies the secret shown once, sends a test event, and sees it delivered in the endpoint's log; the
receiver verified the signature with that secret (a real Celery worker delivered it)."""

import pytest
from playwright.sync_api import expect

from tests.api import webhook_receiver
from tests.browser.helpers import PHONE, shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, PHONE], ids=["desktop", "phone"])
def test_add_an_endpoint_send_a_test_event_and_see_it_delivered(
    live_server, settings, browser, admin_member, active_provider, celery_worker, viewport
):
    settings.SITE_URL = live_server.url
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True  # the receiver is on 127.0.0.1
    receiver, server = webhook_receiver.start()
    try:
        page = sign_in(browser, live_server.url, admin_member.user.email, viewport=viewport)
        # Account settings → API → Webhooks, as a person gets there (on a phone, the menu opens first).
        toggler = page.locator(".navbar-toggler")
        if toggler.is_visible():
            toggler.click()
        page.get_by_role("button", name="Account settings").or_(
            page.get_by_role("link", name="Account settings")
        ).click()
        page.get_by_role("link", name="API", exact=True).click()
        page.get_by_role("link", name="Webhooks", exact=True).click()
        expect(page.get_by_test_id("no-webhooks")).to_be_visible()
        page.get_by_role("link", name="Add endpoint").click()
        page.get_by_label("Endpoint URL").fill(receiver.url)
        page.get_by_label("Description").fill("Our ERP")
        page.get_by_label("test-created").check()
        page.get_by_role("button", name="Add endpoint").click()

        secret = page.get_by_test_id("webhook-secret").input_value()
        assert secret.startswith("whsec_")
        receiver.secrets.append(secret)
        page.get_by_role("link", name="I have copied it").click()
        expect(page.get_by_test_id("no-deliveries")).to_be_visible()
        expect(page.get_by_text(secret)).to_have_count(0)  # shown once

        page.get_by_role("button", name="Send test event").click()
        expect(page.get_by_text("A test-created event is on its way.")).to_be_visible()
        log = page.get_by_test_id("delivery-log")
        for _ in range(20):
            if log.get_by_text("Delivered").count():
                break
            page.wait_for_timeout(250)
            page.reload()
        expect(log.get_by_text("Delivered")).to_be_visible()
        expect(log.get_by_text("204")).to_be_visible()
        assert len(receiver.requests) == 1
        assert receiver.requests[0].verified
        assert receiver.requests[0].payload["type"] == "test-created"
        expect(log.get_by_text(receiver.requests[0].headers["webhook-id"])).to_be_visible()
        if viewport["width"] > PHONE["width"]:
            shot(page, "webhook-deliveries")
    finally:
        server.shutdown()
        server.server_close()
