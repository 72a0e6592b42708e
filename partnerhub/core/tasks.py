"""Celery tasks of the core: sending the outbox and sweeping what was left behind."""

from celery import shared_task

from . import services


@shared_task(acks_late=True, max_retries=0)
def send_outbound_email_task(email_id: int) -> bool:
    """Send one outbox row; a no-op when it is already sent, failed, locked or not yet due."""
    return services.outbound_email_send(email_id=email_id)


@shared_task(acks_late=True, max_retries=0)
def sweep_outbound_email_task() -> int:
    """Re-queue outbox rows that never reached a worker and retries whose backoff has passed."""
    due = services.outbound_email_due_ids()
    for email_id in due:
        send_outbound_email_task.delay(email_id)
    return len(due)
