"""Error tracking with Sentry, set up by the settings module (Sentry's Django integration wants it there).

Off unless SENTRY_DSN is set: sentry_sdk is not even imported. With it: the Django and Celery integrations
(a task's exception is reported with the task's name; the worker's retries are not errors), no personal data
(`send_default_pii=False`: no user emails, IP addresses, cookies or request bodies), and no performance traces
unless SENTRY_TRACES_SAMPLE_RATE is above 0.

Pinned to sentry-sdk 2.x: 3.0 replaced `send_default_pii` with a `data_collection` dict whose defaults collect
more (and rejects the old option at start-up), so moving to 3.x means writing that dict, not bumping the pin.
"""

from __future__ import annotations


def sentry_init(*, dsn: str, environment: str, release: str, traces_sample_rate: float) -> bool:
    """Initialise Sentry when a DSN is given; say whether it was."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        release=release or None,
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,
        integrations=[DjangoIntegration(), CeleryIntegration()],
    )
    return True
