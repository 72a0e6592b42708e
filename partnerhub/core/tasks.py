"""Celery tasks of the core: sending the outbox and sweeping what was left behind."""

import logging
import math

from celery import shared_task
from django.conf import settings

from . import outbox

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, max_retries=0)
def send_outbound_email_task(email_id: int) -> bool:
    """Send one outbox row; a no-op when it is already sent, failed, locked or not yet due."""
    return outbox.outbound_email_send(email_id=email_id)


@shared_task(acks_late=True, max_retries=0)
def send_outbound_email_batch_task(limit: int | None = None) -> int:
    """Send up to OUTBOX_BATCH_SIZE due outbox rows over one connection; a no-op when none is due.

    A full batch means more rows may be waiting (a backlog after a broker outage, a bulk send), so
    it queues the next batch itself: a backlog drains at the workers' pace, not one sweep a minute.
    The chain ends with the first batch that finds fewer rows than its limit.
    """
    limit = limit or settings.OUTBOX_BATCH_SIZE
    batch = outbox.outbound_email_send_batch(limit=limit)
    if batch.claimed >= limit:
        try:
            send_outbound_email_batch_task.delay(limit)
        except Exception:  # the broker is a boundary: this batch is done; the sweep finds the rest
            logger.warning("outbox: could not queue the next batch; the sweep will", exc_info=True)
    return batch.sent


@shared_task(acks_late=True, max_retries=0)
def sweep_outbound_email_task() -> int:
    """Hand outbox rows that never reached a worker, and retries whose backoff has passed, to batch tasks.

    One batch task per OUTBOX_BATCH_SIZE due rows; each claims its own rows, so a batch that finds
    them taken by another (or by a late per-email task) simply sends fewer.
    """
    due = len(outbox.outbound_email_due_ids(limit=settings.OUTBOX_BATCH_SIZE * 100))
    for _ in range(math.ceil(due / settings.OUTBOX_BATCH_SIZE)):
        send_outbound_email_batch_task.delay()
    return due
