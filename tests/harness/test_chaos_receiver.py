"""The chaos run's webhook receiver (bench/chaos/receiver.py) against the engine's own signing and egress: it keeps
what PartnerHub signs, refuses what another secret signed, counts a redelivery as a duplicate, answers 503 while
unavailable, refuses connections while stopped and comes back on its port, and shows a held delivery in flight."""

from __future__ import annotations

import threading
import time

import pytest
from django.utils import timezone

from api.webhooks import egress
from api.webhooks.delivery import body_of, signature_headers
from api.webhooks.models import WebhookEndpoint
from api.webhooks.services import new_secret
from bench.chaos.receiver import WebhookReceiver


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True  # loopback, plain http: as the chaos run sets it
    settings.WEBHOOK_TIMEOUT_SECONDS = 5
    receiver = WebhookReceiver().start()
    yield receiver
    receiver.stop()


def deliver(receiver: WebhookReceiver, event_id: str, secret: str) -> egress.Answer:
    payload = {"id": event_id, "type": "test-created", "data": {"resource": "organization", "id": "1"}}
    body = body_of(payload)
    headers = signature_headers(endpoint=WebhookEndpoint(secret=secret), event_id=event_id, body=body,
                                at=timezone.now())  # fmt: skip
    return egress.post(receiver.url, body, headers)


def test_the_receiver_keeps_signed_deliveries_and_counts_a_redelivery_as_a_duplicate(receiver):
    receiver.secret = new_secret()

    assert deliver(receiver, "evt_1", receiver.secret).status == 200
    assert deliver(receiver, "evt_1", receiver.secret).status == 200
    assert deliver(receiver, "evt_2", new_secret()).status == 400

    seen, counts = receiver.snapshot()
    assert seen == {"evt_1": 2}
    assert counts == {"accepted": 2, "bad_signatures": 1}


def test_the_receiver_answers_503_then_goes_down_and_comes_back_on_its_port(receiver):
    receiver.secret = new_secret()
    receiver.unavailable = True
    refused = deliver(receiver, "evt_1", receiver.secret)
    assert (refused.status, refused.headers.get("retry-after")) == (503, "5")

    receiver.unavailable = False
    port = receiver.port
    receiver.stop()
    down = deliver(receiver, "evt_1", receiver.secret)
    assert down.status is None
    assert "refused" in down.error.lower()

    receiver.start()
    assert receiver.port == port
    assert deliver(receiver, "evt_1", receiver.secret).status == 200
    assert receiver.snapshot() == ({"evt_1": 1}, {"answered_503": 1, "accepted": 1})


def test_a_held_delivery_is_kept_and_in_flight_until_answered(receiver):
    receiver.secret = new_secret()
    receiver.hold = 1.0
    answers: list[egress.Answer] = []
    sender = threading.Thread(target=lambda: answers.append(deliver(receiver, "evt_1", receiver.secret)))
    sender.start()
    deadline = time.monotonic() + 5
    while not receiver.in_flight() and time.monotonic() < deadline:
        time.sleep(0.01)

    assert receiver.in_flight() == {"evt_1"}
    assert receiver.snapshot()[0] == {"evt_1": 1}  # kept before the answer: a kill now makes a redelivery a duplicate
    sender.join(timeout=10)
    assert answers[0].status == 200
    deadline = time.monotonic() + 5  # the handler's thread clears it just after writing the answer the sender read
    while receiver.in_flight() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert receiver.in_flight() == set()
