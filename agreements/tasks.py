"""Beat-driven sweep of partner-agreement acceptance deadlines. Safe to run twice or concurrently."""

from celery import shared_task

from . import services


@shared_task(acks_late=True, max_retries=0)
def sweep_agreement_reminders_task() -> dict[str, int]:
    """Remind the Global admins of organizations that must accept a new partner-agreement version."""
    return {"versions": len(services.sweep_agreement_reminders())}
