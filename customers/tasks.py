"""Celery tasks of customers: background CSV exports and their sweep, and the subscription renewal sweep."""

from celery import shared_task
from django.conf import settings

from .services import exports


@shared_task(
    acks_late=True,
    max_retries=0,
    time_limit=settings.EXPORT_TASK_TIME_LIMIT,
    soft_time_limit=settings.EXPORT_TASK_TIME_LIMIT - 30,
)
def export_job_run_task(job_id: int) -> bool:
    """Write one queued export to storage; a no-op when the job is no longer queued."""
    return exports.export_job_run(job_id=job_id)


@shared_task(acks_late=True, max_retries=0)
def export_jobs_sweep_task() -> dict[str, int]:
    """Retry or fail exports whose worker died, queue again those never started, delete expired files."""
    return exports.export_jobs_sweep()


@shared_task(acks_late=True, max_retries=0)
def subscription_renewals_sweep_task() -> dict[str, int]:
    """Renew or expire subscriptions whose term ended, then send the 30- and 7-day renewal reminders.
    Safe to run twice or concurrently (lifecycle.sweep_renewals claims each subscription)."""
    from .services import lifecycle

    counts = lifecycle.sweep_renewals()
    counts["reminded"] = lifecycle.sweep_renewal_reminders()
    return counts
