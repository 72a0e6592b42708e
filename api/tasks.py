"""Celery discovers the API's tasks here: the webhooks' delivery and sweep."""

from .webhooks.tasks import webhook_deliver_task, webhook_sweep_task

__all__ = ["webhook_deliver_task", "webhook_sweep_task"]
