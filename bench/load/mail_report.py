"""The report of `make bench-mail`: the machine it ran on, and report-mail.md's tables (throughput and latency per
run, then CPU milliseconds per email by process).
"""

from __future__ import annotations

import os
import platform
from pathlib import Path

from bench.load.mail_cpu import cpu_bound_causes


def machine() -> dict:
    import celery
    import django

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "celery": celery.__version__,
        "postgresql": postgres,
    }


def markdown(report: dict) -> str:
    machine = report["machine"]
    lines = [
        "# Outbox throughput: partnership invitations to an SMTP sink",
        "",
        f"Measured {report['started_at']} by `bench/load/mail.py` on {machine['cpu']}, {machine['cores']} cores; "
        f"Python {machine['python']}, Django {machine['django']}, Celery {machine['celery']}, "
        f"PostgreSQL {machine['postgresql']}.",
        f"Worker: `celery worker -P prefork -c {report['worker_concurrency']}` with `{report['settings']}` "
        f"(acks_late, prefetch 1, CELERY_DB_REUSE_MAX={report.get('db_reuse_max')}); "
        f"batch size {report['batch_size']}; {report['producers']} producer processes. "
        "Sink, worker, producers, PostgreSQL and Redis share the machine with whatever else runs on it "
        f"(1/5/15-minute load average at the start: {_load(report.get('load_average_start'))}, at the end: "
        f"{_load(report.get('load_average_end'))}; *other* below is that other work).",
        f"Database roles seen while the worker sent: {_roles(report.get('database_roles') or {})}.",
        "",
        "Seconds run from the first outbox insert to the sink's N-th delivery; latency is a row's "
        "`created_at` to its first delivery. *Queue/s* is how fast the producers (one transaction and "
        "one template render per email) created the rows. *Load* is the 1-minute load average before "
        "and after the run.",
        "",
        "| N | mode | seconds | emails/s | target | p50 ms | p95 ms | p99 ms | queue/s | SMTP connections "
        "| lost | duplicates | load |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for run in report["runs"]:
        mark = "" if run["meets_target"] else " (missed)"
        load = " → ".join(f"{value:.1f}" for value in run["load_average_1m"])
        lines.append(
            f"| {run['n']:,} | {run['mode']} | {run['seconds']:.2f} | {run['emails_per_s']:.0f} "
            f"| ≥{run['target_emails_per_s']}{mark} | {run['p50_ms']} | {run['p95_ms']} | {run['p99_ms']} "
            f"| {run['queue_per_s']:.0f} | {run['smtp_connections']:,} | {run['lost']} | {run['duplicates']} "
            f"| {load} |"
        )
    parts = ["worker", "producers", "sink", "postgres", "redis", "other"]
    lines += [
        "",
        "CPU milliseconds per email, by process (*other*: anything on the machine outside this benchmark):",
        "",
        "| N | mode | " + " | ".join(parts) + " | total |",
        "|---:|---|" + "---:|" * (len(parts) + 1),
    ]
    for run in report["runs"]:
        cpu = run.get("cpu_ms_per_email") or {}
        values = [cpu.get(part, 0.0) for part in parts]
        lines.append(
            f"| {run['n']:,} | {run['mode']} | "
            + " | ".join(f"{value:.2f}" for value in values)
            + f" | {sum(values):.2f} |"
        )
    lines += cpu_bound_causes(
        [
            (f"{run['mode']}, N = {run['n']:,}", run.get("cpu_ms_per_email") or {}, run["target_emails_per_s"],
             run["emails_per_s"])
            for run in report["runs"]
            if not run["meets_target"]
        ],
        cores=report["machine"].get("cores") or 1,
        unit="email",
        rate="emails/s",
    )  # fmt: skip
    for run in report["runs"]:
        statements = run.get("statements")
        if statements:
            lines += [
                "",
                f"SQL per email ({run['mode']}, N = {run['n']:,}; pg_stat_statements, the app role: producers and "
                f"worker, connection set-up included): {statements['per_email']} statements, "
                f"{statements['exec_ms_per_email']} ms of execution. Most called:",
                "",
                "| per email | statement |",
                "|---:|---|",
                *(f"| {row['calls_per_email']} | `{row['query'][:150]}` |" for row in statements["top"][:10]),
            ]
    lines += ["", f"Result: {'PASS' if report['ok'] else 'FAIL'} (lost = 0 and duplicates = 0 in every run).", ""]
    return "\n".join(lines)


def _load(values) -> str:
    return " ".join(f"{value:.2f}" for value in values) if values else "unknown"


def _roles(roles: dict) -> str:
    if not roles:
        return "none sampled"
    return ", ".join(
        f"{name}{' (bypasses RLS)' if info.get('bypasses_rls') else ''}" for name, info in sorted(roles.items())
    )
