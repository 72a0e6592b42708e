"""From the audit log to the webhooks' outbox: which audit codes are which events, and the receiver that writes
them in the transaction of the change (core.audit.audit_recorded is sent right after each audit row).

An event goes to the organization of the audit row (the one the change concerns): providers, resellers and
direct-bill partners each get the events of their own rows. An organization with no endpoint for the type
costs one indexed query; a customer organization (no endpoints: the API is for partners) costs none.

Payloads are thin (Standard Webhooks, Partner Center alike): the event id, type, timestamp and the resource's
name, id and API URL; the receiver GETs the URL for the current state."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.dispatch import receiver
from django.utils import timezone

from partnerhub.accounts.models import Organization
from partnerhub.core import rls
from partnerhub.core.audit import audit_recorded
from partnerhub.core.models import AuditEvent

from .models import WebhookDelivery, WebhookEndpoint, WebhookEvent

logger = logging.getLogger(__name__)

TEST_EVENT = "test-created"


@dataclass(frozen=True)
class Resource:
    name: str  # customer, subscription, order, relationship, organization
    id: str
    url: str  # the path the API serves it at


# Each resource by the id its API route takes: a customer by its tenant ID, a subscription by its public ID.


def _customer(target: Any, event: AuditEvent) -> Iterable[Resource]:
    pk = getattr(target, "customer_id", None) or event.object_id
    tenant_id = Organization.objects.filter(pk=pk).values_list("tenant_id", flat=True).get()
    yield Resource("customer", str(tenant_id), f"/api/v1/customers/{tenant_id}")


def _relationship(target: Any, event: AuditEvent) -> Iterable[Resource]:
    yield Resource("relationship", event.object_id, f"/api/v1/relationships/{event.object_id}")


def _subscription(target: Any, event: AuditEvent) -> Iterable[Resource]:
    yield Resource("subscription", str(target.public_id), f"/api/v1/subscriptions/{target.public_id}")


def _order(target: Any, event: AuditEvent) -> Iterable[Resource]:
    yield Resource("order", event.object_id, f"/api/v1/orders/{event.object_id}")


def _order_subscriptions(target: Any, event: AuditEvent) -> Iterable[Resource]:
    for public_id in target.subscriptions.order_by("pk").values_list("public_id", flat=True):
        yield Resource("subscription", str(public_id), f"/api/v1/subscriptions/{public_id}")


def _organization(target: Any, event: AuditEvent) -> Iterable[Resource]:
    yield Resource("organization", str(event.organization_id), "/api/v1/organization")


def _admin_relationship(target: Any, event: AuditEvent) -> Iterable[Resource]:
    # Admin relationships (access/): the partner's events only (the customer has no endpoints).
    if event.organization_id != target.partner_id:
        return
    tenant_id = Organization.objects.filter(pk=target.customer_id).values_list("tenant_id", flat=True).get()
    url = f"/api/v1/customers/{tenant_id}/admin-relationships/{target.public_id}"
    yield Resource("admin-relationship", str(target.public_id), url)


def _transfer(target: Any, event: AuditEvent) -> Iterable[Resource]:
    yield Resource("transfer", str(target.public_id), f"/api/v1/transfers/{target.public_id}")


def _invoice(target: Any, event: AuditEvent) -> Iterable[Resource]:
    # Invoices and credit notes (billing/): the recipient's side only; the issuer issued it.
    if event.organization_id != target.recipient_id:
        return
    yield Resource("invoice", str(target.public_id), f"/api/v1/invoices/{target.public_id}")


Resources = Callable[[Any, AuditEvent], Iterable[Resource]]

# audit code → [(event type, the resources it names)]
EVENTS: dict[str, list[tuple[str, Resources]]] = {
    "partnerhub.customer.created": [("customer-created", _customer)],
    "partnerhub.customer_relationship.created": [("customer-relationship-accepted", _customer)],
    "partnerhub.partnership.created": [("partnership-accepted", _relationship)],
    "partnerhub.partnership.removed": [("partnership-removed", _relationship)],
    "partnerhub.partnership.admin_access_removed": [("partnership-updated", _relationship)],
    "partnerhub.order.placed": [("order-completed", _order), ("subscription-created", _order_subscriptions)],
    "partnerhub.subscription.quantity_changed": [("subscription-updated", _subscription)],
    "partnerhub.subscription.updated": [("subscription-updated", _subscription)],
    "partnerhub.subscription.suspended": [
        ("subscription-updated", _subscription),
        ("subscription-suspended", _subscription),
    ],
    "partnerhub.subscription.reactivated": [
        ("subscription-updated", _subscription),
        ("subscription-reactivated", _subscription),
    ],
    "partnerhub.subscription.partner_of_record_set": [("subscription-updated", _subscription)],
    "partnerhub.subscription.support_contact_set": [("subscription-updated", _subscription)],
    "partnerhub.subscription.cancelled": [("subscription-cancelled", _subscription)],
    # Subscription lifecycle (issue 18 §2): renewals and expiries by the beat sweep, upgrades, scheduled
    # changes. Each is also recorded on the reseller of record's side, so its endpoints get them too.
    "partnerhub.subscription.renewed": [("subscription-renewed", _subscription)],
    "partnerhub.subscription.expired": [("subscription-expired", _subscription)],
    "partnerhub.subscription.upgraded": [("subscription-upgraded", _subscription)],
    "partnerhub.subscription.created_by_upgrade": [("subscription-created", _subscription)],
    "partnerhub.subscription.changes_scheduled": [("subscription-updated", _subscription)],
    "partnerhub.enrollment.submitted": [("enrollment-status-changed", _organization)],
    "partnerhub.enrollment.activated": [("enrollment-status-changed", _organization)],
    "partnerhub.enrollment.suspended": [("enrollment-status-changed", _organization)],
    "partnerhub.enrollment.reinstated": [("enrollment-status-changed", _organization)],
    "partnerhub.enrollment.transition_approved": [("enrollment-status-changed", _organization)],
    "partnerhub.verification.authorized": [("enrollment-status-changed", _organization)],
    "partnerhub.verification.rejected": [("enrollment-status-changed", _organization)],
    "partnerhub.agreement.accepted": [("agreement-accepted", _organization)],
    # the provider's admin access to a reseller's account, used (issue 18: relationships/admin_access.py); each
    # side's endpoints hear of it, the reseller's to watch what its provider does in its account
    "partnerhub.reseller_account.password_reset": [("partnership-admin-access-used", _relationship)],
    "partnerhub.reseller_account.invitation_resent": [("partnership-admin-access-used", _relationship)],
    # admin relationships (access/)
    "partnerhub.admin_relationship.created": [("admin-relationship-created", _admin_relationship)],
    "partnerhub.admin_relationship.approved": [("admin-relationship-approved", _admin_relationship)],
    "partnerhub.admin_relationship.terminated": [("admin-relationship-terminated", _admin_relationship)],
    "partnerhub.admin_relationship.expired": [("admin-relationship-expired", _admin_relationship)],
    "partnerhub.admin_relationship.extended": [("admin-relationship-extended", _admin_relationship)],
    # transfers (issue 18 §3): each partner of a transfer, sending or receiving, gets its events
    "partnerhub.transfer.created": [("transfer-created", _transfer)],
    "partnerhub.transfer.accepted": [("transfer-accepted", _transfer)],
    "partnerhub.transfer.declined": [("transfer-declined", _transfer)],
    "partnerhub.transfer.cancelled": [("transfer-cancelled", _transfer)],
    "partnerhub.transfer.expired": [("transfer-expired", _transfer)],
    "partnerhub.subscription.transferred": [("subscription-updated", _subscription)],
    # billing (issue 19): an invoice or a credit note issued, to its recipient
    "partnerhub.invoice.issued": [("invoice-ready", _invoice)],
    "partnerhub.invoice.credited": [("credit-note-issued", _invoice)],
}

# Every type an endpoint may subscribe to, in the order the pages list them.
EVENT_TYPES: list[str] = list(dict.fromkeys(kind for specs in EVENTS.values() for kind, _ in specs)) + [TEST_EVENT]


def new_event_id() -> str:
    return f"evt_{uuid.uuid4().hex}"


def payload_for(*, event_id: str, kind: str, resource: Resource, at) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": kind,
        "timestamp": at.isoformat().replace("+00:00", "Z"),
        "data": {"resource": resource.name, "id": resource.id, "url": resource.url},
    }


def event_write(
    *, organization_id: int, kind: str, resource: Resource, endpoints: list[WebhookEndpoint]
) -> tuple[WebhookEvent, list[WebhookDelivery]]:
    """One outbox event and a pending delivery per endpoint, due now; delivery is queued when the caller's
    transaction commits (and the sweep finds it if the broker is down then)."""
    now = timezone.now()
    event_id = new_event_id()
    event = WebhookEvent.objects.create(
        event_id=event_id,
        organization_id=organization_id,
        type=kind,
        resource=resource.name,
        resource_id=resource.id,
        resource_url=resource.url,
        payload=payload_for(event_id=event_id, kind=kind, resource=resource, at=now),
        created_at=now,
    )
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                organization_id=organization_id,
                event=event,
                endpoint=endpoint,
                resource_key=f"test:{event_id}" if kind == TEST_EVENT else f"{resource.name}:{resource.id}",
                next_attempt_at=now,
                created_at=now,
            )
            for endpoint in endpoints
        ]
    )
    ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(lambda: enqueue_deliveries(ids), robust=True)
    return event, deliveries


def enqueue_deliveries(delivery_ids: list[int], *, countdown: float | None = None) -> None:
    """Hand deliveries to Celery; if the broker is down the sweep hands them over later."""
    from .tasks import webhook_deliver_task

    for delivery_id in delivery_ids:
        try:
            webhook_deliver_task.apply_async((delivery_id,), countdown=countdown)
        except Exception:  # the broker is a boundary: never fail the change because of it
            logger.warning("webhooks: could not queue delivery %s; the sweep will", delivery_id, exc_info=True)


@receiver(audit_recorded, dispatch_uid="api.webhooks.events")
def audit_to_webhooks(
    sender, event: AuditEvent, target: models.Model | None, batch: dict[str, Any] | None = None, **kwargs
) -> None:
    """One audit row, or the first of a batch recorded together (core.ledgers): then the whole batch at once,
    one lookup and one elevated block for every organization of it, and nothing for the others."""
    if batch is None:
        _to_webhooks([(event, target)])
    elif not batch.get("webhooks"):
        batch["webhooks"] = True
        _to_webhooks(batch["events"])


def _to_webhooks(events: list[tuple[AuditEvent, models.Model | None]]) -> None:
    """The events of partners that have webhook types (a customer has no endpoints: it costs nothing)."""
    wanted = []
    for event, target in events:
        organization = event.organization
        specs = EVENTS.get(event.code)
        if specs and organization is not None and organization.kind == Organization.Kind.PARTNER:
            wanted.append((organization.pk, event, target, specs))
    if not wanted:
        return
    kinds = list(dict.fromkeys(kind for _, _, _, specs in wanted for kind, _ in specs))
    with rls.elevated("webhooks"):  # the change may concern another organization than the acting one
        endpoints = list(
            WebhookEndpoint.objects.filter(
                organization_id__in={organization_id for organization_id, _, _, _ in wanted},
                is_active=True,
                event_types__overlap=kinds,
            ).only("pk", "organization_id", "event_types")
        )
        if not endpoints:
            return
        for organization_id, event, target, specs in wanted:
            for kind, resources in specs:
                subscribed = [
                    endpoint
                    for endpoint in endpoints
                    if endpoint.organization_id == organization_id and kind in endpoint.event_types
                ]
                if not subscribed:
                    continue
                for resource in resources(target, event):
                    event_write(organization_id=organization_id, kind=kind, resource=resource, endpoints=subscribed)
