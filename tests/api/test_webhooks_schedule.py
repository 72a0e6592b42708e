"""The retry schedule: Standard Webhooks' by default, WEBHOOK_RETRY_DELAYS where set (`make chaos`)."""

from __future__ import annotations

from datetime import timedelta

from api.webhooks.delivery import MAX_ATTEMPTS, RETRY_DELAYS, retry_delays


def test_the_default_schedule_spans_about_three_days_in_ten_attempts(settings):
    settings.WEBHOOK_RETRY_DELAYS = []

    assert retry_delays() == RETRY_DELAYS
    assert MAX_ATTEMPTS == 10
    assert timedelta(days=3) <= sum(RETRY_DELAYS, timedelta()) <= timedelta(days=3, hours=12)


def test_a_configured_schedule_replaces_it(settings):
    settings.WEBHOOK_RETRY_DELAYS = [1.0, 2.5]

    assert retry_delays() == [timedelta(seconds=1), timedelta(seconds=2.5)]
