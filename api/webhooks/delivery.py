"""Delivering the webhooks' outbox (the email outbox's pattern, partnerhub/core/outbox.py): thin tasks take a
delivery id, a short transaction claims it, the HTTP call runs outside any transaction, one UPDATE records it.

- **Claim and lease.** `webhook_deliver` locks the pending, due row with SKIP LOCKED and sets `claimed_until`
  (a lease of twice the timeout) before it commits: a second run of the same task, a sweep's copy, or another
  worker finds the row leased and leaves it. The outcome is written only while the lease is this call's
  (`claimed_until` unchanged): a worker killed mid-call loses its lease, the sweep retries the delivery
  after it, and the receiver deduplicates the second copy on `webhook-id`. Nothing is lost, and nothing is
  sent twice except for that one in-flight case.
- **Order per resource.** A delivery is not attempted while an older pending delivery of the same endpoint
  and resource exists (events of one resource are written under its row lock, so ids follow commit order).
  When a delivery settles, the next one of its resource is queued at once.
- **Retries** follow Standard Webhooks: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h, with ±10 %
  jitter (about 3 days in all). The next attempt is the `next_attempt_at` column, which the beat sweep
  (WEBHOOK_SWEEP) finds; only a retry due within a minute is also queued with a countdown of its seconds.
  429 and 503 answers' `Retry-After` is honoured (never earlier than the backoff).
- **Only 2xx** is a success. 410 Gone disables the endpoint at once; after the last attempt fails the
  endpoint is disabled too, and its Global admins get an email and a notification. A disabled endpoint's
  pending deliveries are parked (`next_attempt_at` empty) until it is enabled again.
"""

from __future__ import annotations

import json
import logging
import random
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from standardwebhooks import Webhook

from customers.services.common import notify_admins
from partnerhub.core.audit import audit_record

from . import egress
from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

# Delay before attempt 2, 3, … 10 (attempt 1 is at once): Standard Webhooks' schedule.
RETRY_DELAYS = [
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=24),
]
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
JITTER = 0.1
MAX_RETRY_AFTER = timedelta(hours=24)
QUEUE_WITHIN = timedelta(seconds=60)  # a retry due this soon is also queued with a countdown


def retry_delays() -> list[timedelta]:
    """RETRY_DELAYS, or WEBHOOK_RETRY_DELAYS (seconds) where set: `make chaos` shortens the schedule so that a
    receiver down for minutes is retried within the run; the number of attempts stays MAX_ATTEMPTS."""
    from django.conf import settings

    seconds = settings.WEBHOOK_RETRY_DELAYS
    return [timedelta(seconds=value) for value in seconds] if seconds else RETRY_DELAYS


def lease_length() -> timedelta:
    from django.conf import settings

    return timedelta(seconds=2 * settings.WEBHOOK_TIMEOUT_SECONDS + 30)


def body_of(payload: dict[str, Any]) -> bytes:
    """The exact bytes that are signed and sent (never re-serialised between the two)."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def signature_headers(*, endpoint: WebhookEndpoint, event_id: str, body: bytes, at: datetime) -> dict[str, str]:
    """Standard Webhooks' three headers; one `v1,` signature per live secret (two during a rotation)."""
    signatures = [
        Webhook(secret).sign(msg_id=event_id, timestamp=at, data=body) for secret in endpoint.signing_secrets(at)
    ]
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": " ".join(signatures),
    }


def _jittered(delay: timedelta) -> timedelta:
    return delay * (1 + random.uniform(-JITTER, JITTER))  # noqa: S311 - spreading load, not a secret


def _retry_after(headers: dict[str, str], now: datetime) -> timedelta | None:
    value = headers.get("retry-after", "").strip()
    if not value:
        return None
    try:
        delay = timedelta(seconds=max(0, int(value)))
    except ValueError:
        try:
            delay = parsedate_to_datetime(value) - now
        except (TypeError, ValueError):
            return None
    return min(max(delay, timedelta(0)), MAX_RETRY_AFTER)


def _older_pending() -> QuerySet[WebhookDelivery]:
    """Pending deliveries of the outer row's endpoint and resource made before it (for Exists)."""
    return WebhookDelivery.objects.filter(
        endpoint_id=OuterRef("endpoint_id"),
        resource_key=OuterRef("resource_key"),
        status=WebhookDelivery.Status.PENDING,
        pk__lt=OuterRef("pk"),
    )


def _claim(delivery_id: int, now: datetime) -> tuple[WebhookDelivery | None, datetime | None]:
    """One UPDATE takes the lease, or nothing: the row must be pending, due, not leased, and first of its
    resource. Two workers racing for it serialize on the row lock; the second re-checks the lease on the row
    the first wrote, and updates nothing."""
    lease = now + lease_length()
    older = _older_pending()
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
        .filter(Q(claimed_until=None) | Q(claimed_until__lte=now))
        .exclude(Exists(older))
        .update(claimed_until=lease)
    )
    if not claimed:
        return None, None  # delivered, failed, leased, not due, or an older change of its resource goes first
    delivery = WebhookDelivery.objects.select_related("event", "endpoint").get(pk=delivery_id)
    if not delivery.endpoint.is_active:  # disabled meanwhile: parked until it is enabled again
        WebhookDelivery.objects.filter(pk=delivery_id, claimed_until=lease).update(
            claimed_until=None, next_attempt_at=None
        )
        return None, None
    return delivery, lease


def webhook_deliver(*, delivery_id: int) -> bool:
    """Attempt one delivery if it is due and nobody holds it; True when this call delivered it."""
    now = timezone.now()
    delivery, lease = _claim(delivery_id, now)
    if delivery is None:
        return False
    endpoint, event = delivery.endpoint, delivery.event
    body = body_of(event.payload)
    headers = signature_headers(endpoint=endpoint, event_id=event.event_id, body=body, at=now)
    answer = egress.post(endpoint.url, body, headers)
    return _record(delivery, lease, answer)


def _record(delivery: WebhookDelivery, lease: datetime | None, answer: egress.Answer) -> bool:
    now = timezone.now()
    attempts = delivery.attempts + 1
    delivered = answer.status is not None and 200 <= answer.status < 300
    error = answer.error or ("" if delivered else _("HTTP %(status)s") % {"status": answer.status})
    changes: dict[str, Any] = {
        "attempts": attempts,
        "claimed_until": None,
        "last_status_code": answer.status,
        "last_error": error[:500],
    }
    disable_reason = ""
    if delivered:
        changes.update(status=WebhookDelivery.Status.DELIVERED, delivered_at=now, next_attempt_at=None)
    elif answer.status == 410:
        changes.update(status=WebhookDelivery.Status.FAILED, next_attempt_at=None)
        disable_reason = _("the receiver answered 410 Gone.")
    elif attempts >= MAX_ATTEMPTS:
        changes.update(status=WebhookDelivery.Status.FAILED, next_attempt_at=None)
        disable_reason = _("%(attempts)s attempts over 3 days failed (last: %(error)s).") % {
            "attempts": attempts, "error": error[:200]}  # fmt: skip
    else:
        delays = retry_delays()
        delay = _jittered(delays[min(attempts, len(delays)) - 1])
        if answer.status in (429, 503):
            delay = max(delay, _retry_after(answer.headers, now) or timedelta(0))
        changes["next_attempt_at"] = now + delay
    with transaction.atomic():
        updated = WebhookDelivery.objects.filter(
            pk=delivery.pk, status=WebhookDelivery.Status.PENDING, claimed_until=lease
        ).update(**changes)
        if not updated:
            logger.warning("webhooks: delivery %s changed while it was attempted; left as it is", delivery.pk)
            return False
        WebhookAttempt.objects.create(
            organization_id=delivery.organization_id,
            delivery_id=delivery.pk,
            at=now,
            duration_ms=answer.duration_ms,
            status_code=answer.status,
            error=answer.error[:500],
            response_excerpt=answer.excerpt[:500],
        )
        if disable_reason:
            endpoint_disable(endpoint_id=delivery.endpoint_id, reason=disable_reason)
    for field, value in changes.items():
        setattr(delivery, field, value)
    if delivery.status != WebhookDelivery.Status.PENDING:
        _queue_next_of_resource(delivery)
    elif delivery.next_attempt_at is not None and delivery.next_attempt_at - now <= QUEUE_WITHIN:
        from .events import enqueue_deliveries

        enqueue_deliveries([delivery.pk], countdown=(delivery.next_attempt_at - now).total_seconds() + 0.05)
    return delivered


def _queue_next_of_resource(delivery: WebhookDelivery) -> None:
    from .events import enqueue_deliveries

    following = (
        WebhookDelivery.objects.filter(
            endpoint_id=delivery.endpoint_id,
            resource_key=delivery.resource_key,
            status=WebhookDelivery.Status.PENDING,
            next_attempt_at__lte=timezone.now(),
        )
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    if following is not None:
        enqueue_deliveries([following])


def endpoint_disable(*, endpoint_id: int, reason: str) -> None:
    """Turn an endpoint off after its receiver gave up on us; park its deliveries; tell its Global admins."""
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().select_related("organization").get(pk=endpoint_id)
        if not endpoint.is_active:
            return
        endpoint.is_active = False
        endpoint.disabled_at = timezone.now()
        endpoint.disabled_reason = reason[:300]
        endpoint.save(update_fields=["is_active", "disabled_at", "disabled_reason"])
        WebhookDelivery.objects.filter(endpoint=endpoint, status=WebhookDelivery.Status.PENDING).update(
            next_attempt_at=None
        )
        audit_record(code="partnerhub.webhook_endpoint.disabled", organization=endpoint.organization, target=endpoint,
                     data={"reason": reason[:300]})  # fmt: skip
        url = reverse("api:webhooks-endpoint-detail", args=[endpoint.pk])
        notify_admins(
            endpoint.organization,
            title=_("Webhook endpoint %(url)s was disabled") % {"url": endpoint.url},
            url=url,
            template="webhook_disabled",
            context={"endpoint_url": endpoint.url, "reason": reason},
        )


def webhook_due_ids(*, limit: int = 1000) -> list[int]:
    """Pending deliveries whose attempt is due, that no worker holds and that wait for no older delivery of
    their resource (the sweep's query, on the partial indexes): a receiver down for days costs the sweep its
    oldest delivery per resource, not every one."""
    now = timezone.now()
    older = _older_pending()
    return list(
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
        .filter(Q(claimed_until=None) | Q(claimed_until__lte=now))
        .exclude(Exists(older))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
