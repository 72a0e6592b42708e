"""The audit log: one row per state change, with its actor and client IP."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.dispatch import Signal

from . import rls
from .context import client_ip
from .models import AuditEvent

# Sent right after each audit row is written, in the writing transaction: `event` (the AuditEvent) and
# `target` (the object it names, or None). The API's webhooks turn some of them into outbox rows there.
# Rows recorded together (core.ledgers) also carry `batch`, the same dict for each: `batch["events"]` lists
# them all as (event, target), and a receiver may keep there that it handled them all at the first.
audit_recorded = Signal()


def audit_record(
    *,
    code: str,
    actor=None,
    organization=None,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record one state change (`partnerhub.<entity>.<past_tense>`) with its actor and client IP.

    The audit log is the platform's: a step may record an event of another organization it touched."""
    event = audit_event(code=code, actor=actor, organization=organization, target=target, data=data)
    with rls.elevated("audit"):
        event.save(force_insert=True)
    audit_recorded.send(sender=AuditEvent, event=event, target=target)
    return event


def audit_event(
    *,
    code: str,
    actor=None,
    organization=None,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """The row `audit_record` writes, not yet saved (core.ledgers writes several in one INSERT)."""
    return AuditEvent(
        code=code,
        actor=actor if actor is not None and actor.is_authenticated else None,
        organization=organization,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        object_repr=str(target)[:255] if target is not None else "",
        data=data or {},
        ip_address=client_ip.get(),
    )
