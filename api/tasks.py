"""Celery discovers the API's tasks here: the records' retention, the webhooks' delivery and sweep."""

from celery import shared_task

from . import services
from .webhooks.tasks import webhook_deliver_task, webhook_sweep_task

__all__ = ["sweep_api_records_task", "webhook_deliver_task", "webhook_sweep_task"]


@shared_task(acks_late=True, max_retries=0)
def sweep_api_records_task() -> dict[str, int]:
    """The call log's and the idempotency keys' retention."""
    return services.sweep_api_records()
