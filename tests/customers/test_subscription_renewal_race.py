# ruff: noqa: F811 - the fixtures imported from the lifecycle tests are this module's arguments
"""Two renewal sweeps at once, each in its own thread, connection and transaction: one renewal."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import close_old_connections

from customers.models import SubscriptionTerm
from customers.services import lifecycle
from tests.customers.test_subscription_lifecycle import _buy, family, woodgrove  # noqa: F401 - fixtures
from tests.threads import platform_thread

pytestmark = pytest.mark.django_db(transaction=True)


def _at(year, month, day):
    return time_machine.travel(datetime(year, month, day, 10, tzinfo=UTC), tick=False)


def test_concurrent_sweeps_renew_once(seller, woodgrove, family):
    with _at(2027, 1, 10):
        subscription = _buy(seller, woodgrove(), family["standard"])
    # Two sweeps at once, each with the claim (a conditional UPDATE) the other waits on.
    barrier, results, errors = threading.Barrier(2), [], []

    def sweep():
        try:
            barrier.wait()
            results.append(lifecycle.sweep_renewals())
        except Exception as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)
        finally:
            close_old_connections()

    with _at(2027, 2, 10):
        threads = [platform_thread(sweep) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert sorted(result["renewed"] for result in results) == [0, 1]
    assert SubscriptionTerm.objects.filter(subscription=subscription, kind="renewal").count() == 1
