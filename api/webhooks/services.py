"""Writes of the webhooks: a Global admin's endpoints (create, update, delete, rotate the secret), explicit
redelivery, the test event; every one audited. Delivery itself is api/webhooks/delivery.py."""

from __future__ import annotations

import base64
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.services import ApiError
from partnerhub.accounts.models import Organization, User
from partnerhub.accounts.rules import require_global_admin
from partnerhub.core.audit import audit_record

from . import delivery as delivery_module
from .egress import EgressRefused, check_url
from .events import EVENT_TYPES, TEST_EVENT, Resource, enqueue_deliveries, event_write
from .models import WebhookDelivery, WebhookEndpoint, WebhookEvent

SECRET_BYTES = 32  # Standard Webhooks: 24 to 64 random bytes
MAX_ENDPOINTS = 10


def _forbidden() -> ApiError:
    return ApiError(_("Only a Global admin can manage webhooks."), code="forbidden")


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _clean_url(url: str) -> str:
    try:
        url = check_url(url)
    except EgressRefused as refused:
        raise ApiError(str(refused), field="url", code="invalid_url") from None
    if len(url) > 500:
        raise ApiError(_("The URL is too long (500 characters at most)."), field="url", code="invalid_url")
    return url


def _clean_types(event_types: list[str]) -> list[str]:
    chosen = list(dict.fromkeys(kind.strip() for kind in event_types if kind and kind.strip()))
    if not chosen:
        raise ApiError(_("Choose at least one event."), field="event_types", code="no_events")
    unknown = [kind for kind in chosen if kind not in EVENT_TYPES]
    if unknown:
        raise ApiError(_("Unknown event: %(events)s.") % {"events": ", ".join(unknown)}, field="event_types",
                       code="unknown_event")  # fmt: skip
    return [kind for kind in EVENT_TYPES if kind in chosen]


def webhook_endpoint_create(
    *, organization: Organization, actor: User, url: str, event_types: list[str], description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint: (the endpoint, its signing secret, shown this once)."""
    require_global_admin(actor, organization, _forbidden())
    if organization.kind != Organization.Kind.PARTNER:
        raise ApiError(_("Webhooks are for partner organizations."), code="not_partner")
    url = _clean_url(url)
    kinds = _clean_types(event_types)
    secret = new_secret()
    with transaction.atomic():
        Organization.objects.select_for_update().only("pk").get(pk=organization.pk)  # one count at a time
        if WebhookEndpoint.objects.filter(organization=organization).count() >= MAX_ENDPOINTS:
            raise ApiError(_("An organization can register at most %(count)s webhook endpoints.")
                           % {"count": MAX_ENDPOINTS}, code="too_many_endpoints")  # fmt: skip
        now = timezone.now()
        endpoint = WebhookEndpoint.objects.create(
            organization=organization, url=url, description=description.strip()[:200], event_types=kinds,
            secret=secret, created_by=actor, created_at=now, updated_at=now,
        )  # fmt: skip
        audit_record(code="partnerhub.webhook_endpoint.created", actor=actor, organization=organization,
                     target=endpoint, data={"url": url, "event_types": kinds})  # fmt: skip
    return endpoint, secret


def _lock(endpoint: WebhookEndpoint) -> WebhookEndpoint:
    return WebhookEndpoint.objects.select_for_update().select_related("organization").get(pk=endpoint.pk)


def webhook_endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    actor: User,
    url: str | None = None,
    event_types: list[str] | None = None,
    description: str | None = None,
    is_active: bool | None = None,
) -> WebhookEndpoint:
    """Change the URL, events or description; enable or disable it. Enabling it again clears the reason it was
    disabled and sends its parked deliveries at once."""
    require_global_admin(actor, endpoint.organization, _forbidden())
    changes: dict[str, object] = {}
    if url is not None:
        changes["url"] = _clean_url(url)
    if event_types is not None:
        changes["event_types"] = _clean_types(event_types)
    if description is not None:
        changes["description"] = description.strip()[:200]
    unparked: list[int] = []
    with transaction.atomic():
        endpoint = _lock(endpoint)
        now = timezone.now()
        if is_active is not None and is_active != endpoint.is_active:
            changes["is_active"] = is_active
            if is_active:
                changes.update(disabled_at=None, disabled_reason="")
                unparked = list(
                    WebhookDelivery.objects.filter(endpoint=endpoint, status=WebhookDelivery.Status.PENDING)
                    .order_by("pk").values_list("pk", flat=True)
                )  # fmt: skip
                WebhookDelivery.objects.filter(pk__in=unparked).update(next_attempt_at=now, claimed_until=None)
            else:
                changes.update(
                    disabled_at=now,
                    disabled_reason=_("Disabled by %(name)s.") % {"name": actor.get_full_name() or actor.email},
                )
                WebhookDelivery.objects.filter(endpoint=endpoint, status=WebhookDelivery.Status.PENDING).update(
                    next_attempt_at=None
                )
        changed = {field: value for field, value in changes.items() if getattr(endpoint, field) != value}
        if not changed:
            return endpoint
        for field, value in changed.items():
            setattr(endpoint, field, value)
        endpoint.updated_at = now
        endpoint.save(update_fields=[*changed, "updated_at"])
        audit_record(code="partnerhub.webhook_endpoint.updated", actor=actor, organization=endpoint.organization,
                     target=endpoint, data={field: str(value) for field, value in changed.items()})  # fmt: skip
        if unparked:
            transaction.on_commit(lambda: enqueue_deliveries(unparked), robust=True)
    return endpoint


def webhook_endpoint_delete(*, endpoint: WebhookEndpoint, actor: User) -> None:
    """Delete the endpoint and its delivery log (events stay in the organization's outbox)."""
    require_global_admin(actor, endpoint.organization, _forbidden())
    with transaction.atomic():
        endpoint = _lock(endpoint)
        audit_record(code="partnerhub.webhook_endpoint.deleted", actor=actor, organization=endpoint.organization,
                     target=endpoint, data={"url": endpoint.url})  # fmt: skip
        endpoint.delete()


def webhook_endpoint_rotate_secret(*, endpoint: WebhookEndpoint, actor: User) -> tuple[WebhookEndpoint, str]:
    """A new secret, shown this once; the old one keeps signing too for WEBHOOK_SECRET_OVERLAP_HOURS, so
    deliveries carry both signatures until the receiver has switched."""
    require_global_admin(actor, endpoint.organization, _forbidden())
    secret = new_secret()
    with transaction.atomic():
        endpoint = _lock(endpoint)
        now = timezone.now()
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_expires_at = now + timedelta(hours=settings.WEBHOOK_SECRET_OVERLAP_HOURS)
        endpoint.secret = secret
        endpoint.updated_at = now
        endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"])
        audit_record(code="partnerhub.webhook_endpoint.secret_rotated", actor=actor,
                     organization=endpoint.organization, target=endpoint)  # fmt: skip
    return endpoint, secret


def _redeliver(event: WebhookEvent, endpoint: WebhookEndpoint, actor: User) -> WebhookDelivery:
    if not endpoint.is_active:
        raise ApiError(_("Enable the endpoint before redelivering to it."), code="endpoint_disabled")
    now = timezone.now()
    delivery = WebhookDelivery.objects.create(
        organization_id=endpoint.organization_id, event=event, endpoint=endpoint,
        resource_key=f"{event.resource}:{event.resource_id}", next_attempt_at=now, created_at=now,
        is_redelivery=True,
    )  # fmt: skip
    audit_record(code="partnerhub.webhook_event.redelivered", actor=actor, organization=endpoint.organization,
                 target=endpoint, data={"event_id": event.event_id})  # fmt: skip
    transaction.on_commit(lambda: enqueue_deliveries([delivery.pk]), robust=True)
    return delivery


def webhook_redeliver(*, delivery: WebhookDelivery, actor: User) -> WebhookDelivery:
    """Send a delivered or failed delivery's event again, explicitly: a new delivery row, the same webhook-id
    (so a receiver that had it already deduplicates it)."""
    require_global_admin(actor, delivery.endpoint.organization, _forbidden())
    with transaction.atomic():
        endpoint = _lock(delivery.endpoint)
        return _redeliver(delivery.event, endpoint, actor)


def webhook_event_redeliver(*, event: WebhookEvent, endpoint: WebhookEndpoint, actor: User) -> WebhookDelivery:
    """Send one of the organization's events to one of its endpoints again (the same webhook-id)."""
    require_global_admin(actor, endpoint.organization, _forbidden())
    if event.organization_id != endpoint.organization_id:
        raise ApiError(_("That event isn't this organization's."), code="not_found")
    with transaction.atomic():
        endpoint = _lock(endpoint)
        return _redeliver(event, endpoint, actor)


def webhook_send_test(*, endpoint: WebhookEndpoint, actor: User) -> WebhookDelivery:
    """ "Send test event": a `test-created` event to this endpoint only (whatever its subscribed events), at
    most WEBHOOK_TEST_EVENTS_PER_MINUTE a minute per endpoint."""
    require_global_admin(actor, endpoint.organization, _forbidden())
    with transaction.atomic():
        endpoint = _lock(endpoint)
        if not endpoint.is_active:
            raise ApiError(_("Enable the endpoint before sending it a test event."), code="endpoint_disabled")
        since = timezone.now() - timedelta(minutes=1)
        recent = WebhookDelivery.objects.filter(endpoint=endpoint, event__type=TEST_EVENT, created_at__gt=since)
        limit = settings.WEBHOOK_TEST_EVENTS_PER_MINUTE
        if recent.count() >= limit:
            raise ApiError(_("You can send %(count)s test events a minute to an endpoint. Try again in a minute.")
                           % {"count": limit}, code="too_many_tests")  # fmt: skip
        resource = Resource("organization", str(endpoint.organization_id), "/api/v1/organization")
        __, deliveries = event_write(organization_id=endpoint.organization_id, kind=TEST_EVENT, resource=resource,
                                    endpoints=[endpoint])  # fmt: skip
        audit_record(code="partnerhub.webhook_endpoint.tested", actor=actor, organization=endpoint.organization,
                     target=endpoint)  # fmt: skip
    return deliveries[0]


def webhook_sweep() -> int:
    """Queue every due delivery (the beat task's work); how many."""
    due = delivery_module.webhook_due_ids()
    enqueue_deliveries(due)
    return len(due)
