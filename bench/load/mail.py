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

Servers, as `make bench-webhooks`: with BENCH_DATABASE_URL (an owner's URL; the smoke test's copy of the test
database) it migrates and uses that database; otherwise it starts its own PostgreSQL cluster in .data/bench/pg-mail
(the system binaries, the bench's throughput settings, pg_stat_statements) and works in a fresh copy of a migrated
template database every run. Redis: REDIS_URL (on a queue of the bench's own, deleted at the end), else its own
memory-only redis-server. Migrations run as the owner; the producers, the worker and this process's own reads
connect as the app role (`partnerhub_app`: no table owned, no BYPASSRLS), and the report records the roles seen
on the database while the worker sent.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.load import processes, redis_server  # noqa: E402 - needs ROOT on sys.path as a script
from bench.load.mail_producer import PROVIDER  # noqa: E402
from bench.load.mail_report import machine, markdown  # noqa: E402
from bench.load.mail_run import measure  # noqa: E402
from bench.load.mail_servers import app_environment, log, prepare_database, start_worker, wait_for_worker  # noqa: E402
from bench.load.serving import LOGS, Server  # noqa: E402
from bench.load.smtp_sink import SmtpSink  # noqa: E402

REPORT_JSON = ROOT / "bench" / "load" / "report-mail.json"
REPORT_MD = ROOT / "bench" / "load" / "report-mail.md"


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
    parser.add_argument(
        "--db-reuse-max",
        type=int,
        help="CELERY_DB_REUSE_MAX of the worker (default: the settings'; 0: a new database connection per task)",
    )
    parser.add_argument("--warmup", type=int, default=200, help="emails sent before measuring (200)")
    parser.add_argument("--stall-timeout", type=float, default=30.0, help="give up after this long without delivery")
    parser.add_argument("--output", type=Path, default=REPORT_JSON, help="the JSON report; .md goes next to it")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = _parse(argv)
    registry = processes.Processes()

    def terminate(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    LOGS.mkdir(parents=True, exist_ok=True)
    server = Server(args.settings, registry)
    queue_name = f"bench-mail-{os.getpid()}"
    sink = SmtpSink().start()
    report: dict = {}
    try:
        server.start_redis()
        database = prepare_database(server, registry)
        env = app_environment(server, database, smtp_port=sink.port, queue_name=queue_name, batch=args.batch_size)
        if args.db_reuse_max is not None:
            env["CELERY_DB_REUSE_MAX"] = str(args.db_reuse_max)
        os.environ.clear()  # this process and the producers it spawns: the app's environment, never the owner's URL
        os.environ.update(env)
        report = run(args, registry, database, env, sink, queue_name)
    finally:
        sink.stop()
        if server.redis_url and not server.own_redis:  # a shared Redis: remove the bench's queue
            for key in (queue_name, f"_kombu.binding.{queue_name}", f"_kombu.binding_permanent.{queue_name}"):
                with contextlib.suppress(Exception):
                    redis_server.redis_command(server.redis_url, "DEL", key)
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        registry.stop_all()
    report["ok"] = bool(report["runs"]) and all(
        run["lost"] == 0 and run["duplicates"] == 0 and run["unexpected"] == 0 for run in report["runs"]
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    args.output.with_suffix(".md").write_text(markdown(report))
    print(markdown(report))
    return 0 if report["ok"] else 1


def run(args, registry, database, env: dict, sink: SmtpSink, queue_name: str) -> dict:
    import django

    django.setup()
    from django.conf import settings

    from partnerhub.accounts.models import Organization, User
    from partnerhub.accounts.services import organization_create
    from partnerhub.core import rls

    # This process reads the outbox and makes the provider as the platform (a signed bypass), through the app role.
    platform = rls.enter_system("bench-mail")  # kept: a dropped manager's generator ends the context
    if not Organization.objects.filter(legal_name=PROVIDER).exists():  # through the service, as the app makes one
        user = User.objects.create_user("megan@contoso.example", None, first_name="Megan", last_name="Bowen")
        organization_create(
            user=user, legal_name=PROVIDER, country="US", address_line1="1 Microsoft Way", city="Redmond",
            state="WA", postal_code="98052", primary_domain="contoso.example",
        )  # fmt: skip
    worker, nodename = start_worker(registry, env, queue_name=queue_name, concurrency=args.concurrency)
    report = {
        "started_at": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "machine": machine(),
        "load_average_start": [round(value, 2) for value in os.getloadavg()],
        "worker_concurrency": args.concurrency,
        "batch_size": args.batch_size,
        "settings": args.settings,
        "db_reuse_max": settings.CELERY_DB_REUSE_MAX,
        "producers": args.producers,
        "database_roles": {},
        "runs": [],
    }
    postgres_pid = database.cluster.proc.pid if database.cluster and database.cluster.proc else None
    redis_pid = next((child.proc.pid for child in registry.children if child.name == "redis"), None)
    common = {
        "batch": args.batch_size,
        "producers": args.producers,
        "sink": sink,
        "worker_pid": worker.pid,
        "database": database,
        "server_pids": (postgres_pid, redis_pid),
    }
    try:
        wait_for_worker(worker, nodename)
        log(f"worker {nodename} up; SMTP sink on 127.0.0.1:{sink.port}; database {database.name}")
        first_index = 0
        if args.warmup:  # forked pool processes open their database connections, imports settle
            for mode in args.modes:
                measure(mode=mode, n=args.warmup, first_index=0, stall_timeout=30, **common)
            first_index = args.warmup
        for n in args.n:
            for mode in args.modes:
                log(f"{mode}: {n:,} emails …")
                run = measure(mode=mode, n=n, first_index=first_index, stall_timeout=args.stall_timeout, **common)
                first_index += n
                report["runs"].append(run)
                report["database_roles"] |= run.pop("database_roles")
                log(
                    f"{mode} N={n:,}: {run['seconds']:.2f} s, {run['emails_per_s']:.0f} emails/s, "
                    f"p95 {run['p95_ms']} ms, {run['smtp_connections']:,} SMTP connections, "
                    f"lost {run['lost']}, duplicates {run['duplicates']}"
                )
    finally:
        platform.__exit__(None, None, None)
        registry.stop(worker)
        report["load_average_end"] = [round(value, 2) for value in os.getloadavg()]
    return report


if __name__ == "__main__":
    sys.exit(main())
