"""Database connections kept across Celery tasks (CELERY_DB_REUSE_MAX), and the check that makes keeping them safe.

Without CELERY_DB_REUSE_MAX, Celery's Django fix-up closes every connection before and after each task: each
task pays a new PostgreSQL backend (its start, the row-level security identity query, the catalogue caches'
warm-up), which `make bench-mail` measured as most of the CPU of a one-email task. With it, a pool process keeps
its connection, and then nothing between two tasks looks at it: Django's own checks (CONN_MAX_AGE, the health
check, closing a connection after an error) run on the request signals, which a worker never sends. So a task
interrupted mid-query (SoftTimeLimitExceeded raised while psycopg waits for the server leaves the connection
ACTIVE: the next statement fails with "another command is already in progress"), or a backend the server ended
(pg_terminate_backend, a restart, a failover: psycopg only finds out on the next statement), would fail the next
task in that process, and every one after it.

`release_unusable()` runs before and after every task (before rls's context is applied) and closes a connection
that is not idle outside any transaction, whose socket has something to read although no query is running (the
server's "terminating connection" notice, or EOF), that met an error since it was last checked, or whose
CONN_MAX_AGE has passed. A closed connection is reopened by the next query, as in a request. The checks read the
driver's state and poll the socket without waiting: no round trip to the server per task.
"""

from __future__ import annotations

import contextlib
import logging
import select
import time

from django.db import connections

logger = logging.getLogger(__name__)


def _reason_to_close(conn) -> str:
    """Why this open connection must not serve the next task; "" when it may."""
    from psycopg import pq

    raw = conn.connection
    if raw.closed:
        return "closed by the driver"
    if conn.in_atomic_block:
        return "left inside a transaction block"
    status = raw.info.transaction_status
    if status != pq.TransactionStatus.IDLE:
        return f"left {status.name}"  # ACTIVE: a query still running; INTRANS/INERROR: a transaction left open
    if conn.errors_occurred:
        return "an error occurred on it"
    if conn.close_at is not None and time.monotonic() >= conn.close_at:
        return "older than CONN_MAX_AGE"
    try:
        readable, _, _ = select.select([raw.pgconn.socket], [], [], 0)
    except (OSError, ValueError):
        return "its socket is gone"
    if readable:  # an idle backend sends nothing unless it is going away (we do not LISTEN)
        return "the server closed it"
    return ""


def release_unusable(task=None, **kwargs) -> None:
    """Close every connection of this thread that the next task must not inherit (task_prerun, task_postrun).

    Not for an eager task (a test's `apply()`), which runs on its caller's connection, inside its caller's
    transaction: Celery's fix-up leaves those alone too."""
    if task is not None and getattr(task.request, "is_eager", False):
        return
    for conn in connections.all(initialized_only=True):
        if conn.vendor != "postgresql" or conn.connection is None:
            continue
        reason = _reason_to_close(conn)
        if not reason:
            continue
        logger.info("celery: closing database connection %r before the next task: %s", conn.alias, reason)
        conn.in_atomic_block = False  # a task's own atomic blocks have all exited by now: no savepoint to keep
        conn.needs_rollback = False
        conn.savepoint_ids = []
        with contextlib.suppress(Exception):  # a broken connection may fail to close cleanly; it is dropped anyway
            conn.close()
        conn.connection = None  # even if close() raised, the next query opens a new one


def connect_celery_signals() -> None:
    """Before rls's own task_prerun receiver, which sets the task's context on the connection."""
    from celery.signals import task_postrun, task_prerun

    task_prerun.connect(release_unusable, weak=False, dispatch_uid="partnerhub.task_connections.prerun")
    task_postrun.connect(release_unusable, weak=False, dispatch_uid="partnerhub.task_connections.postrun")
