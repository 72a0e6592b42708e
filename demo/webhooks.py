"""The demo provider's webhook endpoint, pointed at `make run`'s receiver (demo/receiver.py).

Its signing secret is shown once, so each seed deletes the demo endpoint it finds and registers it again
through the same service as Account settings → API → Webhooks, and writes the new secret where the receiver
reads it ($PARTNERHUB_DATA_DIR/demo-webhook-secret). Without WEBHOOK_ALLOW_PRIVATE_ADDRESSES (production
settings, the test suite) there is no demo endpoint: loopback is refused there, as it must be."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings

from api.webhooks.events import EVENT_TYPES
from api.webhooks.models import WebhookEndpoint
from api.webhooks.services import webhook_endpoint_create, webhook_endpoint_delete
from partnerhub.accounts.models import Membership, Role

from .world import DEMO_API_CLIENT_OWNER, DEMO_WEBHOOK_SECRET_FILE, DEMO_WEBHOOK_URL


def secret_file() -> Path:
    return Path(os.environ.get("PARTNERHUB_DATA_DIR", settings.BASE_DIR / ".data")) / DEMO_WEBHOOK_SECRET_FILE


def seed_webhook_endpoint() -> WebhookEndpoint | None:
    """The demo provider's endpoint for every event type, registered now by its Global admin (None when
    loopback endpoints are not allowed)."""
    if not settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return None
    seat = Membership.objects.select_related("organization", "user").get(
        user__email=DEMO_API_CLIENT_OWNER, roles__contains=[Role.GLOBAL_ADMIN]
    )
    for previous in WebhookEndpoint.objects.filter(organization=seat.organization, url=DEMO_WEBHOOK_URL):
        webhook_endpoint_delete(endpoint=previous, actor=seat.user)
    endpoint, secret = webhook_endpoint_create(
        organization=seat.organization, actor=seat.user, url=DEMO_WEBHOOK_URL, event_types=list(EVENT_TYPES),
        description="make run's receiver: http://127.0.0.1:8001/",
    )  # fmt: skip
    path = secret_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(secret + "\n")
    path.chmod(0o600)
    return endpoint
