"""One measured run of `make bench-mail`: N emails queued by the producer processes in one mode, timed from the
first outbox insert to the sink's N-th delivery, with latency percentiles, SMTP connections, lost and duplicated
emails, and the CPU per email.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import queue
import statistics
import time

from bench.load import pg_cluster
from bench.load.mail_producer import produce
from bench.load.mail_servers import Database, log
from bench.load.smtp_sink import SmtpSink

TARGETS = {"single": 300, "batch": 800}  # emails/s, performance.md §4 "Celery goals"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


def measure(
    *,
    mode: str,
    n: int,
    batch: int,
    producers: int,
    sink: SmtpSink,
    worker_pid: int,
    first_index: int,
    stall_timeout: float,
    database: Database,
    server_pids: tuple[int | None, int | None],
) -> dict:
    from bench.load.webhooks import ServersMeter
    from partnerhub.core.models import OutboundEmail

    # The owner empties the outbox between runs: the app role may not TRUNCATE.
    pg_cluster.query(database.owner_url, f"TRUNCATE {OutboundEmail._meta.db_table}")  # noqa: S608 - a model's table
    statements = reset_statements(database)
    sink.reset()
    clock_offset = time.time() - time.monotonic()
    context = multiprocessing.get_context("spawn")
    ready, go, result = context.Queue(), context.Event(), context.Queue()
    share = math.ceil(n / producers)
    slices = [range(first_index + k, min(first_index + n, first_index + k + share)) for k in range(0, n, share)]
    producer_processes = [
        context.Process(target=produce, args=(mode, indexes, batch, ready, go, result), daemon=True)
        for indexes in slices
    ]
    for process in producer_processes:
        process.start()
    for _ in producer_processes:
        ready.get(timeout=60)  # every producer has Django set up and its broker connection open
    load_before = os.getloadavg()[0]
    meter = ServersMeter(worker_pid, *server_pids)
    meter.start()
    go.set()

    last_count, last_progress = -1, time.monotonic()
    roles: dict = {}
    while sink.messages < n:
        time.sleep(0.05)
        if not roles and sink.messages >= n // 2:  # the worker's and producers' connections while they work
            roles = pg_cluster.database_roles(database.owner_url, database.name)
        if sink.messages != last_count:
            last_count, last_progress = sink.messages, time.monotonic()
        elif time.monotonic() - last_progress > stall_timeout:
            log(f"no delivery for {stall_timeout:.0f} s; giving up with {sink.messages} of {n}")
            break
    try:
        spans = [result.get(timeout=stall_timeout) for _ in producer_processes]
    except queue.Empty:
        raise RuntimeError("a producer failed; see its traceback above") from None
    for process in producer_processes:
        process.join()
    cpu = meter.stop(producers=sum(span[2] for span in spans), emails=n)
    load_after = os.getloadavg()[0]
    started, produced = min(span[0] for span in spans), max(span[1] for span in spans)
    time.sleep(1.0)  # late duplicates, if any, arrive now

    rows = list(OutboundEmail.objects.values_list("idempotency_key", "created_at", "status"))
    keys = dict(sink.keys)
    delivered_at = {key: at + clock_offset for key, at in sink.delivered_at.items()}
    outbox_keys = {str(key) for key, _, _ in rows}
    lost = sum(1 for key in outbox_keys if key not in keys)
    duplicates = sum(count - 1 for count in keys.values() if count > 1)
    strangers = sum(count for key, count in keys.items() if key not in outbox_keys)
    latencies = [
        (delivered_at[str(key)] - created.timestamp()) * 1000 for key, created, _ in rows if str(key) in delivered_at
    ]
    finished = max(delivered_at.values(), default=started)
    seconds = finished - started
    run = {
        "n": n,
        "mode": mode,
        "producers": producers,
        "seconds": round(seconds, 3),
        "emails_per_s": round(len(latencies) / seconds, 1) if seconds > 0 else 0.0,
        "queue_seconds": round(produced - started, 3),
        "queue_per_s": round(n / (produced - started), 1),
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p95_ms": round(percentile(latencies, 0.95), 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99), 1) if latencies else None,
        "max_ms": round(max(latencies), 1) if latencies else None,
        "smtp_connections": sink.connections,
        "rows": len(rows),
        "rows_sent": sum(1 for *_, status in rows if status == OutboundEmail.Status.SENT),
        "lost": lost + max(0, n - len(rows)),
        "duplicates": duplicates,
        "unexpected": strangers,
        "target_emails_per_s": TARGETS[mode],
        "load_average_1m": [round(load_before, 2), round(load_after, 2)],  # before, after
        "cpu_ms_per_email": cpu,
        "statements": read_statements(database, n) if statements else None,
        "database_roles": roles or pg_cluster.database_roles(database.owner_url, database.name),
    }
    run["meets_target"] = run["emails_per_s"] >= TARGETS[mode]
    return run


def reset_statements(database: Database) -> bool:
    """Zero pg_stat_statements before a run, if the server has it (the bench's own cluster does)."""
    try:
        pg_cluster.query(database.maintenance_url, "SELECT pg_stat_statements_reset()")
    except Exception:  # noqa: BLE001 - not installed (a BENCH_DATABASE_URL server): the figure is left out
        return False
    return True


def read_statements(database: Database, n: int) -> dict:
    """What the app role asked of the database per email during the run: the producers' queuing (BEGIN, the
    outbox's bypass, INSERT, COMMIT) and the worker's sending, connection set-up included."""
    rows = pg_cluster.query(
        database.maintenance_url,
        "SELECT s.query, s.calls, s.total_exec_time FROM pg_stat_statements s "
        "JOIN pg_database d ON d.oid = s.dbid JOIN pg_roles r ON r.oid = s.userid "
        "WHERE d.datname = %s AND r.rolname = %s ORDER BY s.calls DESC",
        [database.name, pg_cluster.APP_ROLE],
    )
    calls = sum(row[1] for row in rows)
    return {
        "per_email": round(calls / max(n, 1), 2),
        "exec_ms_per_email": round(sum(row[2] for row in rows) / max(n, 1), 3),
        "top": [
            {"calls_per_email": round(count / max(n, 1), 2), "query": " ".join(text.split())[:300]}
            for text, count, _ in rows[:14]
        ],
    }
