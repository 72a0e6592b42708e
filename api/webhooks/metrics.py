"""The webhooks' backlog for `/metrics` (partnerhub/core/observability/metrics.py): deliveries waiting to
reach their endpoint, and those parked because their endpoint is disabled (they wait for a person, not for
a worker, so they are counted apart and do not raise the lag an operator alerts on)."""

from __future__ import annotations

from django.db.models import Count, Min

from partnerhub.core.observability.metrics import Backlog, register_backlog

from .models import WebhookDelivery


def _backlog(*, parked: bool) -> Backlog:
    figures = WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.PENDING, next_attempt_at__isnull=parked
    ).aggregate(count=Count("pk"), oldest=Min("created_at"))
    return Backlog(count=figures["count"], oldest=figures["oldest"])


def register() -> None:
    register_backlog(
        "webhook_pending_deliveries",
        "Webhook deliveries not yet accepted by their endpoint (retries included, parked ones not).",
        lambda: _backlog(parked=False),
    )
    register_backlog(
        "webhook_parked_deliveries",
        "Webhook deliveries held while their endpoint is disabled.",
        lambda: _backlog(parked=True),
    )
