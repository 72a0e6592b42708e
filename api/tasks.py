from celery import shared_task

from . import services


@shared_task(acks_late=True, max_retries=0)
def sweep_api_records_task() -> dict[str, int]:
    """The call log's and the idempotency keys' retention."""
    return services.sweep_api_records()
