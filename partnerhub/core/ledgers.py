"""The platform's ledgers written together: a step that records audit events, queues emails and notifies
people in one go writes all of it in one elevated block, with one INSERT per ledger.

`audit_record`, `outbound_email_queue` and `notification_create` each open their own `rls.elevated()` block:
a SAVEPOINT, a signed bypass set and put back, and a RELEASE around each row (four statements of overhead for
one INSERT). A step that writes two audit events, two emails and two notifications (a partnership accepted or
removed: one of each per side) paid that six times. Here the rows are built and the emails rendered first,
outside the block; the block holds only the INSERTs (and the badges' UPDATE), so it is as narrow as the
three single-row blocks together and no other code runs under the bypass. `audit_recorded` is sent for each
event after the block, as `audit_record` sends it: its receivers (webhooks, admin relationships) run in the
request's own context and elevate themselves if they must; with `batch`, the webhooks look up every event's
endpoints at once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import models, transaction

from . import rls
from .audit import audit_event, audit_recorded
from .models import AuditEvent, Notification, OutboundEmail
from .notifications import badges_add
from .outbox import outbound_email_enqueue, outbound_email_render


@dataclass(frozen=True)
class AuditEntry:
    """One `audit_record` call's arguments."""

    code: str
    actor: Any
    organization: Any
    target: models.Model | None = None
    data: dict[str, Any] | None = None


@dataclass(frozen=True)
class EmailEntry:
    """One `outbound_email_queue` call's arguments."""

    to: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    organization: Any = None
    language: str | None = None


@dataclass(frozen=True)
class NotificationEntry:
    """One `notification_create` call's arguments."""

    user: Any
    title: str
    body: str = ""
    url: str = ""
    organization: Any = None


def ledgers_write(
    *,
    audit: Sequence[AuditEntry] = (),
    emails: Sequence[EmailEntry] = (),
    notifications: Sequence[NotificationEntry] = (),
) -> None:
    """Record these audit events, queue these emails and notify these people, in the caller's transaction.

    The same rows, on_commit hand-overs and signals as one `audit_record`, `outbound_email_queue` and
    `notification_create` call per entry, in one elevated block of at most four statements."""
    events = [
        audit_event(code=e.code, actor=e.actor, organization=e.organization, target=e.target, data=e.data)
        for e in audit
    ]
    rows = [
        outbound_email_render(
            to=e.to, template=e.template, context=e.context, organization=e.organization, language=e.language
        )
        for e in emails
    ]
    notes = [
        Notification(user=n.user, organization=n.organization, title=n.title, body=n.body, url=n.url)
        for n in notifications
    ]
    badges = Counter(n.user.pk for n in notifications)
    with rls.elevated("ledgers"):  # the step may record, email and notify the other organization it touched
        if events:
            AuditEvent.objects.bulk_create(events)
        if rows:
            OutboundEmail.objects.bulk_create(rows)
        if notes:
            Notification.objects.bulk_create(notes)
        for count in sorted(set(badges.values())):  # one UPDATE when each person gets one notification
            badges_add([pk for pk, n in badges.items() if n == count], count)
    for email in rows:
        transaction.on_commit(partial(outbound_email_enqueue, email_id=email.pk), robust=True)
    batch: dict[str, Any] = {"events": [(event, entry.target) for event, entry in zip(events, audit, strict=True)]}
    for event, target in batch["events"]:
        audit_recorded.send(sender=AuditEvent, event=event, target=target, batch=batch)
