"""Celery tasks of customers: background CSV exports and their sweep."""

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
