"""Webhooks end to end, against a real HTTP receiver on 127.0.0.1 that verifies every signature with the
`standardwebhooks` library: the event stream of a day of activity (every event once, in commit order per
resource), retries, disabling, Retry-After, redirects, SSRF refusals, secret rotation, run-twice safety."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from api.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from api.services import ApiError
from api.webhooks import egress
from api.webhooks.delivery import MAX_ATTEMPTS, webhook_deliver
from api.webhooks.events import EVENT_TYPES
from api.webhooks.services import (
    webhook_endpoint_create,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
    webhook_redeliver,
    webhook_send_test,
    webhook_sweep,
)
from customers import services as customer_services
from customers.models import Subscription
from partnerhub.accounts.models import Membership
from partnerhub.core.models import Notification, OutboundEmail
from relationships import services as relationship_services
from relationships.models import PartnerRelationship
from tests import scenarios
from tests.api import webhook_receiver
from tests.api.calls import api_for
from tests.threads import platform_thread

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def eager():
    """Celery runs each task inline when it is queued (the broker is the boundary this stands in for)."""
    from partnerhub.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def receiver(settings, eager):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    receiver, server = webhook_receiver.start()
    yield receiver
    server.shutdown()
    server.server_close()


class Clock:
    """The frozen clock of a test: `t0` when it stopped, `move_to` to travel on."""

    def __init__(self, traveller, t0) -> None:
        self.traveller, self.t0 = traveller, t0

    def move_to(self, when) -> None:
        self.traveller.move_to(when)


@pytest.fixture
def clock():
    t0 = timezone.now().replace(microsecond=0)
    with time_machine.travel(t0, tick=False) as traveller:
        yield Clock(traveller, t0)


def register(member, receiver, types=None, **options):
    endpoint, secret = webhook_endpoint_create(
        organization=member.organization, actor=member.user, url=receiver.url, event_types=types or EVENT_TYPES,
        **options,
    )  # fmt: skip
    receiver.secrets.append(secret)
    return endpoint


def sweep_at(clock, when):
    clock.move_to(when)
    return webhook_sweep()


def test_a_day_of_activity_arrives_once_each_in_commit_order_per_resource(
    seller, offers, receiver, clock, django_capture_on_commit_callbacks
):
    provider, user, reseller, reseller_user = seller
    provider_admin = Membership.objects.get(organization=provider, user=user)
    register(provider_admin, receiver)

    with django_capture_on_commit_callbacks(execute=True):
        created = scenarios.new_customer(provider, user, reseller, prefix="woodgrove", company_name="Woodgrove Inc.",
                                         lines=[(offers["standard"], 10), (offers["security"], 5)])  # fmt: skip
    customer = created.organization
    first, second = Subscription.objects.filter(customer=customer).order_by("pk")
    with django_capture_on_commit_callbacks(execute=True):
        customer_services.subscription_change_quantity(subscription=first, actor=user, quantity=12)
    with django_capture_on_commit_callbacks(execute=True):
        customer_services.subscription_update(subscription=first, actor=user, friendly_name="Head office",
                                              auto_renew=False)  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        customer_services.subscription_cancel(subscription=second, actor=user)
    relationship = PartnerRelationship.objects.get(provider=provider, reseller=reseller)
    with django_capture_on_commit_callbacks(execute=True):
        relationship_services.partnership_remove(relationship=relationship, actor=user, acting_organization=provider)

    events = list(WebhookEvent.objects.filter(organization=provider).order_by("pk"))
    assert [(event.type, event.resource) for event in events] == [
        ("order-completed", "order"),
        ("subscription-created", "subscription"),
        ("subscription-created", "subscription"),
        # the new customer's default admin relationship (access/), active at once
        ("admin-relationship-created", "admin-relationship"),
        ("admin-relationship-approved", "admin-relationship"),
        ("customer-created", "customer"),
        ("subscription-updated", "subscription"),
        ("subscription-updated", "subscription"),
        ("subscription-cancelled", "subscription"),
        ("partnership-removed", "relationship"),
    ]
    received = receiver.requests
    assert all(request.verified for request in received)
    ids = [request.headers["webhook-id"] for request in received]
    assert sorted(ids) == sorted(event.event_id for event in events)  # every event, once
    assert len(set(ids)) == len(ids)
    for request in received:
        assert request.payload["id"] == request.headers["webhook-id"]
    by_resource: dict[str, list[str]] = {}
    for request in received:
        data = request.payload["data"]
        by_resource.setdefault(f"{data['resource']}:{data['id']}", []).append(request.payload["id"])
    for key, arrived in by_resource.items():
        resource, resource_id = key.split(":")
        committed = list(WebhookEvent.objects.filter(organization=provider, resource=resource,
                                                     resource_id=resource_id).order_by("pk")
                         .values_list("event_id", flat=True))  # fmt: skip
        assert arrived == committed
    assert received[1].payload["data"] == {"resource": "subscription", "id": str(first.public_id),
                                           "url": f"/api/v1/subscriptions/{first.public_id}"}  # fmt: skip
    assert received[0].payload["data"]["url"].startswith("/api/v1/orders/")
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}
    # what a receiver does next: GET each event's resource with its own token, and find it (a removed
    # partnership is gone, as on the pages: 404)
    api = api_for(provider_admin, name="Receiver's ERP")
    urls = {request.payload["data"]["url"]: request.payload["type"] for request in received}
    assert {url: api.get(url).status_code for url in urls} == {
        url: 404 if kind == "partnership-removed" else 200 for url, kind in urls.items()
    }


def test_a_later_change_waits_for_an_earlier_undelivered_one_of_the_same_resource(
    admin_member, customer, receiver, clock, django_capture_on_commit_callbacks
):
    register(admin_member, receiver, ["subscription-updated", "subscription-cancelled"])
    subscription = Subscription.objects.filter(customer=customer.organization).order_by("pk").first()
    receiver.answers = [(500, {})]
    with django_capture_on_commit_callbacks(execute=True):
        customer_services.subscription_change_quantity(subscription=subscription, actor=admin_member.user,
                                                       quantity=11)  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        customer_services.subscription_cancel(subscription=subscription, actor=admin_member.user)

    assert [r.payload["type"] for r in receiver.requests] == ["subscription-updated"]  # failed; the cancel waits
    sweep_at(clock, clock.t0 + timedelta(seconds=10))

    assert [r.payload["type"] for r in receiver.requests] == [
        "subscription-updated", "subscription-updated", "subscription-cancelled"]  # fmt: skip
    assert receiver.requests[0].headers["webhook-id"] == receiver.requests[1].headers["webhook-id"]


def test_retries_back_off_then_deliver_with_the_same_webhook_id(
    admin_member, active_provider, receiver, clock, django_capture_on_commit_callbacks
):
    endpoint = register(admin_member, receiver)
    receiver.answers = [(500, {}), (502, {})]
    with django_capture_on_commit_callbacks(execute=True):
        delivery = webhook_send_test(endpoint=endpoint, actor=admin_member.user)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert clock.t0 + timedelta(seconds=4) <= delivery.next_attempt_at <= clock.t0 + timedelta(seconds=6)

    assert sweep_at(clock, clock.t0 + timedelta(seconds=3)) == 0  # not due yet
    sweep_at(clock, clock.t0 + timedelta(seconds=7))
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_status_code) == (2, 502)
    assert timedelta(minutes=4) < delivery.next_attempt_at - (clock.t0 + timedelta(seconds=7)) < timedelta(minutes=6)

    sweep_at(clock, clock.t0 + timedelta(minutes=6))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 3)
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1
    assert len({r.headers["webhook-timestamp"] for r in receiver.requests}) == 3
    assert all(r.verified for r in receiver.requests)
    assert [a.status_code for a in WebhookAttempt.objects.filter(delivery=delivery)] == [500, 502, 204]

    sweep_at(clock, clock.t0 + timedelta(days=1))
    assert len(receiver.requests) == 3  # delivered is delivered


def test_after_the_last_attempt_the_endpoint_is_disabled_and_the_admins_emailed(
    admin_member, active_provider, receiver, clock, django_capture_on_commit_callbacks
):
    endpoint = register(admin_member, receiver)
    receiver.answers = [(500, {})] * MAX_ATTEMPTS
    with django_capture_on_commit_callbacks(execute=True):
        delivery = webhook_send_test(endpoint=endpoint, actor=admin_member.user)
    for _ in range(MAX_ATTEMPTS - 1):
        delivery.refresh_from_db()
        sweep_at(clock, delivery.next_attempt_at + timedelta(seconds=1))
    delivery.refresh_from_db()
    endpoint.refresh_from_db()

    assert (delivery.status, delivery.attempts) == ("failed", MAX_ATTEMPTS)
    assert len(receiver.requests) == MAX_ATTEMPTS
    assert timedelta(days=2, hours=12) < timezone.now() - clock.t0 < timedelta(days=3, hours=12)  # about 3 days
    assert not endpoint.is_active
    assert "10 attempts" in endpoint.disabled_reason
    email = OutboundEmail.objects.get(template="webhook_disabled")
    assert email.to == admin_member.user.email
    assert endpoint.url in email.subject
    assert Notification.objects.filter(user=admin_member.user, title__contains="disabled").exists()

    sweep_at(clock, timezone.now() + timedelta(days=1))
    assert len(receiver.requests) == MAX_ATTEMPTS


def test_410_disables_at_once_and_enabling_sends_what_was_parked(
    admin_member, active_provider, receiver, clock, django_capture_on_commit_callbacks
):
    endpoint = register(admin_member, receiver)
    receiver.answers = [(410, {})]
    with django_capture_on_commit_callbacks(execute=True):
        first = webhook_send_test(endpoint=endpoint, actor=admin_member.user)
    endpoint.refresh_from_db()
    first.refresh_from_db()
    assert not endpoint.is_active
    assert "410" in endpoint.disabled_reason
    assert first.status == "failed"
    assert OutboundEmail.objects.filter(template="webhook_disabled").count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        webhook_endpoint_update(endpoint=endpoint, actor=admin_member.user, is_active=True)
        redelivery = webhook_redeliver(delivery=first, actor=admin_member.user)
    redelivery.refresh_from_db()
    assert redelivery.status == "delivered"
    assert receiver.requests[-1].headers["webhook-id"] == receiver.requests[0].headers["webhook-id"]


def test_429_and_503_are_retried_no_earlier_than_retry_after(
    admin_member, active_provider, receiver, clock, django_capture_on_commit_callbacks
):
    endpoint = register(admin_member, receiver)
    receiver.answers = [(429, {"Retry-After": "3600"})]
    with django_capture_on_commit_callbacks(execute=True):
        delivery = webhook_send_test(endpoint=endpoint, actor=admin_member.user)
    delivery.refresh_from_db()
    assert delivery.next_attempt_at >= clock.t0 + timedelta(hours=1)
    assert sweep_at(clock, clock.t0 + timedelta(minutes=30)) == 0


def test_redirects_are_not_followed(admin_member, active_provider, receiver, clock, django_capture_on_commit_callbacks):
    endpoint = register(admin_member, receiver)
    receiver.answers = [(302, {"Location": receiver.url + "/elsewhere"})]
    with django_capture_on_commit_callbacks(execute=True):
        delivery = webhook_send_test(endpoint=endpoint, actor=admin_member.user)
    delivery.refresh_from_db()

    assert [r.path for r in receiver.requests] == ["/hooks"]
    assert (delivery.status, delivery.last_status_code) == ("pending", 302)


def test_rotation_signs_with_both_secrets_during_the_overlap(
    admin_member, active_provider, receiver, clock, django_capture_on_commit_callbacks
):
    endpoint = register(admin_member, receiver)
    old_secret = receiver.secrets[0]
    endpoint, new_secret = webhook_endpoint_rotate_secret(endpoint=endpoint, actor=admin_member.user)
    assert new_secret.startswith("whsec_")
    assert new_secret != old_secret
    with django_capture_on_commit_callbacks(execute=True):
        webhook_send_test(endpoint=endpoint, actor=admin_member.user)

    request = receiver.requests[-1]
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    assert receiver.verified_by(old_secret, request)
    assert receiver.verified_by(new_secret, request)

    clock.move_to(clock.t0 + timedelta(hours=25))
    with django_capture_on_commit_callbacks(execute=True):
        webhook_send_test(endpoint=endpoint, actor=admin_member.user)
    request = receiver.requests[-1]
    assert len(request.headers["webhook-signature"].split(" ")) == 1
    assert receiver.verified_by(new_secret, request)
    assert not receiver.verified_by(old_secret, request)


def test_the_secret_is_sealed_at_rest(admin_member, active_provider, receiver):
    endpoint = register(admin_member, receiver)
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM api_webhookendpoint WHERE id = %s", [endpoint.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith("fernet:")
    assert receiver.secrets[0] not in stored


def test_the_delivery_task_run_twice_delivers_once(
    admin_member, active_provider, receiver, clock, django_capture_on_commit_callbacks
):
    endpoint = register(admin_member, receiver)
    with django_capture_on_commit_callbacks(execute=False):
        delivery = webhook_send_test(endpoint=endpoint, actor=admin_member.user)

    assert webhook_deliver(delivery_id=delivery.pk) is True
    assert webhook_deliver(delivery_id=delivery.pk) is False
    assert len(receiver.requests) == 1


@pytest.mark.django_db(transaction=True)
def test_a_second_worker_leaves_a_delivery_in_flight_alone(admin_member, active_provider, receiver):
    endpoint = register(admin_member, receiver)
    from partnerhub.celery import app

    app.conf.task_always_eager = False  # queued tasks go nowhere: this test runs the two workers itself
    try:
        delivery = webhook_send_test(endpoint=endpoint, actor=admin_member.user)
    finally:
        app.conf.task_always_eager = True
    arrived, release = threading.Event(), threading.Event()

    def hold(request):
        arrived.set()
        release.wait(10)

    receiver.on_request = hold
    results: list[bool] = []

    def worker() -> None:
        try:
            results.append(webhook_deliver(delivery_id=delivery.pk))
        finally:
            connection.close()

    first = platform_thread(worker)
    first.start()
    assert arrived.wait(10)
    assert webhook_deliver(delivery_id=delivery.pk) is False  # leased by the first worker
    release.set()
    first.join(10)

    assert results == [True]
    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == "delivered"


# --- safety (§7): the setting is off, as in production --------------------------------------------------


@pytest.mark.parametrize("url", [
    "https://127.0.0.1/hook", "https://10.1.2.3/hook", "https://169.254.169.254/latest/meta-data",
    "https://[::1]/hook", "https://[::ffff:10.0.0.1]/hook", "http://hooks.example.com/hook",
    "https://user:pass@hooks.example.com/hook", "https:///hook", "ftp://hooks.example.com/",
])  # fmt: skip
def test_registration_refuses_unsafe_urls(admin_member, active_provider, url):
    with pytest.raises(ApiError) as refused:
        webhook_endpoint_create(organization=active_provider, actor=admin_member.user, url=url,
                                event_types=["test-created"])  # fmt: skip
    assert refused.value.field == "url"
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("url", [
    "https://127.0.0.1:{port}/hook", "https://10.1.2.3/hook", "https://169.254.169.254/latest/meta-data",
    "https://localhost:{port}/hook",
])  # fmt: skip
def test_delivery_refuses_private_addresses_after_resolving(settings, receiver, url):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    port = receiver.url.split(":")[2].split("/")[0]
    answer = egress.post(url.format(port=port), b"{}", {})
    assert answer.status is None
    assert "not a public address" in answer.error
    assert receiver.requests == []


def test_a_hostname_that_rebinds_to_a_private_address_is_refused(settings, monkeypatch):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    import socket

    def resolve(host, port, *args, **kwargs):  # DNS is the boundary: a public and a private answer
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port))]  # fmt: skip

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    answer = egress.post("https://hooks.example.com/hook", b"{}", {})
    assert "10.0.0.7 is not a public address" in answer.error


def test_a_delivery_to_a_name_resolving_to_loopback_is_logged_as_refused(
    admin_member, active_provider, receiver, settings, clock, django_capture_on_commit_callbacks
):
    port = receiver.url.split(":")[2].split("/")[0]
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    url = f"https://localhost:{port}/hooks"
    endpoint, _ = webhook_endpoint_create(organization=active_provider, actor=admin_member.user, url=url,
                                          event_types=["test-created"])  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        delivery = webhook_send_test(endpoint=endpoint, actor=admin_member.user)
    delivery.refresh_from_db()
    assert receiver.requests == []
    assert delivery.status == "pending"
    assert "127.0.0.1 is not a public address" in delivery.last_error


def test_payloads_over_the_limit_are_not_sent(settings, receiver):
    settings.WEBHOOK_MAX_PAYLOAD_BYTES = 100
    answer = egress.post(receiver.url, b"x" * 101, {})
    assert "exceeds" in answer.error
    assert receiver.requests == []


def test_measure_deliveries_per_second(admin_member, active_provider, receiver, settings, capsys,
                                       django_capture_on_commit_callbacks):  # fmt: skip
    """Not a limit: the figure for the report (signing, the claim, the HTTP call and the record, one worker)."""
    settings.WEBHOOK_TEST_EVENTS_PER_MINUTE = 1000
    endpoint = register(admin_member, receiver)
    count = 200
    with django_capture_on_commit_callbacks(execute=False):
        ids = [webhook_send_test(endpoint=endpoint, actor=admin_member.user).pk for _ in range(count)]
    started = time.monotonic()
    delivered = sum(webhook_deliver(delivery_id=delivery_id) for delivery_id in ids)
    elapsed = time.monotonic() - started
    assert delivered == count
    assert len(receiver.requests) == count
    assert all(r.verified for r in receiver.requests)
    with capsys.disabled():
        print(f"\n{count} webhook deliveries in {elapsed:.2f} s: {count / elapsed:.0f}/s, 0 lost")


def test_a_worker_killed_mid_delivery_loses_nothing_and_the_copy_has_the_same_id(
    admin_member, active_provider, receiver, clock, django_capture_on_commit_callbacks
):
    from api.webhooks import delivery as delivery_module

    endpoint = register(admin_member, receiver)
    with django_capture_on_commit_callbacks(execute=False):
        delivery = webhook_send_test(endpoint=endpoint, actor=admin_member.user)
    # the worker claims it and posts it, then dies before recording the answer
    claimed, _ = delivery_module._claim(delivery.pk, timezone.now())
    body = delivery_module.body_of(claimed.event.payload)
    headers = delivery_module.signature_headers(endpoint=claimed.endpoint, event_id=claimed.event.event_id,
                                                body=body, at=timezone.now())  # fmt: skip
    egress.post(endpoint.url, body, headers)

    assert sweep_at(clock, clock.t0 + timedelta(seconds=30)) == 0  # the lease still holds
    sweep_at(clock, clock.t0 + timedelta(minutes=2))  # the lease has run out

    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    ids = [request.headers["webhook-id"] for request in receiver.requests]
    assert ids == [claimed.event.event_id] * 2  # the receiver deduplicates the copy on webhook-id
