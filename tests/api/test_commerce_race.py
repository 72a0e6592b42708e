# ruff: noqa: F811 - the fixtures imported from tests.api.commerce are this module's arguments
"""The same Idempotency-Key sent ten times at once, each call in its own thread, connection and transaction:
one order, and every answer names it."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections

from customers.models import Order, Subscription
from tests.api.calls import Api
from tests.api.commerce import contoso_api  # noqa: F401 - fixtures
from tests.threads import platform_thread

pytestmark = pytest.mark.django_db(transaction=True)

CALLS = 10


def test_ten_concurrent_calls_with_one_key_place_one_order(contoso_api, customer, offers):
    url = f"/api/v1/customers/{customer.organization.tenant_id}/orders"
    body = {"lines": [{"offer": offers["standard"].pk, "quantity": 2, "friendly_name": "Race"}]}
    barrier = threading.Barrier(CALLS)
    answers, errors = [], []

    def call():
        api = Api(contoso_api.client, contoso_api.secret, contoso_api.token)  # a test client of its own
        try:
            barrier.wait()
            answers.append(api.post(url, body, headers={"Idempotency-Key": "race-order-1"}))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [platform_thread(call) for _ in range(CALLS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(answer.status_code for answer in answers) == [201] * CALLS
    assert len({answer.json()["id"] for answer in answers}) == 1
    assert sum(answer.get("Idempotent-Replayed") == "true" for answer in answers) == CALLS - 1
    order = Order.objects.get(customer=customer.organization, lines__friendly_name="Race")
    assert answers[0].json()["number"] == order.number
    assert Subscription.objects.filter(order=order).count() == 1
    assert Order.objects.filter(customer=customer.organization).count() == 2  # the customer's first, and this one
