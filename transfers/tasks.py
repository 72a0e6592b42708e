"""Beat-driven expiry of transfers left unanswered. Safe to run twice or concurrently."""

from celery import shared_task

from . import services


@shared_task(acks_late=True, max_retries=0)
def transfers_expire_task() -> dict[str, int]:
    """Expire pending transfers past their 30 days; each side is told."""
    return {"expired": len(services.transfers_expire_due())}
