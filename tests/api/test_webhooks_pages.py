"""Account settings → API → Webhooks as a Global admin uses it: add an endpoint (the secret shown once), the
delivery log with Redeliver, Send test event (limited per minute), rotate, edit, disable, delete; other roles
get 403, another tenant's endpoint 404; the pages' query counts do not grow with the rows."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from api.webhooks.services import webhook_endpoint_create, webhook_send_test
from partnerhub.accounts.models import Role
from partnerhub.core.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=False)

URL = "https://hooks.contoso.example/partnerhub"


@pytest.fixture
def endpoint(admin_member, active_provider):
    endpoint, _ = webhook_endpoint_create(organization=active_provider, actor=admin_member.user, url=URL,
                                          event_types=["customer-created", "test-created"])  # fmt: skip
    return endpoint


def secret_on(page: str) -> str | None:
    match = re.search(r'value="(whsec_[A-Za-z0-9+/=]+)"', page)
    return match.group(1) if match else None


def test_adding_an_endpoint_shows_its_secret_once(admin_client, active_provider):
    page = admin_client.get("/settings/api/webhooks/new/")
    assert page.status_code == 200
    assert "subscription-cancelled" in page.content.decode()

    response = admin_client.post("/settings/api/webhooks/new/", {
        "url": URL, "description": "ERP", "event_types": ["customer-created", "order-completed"]})  # fmt: skip

    secret = secret_on(response.content.decode())
    assert secret is not None
    endpoint = WebhookEndpoint.objects.get(organization=active_provider)
    assert endpoint.event_types == ["customer-created", "order-completed"]
    assert endpoint.secret == secret
    detail = admin_client.get(f"/settings/api/webhooks/{endpoint.pk}/").content.decode()
    assert secret not in detail
    assert secret not in admin_client.get("/settings/api/webhooks/").content.decode()
    assert AuditEvent.objects.filter(code="partnerhub.webhook_endpoint.created").exists()


def test_an_unsafe_url_is_refused_next_to_the_field(admin_client, active_provider):
    response = admin_client.post("/settings/api/webhooks/new/", {
        "url": "http://169.254.169.254/latest", "event_types": ["customer-created"]})  # fmt: skip
    assert response.status_code == 200
    assert "Webhook URLs must use https://." in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_send_test_event_writes_a_delivery_and_is_limited_per_minute(admin_client, endpoint, settings):
    settings.WEBHOOK_TEST_EVENTS_PER_MINUTE = 2
    for _ in range(3):
        response = admin_client.post(f"/settings/api/webhooks/{endpoint.pk}/test/", follow=True)
    page = response.content.decode()
    assert "You can send 2 test events a minute to an endpoint." in page
    assert WebhookEvent.objects.filter(type="test-created").count() == 2
    assert page.count("test-created") >= 2


def test_redeliver_makes_a_new_delivery_of_the_same_event(admin_client, admin_member, endpoint):
    delivery = webhook_send_test(endpoint=endpoint, actor=admin_member.user)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed", next_attempt_at=None)

    page = admin_client.get(f"/settings/api/webhooks/{endpoint.pk}/").content.decode()
    assert "Redeliver" in page
    admin_client.post(f"/settings/api/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/redeliver/")

    again = WebhookDelivery.objects.exclude(pk=delivery.pk).get()
    assert again.event_id == delivery.event_id
    assert again.is_redelivery


def test_rotate_edit_disable_and_delete(admin_client, endpoint):
    rotated = admin_client.post(f"/settings/api/webhooks/{endpoint.pk}/rotate/").content.decode()
    new_secret = secret_on(rotated)
    endpoint.refresh_from_db()
    assert new_secret == endpoint.secret
    assert endpoint.previous_secret

    admin_client.post(f"/settings/api/webhooks/{endpoint.pk}/edit/", {
        "url": URL + "/v2", "description": "", "event_types": ["order-completed"]})  # fmt: skip
    admin_client.post(f"/settings/api/webhooks/{endpoint.pk}/toggle/")
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.event_types, endpoint.is_active) == (URL + "/v2", ["order-completed"], False)

    assert "Delete the endpoint" in admin_client.get(f"/settings/api/webhooks/{endpoint.pk}/delete/").content.decode()
    admin_client.post(f"/settings/api/webhooks/{endpoint.pk}/delete/")
    assert not WebhookEndpoint.objects.exists()


def test_only_a_global_admin_manages_webhooks(client, make_member, active_provider, endpoint):
    agent = make_member(active_provider, Role.ADMIN_AGENT)
    client.force_login(agent.user)
    assert client.get("/settings/api/webhooks/").status_code == 403
    assert client.post(f"/settings/api/webhooks/{endpoint.pk}/test/").status_code == 403


def test_another_tenants_endpoint_is_404(client, outsider_member, endpoint):
    client.force_login(outsider_member.user)
    assert client.get(f"/settings/api/webhooks/{endpoint.pk}/").status_code == 404
    assert client.post(f"/settings/api/webhooks/{endpoint.pk}/rotate/").status_code == 404
    assert client.post(f"/settings/api/webhooks/{endpoint.pk}/test/").status_code == 404
    assert "hooks.contoso.example" not in client.get("/settings/api/webhooks/").content.decode()


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_the_pages_query_counts_do_not_grow_with_rows(admin_client, admin_member, active_provider, endpoint, settings):
    settings.WEBHOOK_TEST_EVENTS_PER_MINUTE = 100
    webhook_send_test(endpoint=endpoint, actor=admin_member.user)
    pages = ("/settings/api/webhooks/", f"/settings/api/webhooks/{endpoint.pk}/")
    few = tuple(_queries(admin_client, page) for page in pages)
    for _ in range(20):
        webhook_send_test(endpoint=endpoint, actor=admin_member.user)
    for n in range(8):
        webhook_endpoint_create(organization=active_provider, actor=admin_member.user, url=f"{URL}/{n}",
                                event_types=["test-created"])  # fmt: skip
    many = tuple(_queries(admin_client, page) for page in pages)
    assert few == many
    assert many == (4, 6)  # list: request overhead (3) + endpoints; detail: overhead + endpoint, count, page
