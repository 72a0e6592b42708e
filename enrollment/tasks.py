"""Beat-driven sweeps of verification deadlines. Each is safe to run twice or concurrently."""

from celery import shared_task

from . import services


@shared_task(acks_late=True, max_retries=0)
def sweep_verification_deadlines_task() -> dict[str, int]:
    """Reminders, lapses, overdue flags and closures of unanswered cases, in one pass."""
    return {
        "reminded": len(services.sweep_send_contact_reminders()),
        "lapsed": len(services.sweep_lapse_unverified_cases()),
        "overdue": len(services.sweep_flag_overdue_cases()),
        "closed": len(services.sweep_close_unanswered_cases()),
    }
