"""Beat's billing sweeps: cycle charges as cycles start, the billing run on each pair's billing day. Both are
safe to run twice or at once (rating's unique source; the run's profile lock and deadline column)."""

from __future__ import annotations

from celery import shared_task

from .services import rating, runs


@shared_task(acks_late=True, max_retries=0)
def billing_cycles_sweep_task() -> int:
    """Bill every cycle that has started (annual billed monthly, triennial billed annually)."""
    return rating.sweep_cycles()


@shared_task(acks_late=True, max_retries=0)
def billing_run_task() -> int:
    """Close the periods whose billing day has come and issue their invoices."""
    return runs.billing_run()


@shared_task(acks_late=True, max_retries=0)
def billing_overdue_sweep_task() -> int:
    """Overdue reminders (due date, +7, +14 days) and automatic order blocks past a pair's threshold."""
    from .services import credit

    return credit.sweep_overdue()
