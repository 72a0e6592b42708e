"""Celery tasks of the webhooks: deliver one (by id, safe to run twice) and sweep what is due."""

from __future__ import annotations

from celery import shared_task

from . import delivery


@shared_task(acks_late=True, max_retries=0)
def webhook_deliver_task(delivery_id: int) -> bool:
    """Attempt one delivery; a no-op when it is delivered, failed, leased, not yet due or waiting its turn."""
    return delivery.webhook_deliver(delivery_id=delivery_id)


@shared_task(acks_late=True, max_retries=0)
def webhook_sweep_task() -> int:
    """Queue every due delivery no worker holds: retries whose time has come, and deliveries whose first
    hand-off was lost (broker down at commit, worker killed mid-call after its lease ended)."""
    from .services import webhook_sweep

    return webhook_sweep()
