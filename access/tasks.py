"""Beat-driven sweep of admin relationships' deadlines. Safe to run twice or concurrently."""

from celery import shared_task

from . import services


@shared_task(acks_late=True, max_retries=0)
def sweep_admin_relationships_task() -> dict[str, int]:
    """Expire unanswered requests, extend or expire relationships at their end, remind at 30 and 7 days."""
    return services.sweep_admin_relationships()
