"""Tasks a real worker imports (`celery worker -I tests.harness.reuse_tasks`) for test_celery_db_reuse: one that is
interrupted while its query runs, one that the test watches (which backend served it, and what it saw)."""

from __future__ import annotations

import json
import os

from celery import shared_task
from django.db import connection, transaction


@shared_task(acks_late=True, max_retries=0)
def stuck_in_query(*, in_transaction: bool) -> None:
    """A query that outlives the task's soft time limit: SoftTimeLimitExceeded is raised while psycopg waits."""
    if in_transaction:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT txid_current()")  # a transaction under way on the server
            cursor.execute("SELECT pg_sleep(30)")
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(30)")


@shared_task(acks_late=True, max_retries=0)
def report(path: str, label: str) -> None:
    """Append what this task saw to `path`: its process, the backend that served it, and its row-level security
    context (the platform's, signed for this very backend)."""
    from partnerhub.core import rls

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), current_setting('partnerhub.bypass', true)")
        backend, bypass = cursor.fetchone()
        reason = (bypass or "").rsplit(":", 1)[0]  # <reason>:<signature>
    seen = {
        "label": label,
        "process": os.getpid(),
        "backend": backend,
        "bypass_reason": reason,
        "bypass_signed_for_this_backend": bool(reason) and bypass == rls.sign(reason),
    }
    with open(path, "a") as out:
        out.write(json.dumps(seen) + "\n")
