"""Celery throughput of the outbox: N partnership invitations from the outbox to an SMTP sink.

    .venv/bin/python bench/load/mail.py [--n 2000 10000] [--modes single batch]

For each N and mode, two producer processes (like two web workers) queue N partnership-invitation
emails through the outbox service (`outbound_email_queue`: render, insert, hand to Celery after
commit), one transaction each, timed from the first insert to the sink's N-th delivery. A real
Celery worker (`-P prefork -c 2`) runs the production settings (acks_late, prefetch 1) and sends
with Django's SMTP backend to `bench/load/smtp_sink.py`.

Modes:
  single  the production path: one `send_outbound_email_task` per email, a new SMTP connection each.
  batch   one `send_outbound_email_batch_task` per OUTBOX_BATCH_SIZE (50) committed rows instead of
          the per-email task, each sending over one SMTP connection (what the sweep does for a backlog).

Reported per run: emails/s, p50/p95/p99 latency from a row's `created_at` to its first delivery,
SMTP connections, lost (outbox keys never delivered) and duplicates (deliveries beyond the first),
and where the CPU went per email (worker, producers, sink, PostgreSQL, Redis, and whatever else
ran on the machine meanwhile, which makes a busy machine visible). Exit status 1 if any run lost
or duplicated an email. Results go to bench/load/report-mail.json and bench/load/report-mail.md.

Servers: with DATABASE_URL and REDIS_URL set it uses those; otherwise it re-runs itself under
`partnerhub/embedded.py exec` (PostgreSQL and Redis from .data/, as `make run` does). Either way
it works in a scratch database `<name>_bench_mail` on the same PostgreSQL server, created and
migrated on first use and kept afterwards (its outbox is emptied before every run) so reruns start
in seconds; `--drop-database` drops it at the end. The Celery queue is the bench's own and is
deleted at the end; nothing else in Redis is touched.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.load.mail_producer import PROVIDER  # noqa: E402 - needs ROOT on sys.path when run as a script
from bench.load.mail_report import machine, markdown  # noqa: E402
from bench.load.mail_run import measure  # noqa: E402
from bench.load.mail_servers import (  # noqa: E402
    create_database,
    drop_database,
    log,
    production_environment,
    scratch_url,
    start_worker,
    stop_worker,
    wait_for_worker,
)
from bench.load.smtp_sink import SmtpSink  # noqa: E402

REPORT_JSON = ROOT / "bench" / "load" / "report-mail.json"
REPORT_MD = ROOT / "bench" / "load" / "report-mail.md"


def _run_under_embedded(argv: list[str]) -> int:
    """Re-run this script with the embedded PostgreSQL and Redis up (started only if not running)."""
    command = [sys.executable, str(ROOT / "partnerhub" / "embedded.py"), "exec", "--"]
    return subprocess.call([*command, sys.executable, str(Path(__file__).resolve()), *argv], cwd=ROOT)  # noqa: S603


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/load/mail.py", description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[2000, 10000], help="emails per run (2000 10000)")
    parser.add_argument("--modes", nargs="+", choices=["single", "batch"], default=["single", "batch"])
    parser.add_argument("--batch-size", type=int, default=50, help="OUTBOX_BATCH_SIZE for the batch mode (50)")
    parser.add_argument("--concurrency", type=int, default=2, help="prefork processes of the worker (2)")
    parser.add_argument("--producers", type=int, default=2, help="processes queueing the emails, like web workers (2)")
    parser.add_argument(
        "--settings",
        default="bench.settings",
        help="settings module of the worker and the producers (bench.settings: production's)",
    )
    parser.add_argument("--database", help="scratch database name (default: <DATABASE_URL's name>_bench_mail)")
    parser.add_argument("--drop-database", action="store_true", help="drop the scratch database at the end")
    parser.add_argument("--warmup", type=int, default=200, help="emails sent before measuring (200)")
    parser.add_argument("--stall-timeout", type=float, default=30.0, help="give up after this long without delivery")
    parser.add_argument("--output", type=Path, default=REPORT_JSON, help="the JSON report; .md goes next to it")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = _parse(argv)
    if not (os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL")):
        return _run_under_embedded(argv)

    server_url = os.environ["DATABASE_URL"]  # only its server is used: the bench works in a scratch database
    database_url, database = scratch_url(server_url, args.database)
    redis_url = os.environ["REDIS_URL"]
    if create_database(server_url, database):
        log(f"created the scratch database {database}")
    queue_name = f"bench-mail-{os.getpid()}"
    sink = SmtpSink().start()
    os.environ.update(
        production_environment(
            settings=args.settings,
            database_url=database_url,
            redis_url=redis_url,
            smtp_port=sink.port,
            queue_name=queue_name,
            batch=args.batch_size,
        )
    )
    import django

    django.setup()
    from django.core.management import call_command

    from partnerhub.accounts.models import Organization
    from partnerhub.celery import app
    from partnerhub.core.regions import market_for

    call_command("migrate", interactive=False, verbosity=0)
    market = market_for("US")
    Organization.objects.get_or_create(
        legal_name=PROVIDER,
        defaults={
            "country": "US",
            "primary_domain": "contoso.example",
            "csp_region": market.region,
            "currency": market.currency,
            "address_line1": "1 Microsoft Way",
            "city": "Redmond",
            "state": "WA",
            "postal_code": "98052",
        },
    )
    worker, nodename = start_worker(queue_name=queue_name, concurrency=args.concurrency)
    report = {
        "started_at": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "machine": machine(),
        "worker_concurrency": args.concurrency,
        "batch_size": args.batch_size,
        "settings": args.settings,
        "producers": args.producers,
        "runs": [],
    }
    try:
        wait_for_worker(worker, nodename)
        log(f"worker {nodename} up; SMTP sink on 127.0.0.1:{sink.port}; database {database}")
        first_index = 0
        if args.warmup:  # forked pool processes open their database connections, imports settle
            for mode in args.modes:
                measure(
                    mode=mode,
                    n=args.warmup,
                    batch=args.batch_size,
                    producers=args.producers,
                    sink=sink,
                    worker_pid=worker.pid,
                    first_index=0,
                    stall_timeout=30,
                )
            first_index = args.warmup
        for n in args.n:
            for mode in args.modes:
                log(f"{mode}: {n:,} emails …")
                run = measure(
                    mode=mode,
                    n=n,
                    batch=args.batch_size,
                    producers=args.producers,
                    sink=sink,
                    worker_pid=worker.pid,
                    first_index=first_index,
                    stall_timeout=args.stall_timeout,
                )
                first_index += n
                report["runs"].append(run)
                log(
                    f"{mode} N={n:,}: {run['seconds']:.2f} s, {run['emails_per_s']:.0f} emails/s, "
                    f"p95 {run['p95_ms']} ms, {run['smtp_connections']:,} SMTP connections, "
                    f"lost {run['lost']}, duplicates {run['duplicates']}"
                )
    finally:
        stop_worker(worker)
        sink.stop()
        with contextlib.suppress(Exception), app.connection_for_write() as broker:
            broker.default_channel.client.delete(  # leftover empty batch wake-ups, kombu's bindings
                queue_name, f"_kombu.binding.{queue_name}", f"_kombu.binding_permanent.{queue_name}"
            )
        from django.db import connections

        connections.close_all()
        if args.drop_database:
            drop_database(server_url, database)
            log(f"dropped the scratch database {database}")
    report["ok"] = all(run["lost"] == 0 and run["duplicates"] == 0 for run in report["runs"])
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    args.output.with_suffix(".md").write_text(markdown(report))
    print(markdown(report))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
