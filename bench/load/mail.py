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
import math
import multiprocessing
import os
import platform
import queue
import secrets
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.load.smtp_sink import SmtpSink  # noqa: E402 - needs ROOT on sys.path when run as a script

REPORT_JSON = ROOT / "bench" / "load" / "report-mail.json"
REPORT_MD = ROOT / "bench" / "load" / "report-mail.md"
TARGETS = {"single": 300, "batch": 800}  # emails/s, performance.md §4 "Celery goals"
PROVIDER = "Contoso Distribution Inc."
SENDER = "Megan Bowen"


def _log(message: str) -> None:
    print(f"[bench-mail] {message}", file=sys.stderr, flush=True)


# --- servers and the scratch database -----------------------------------------------------------


def _run_under_embedded(argv: list[str]) -> int:
    """Re-run this script with the embedded PostgreSQL and Redis up (started only if not running)."""
    command = [sys.executable, str(ROOT / "partnerhub" / "embedded.py"), "exec", "--"]
    return subprocess.call([*command, sys.executable, str(Path(__file__).resolve()), *argv], cwd=ROOT)  # noqa: S603


def _scratch_url(database_url: str, name: str | None) -> tuple[str, str]:
    """The URL of the scratch database next to `database_url`'s, and its name."""
    parts = urlsplit(database_url)
    name = name or f"{parts.path.lstrip('/') or 'partnerhub'}_bench_mail"
    return urlunsplit(parts._replace(path=f"/{name}")), name


def _maintenance_connection(database_url: str):
    import environ
    import psycopg

    config = environ.Env.db_url_config(database_url)
    options = config.get("OPTIONS", {})
    return psycopg.connect(
        dbname="postgres",
        host=config.get("HOST") or options.get("host") or None,
        port=config.get("PORT") or None,
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        autocommit=True,
    )


def _create_database(database_url: str, name: str) -> bool:
    """Create the scratch database unless it exists; True when it was created."""
    from psycopg import sql

    with _maintenance_connection(database_url) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return True


def _drop_database(database_url: str, name: str) -> None:
    from psycopg import sql

    with _maintenance_connection(database_url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _production_environment(
    *, settings: str, database_url: str, redis_url: str, smtp_port: int, queue_name: str, batch: int
) -> dict:
    """What partnerhub.settings.production needs, pointed at the scratch database and the sink."""
    return {
        "DJANGO_SETTINGS_MODULE": settings,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "localhost",
        "SITE_URL": "https://partnerhub.example",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "CACHE_URL": redis_url,  # nothing here caches; never another Redis database than the broker's
        "CELERY_TASK_DEFAULT_QUEUE": queue_name,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "false",
        "EMAIL_HOST_USER": "",
        "EMAIL_HOST_PASSWORD": "",
        "OUTBOX_BATCH_SIZE": str(batch),
        "LOG_LEVEL": "WARNING",
    }


# --- the Celery worker --------------------------------------------------------------------------


def _start_worker(*, queue_name: str, concurrency: int) -> tuple[subprocess.Popen, str]:
    nodename = f"{queue_name}@{platform.node() or 'localhost'}"
    command = [sys.executable, "-m", "celery", "-A", "partnerhub", "worker", "-P", "prefork"]
    command += ["-c", str(concurrency), "-Q", queue_name, "-n", nodename, "--loglevel", "WARNING"]
    worker = subprocess.Popen(command, cwd=ROOT, start_new_session=True)  # noqa: S603 - our own command line
    return worker, nodename


def _wait_for_worker(worker: subprocess.Popen, nodename: str, timeout: float = 60.0) -> None:
    from partnerhub.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise RuntimeError(f"the Celery worker exited with status {worker.returncode}")
        if app.control.ping(destination=[nodename], timeout=1.0):
            return
    raise RuntimeError(f"the Celery worker did not answer a ping within {timeout:.0f} s")


def _stop_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGTERM)  # the worker's own session: it and its pool children
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


# --- the producer: a process of its own, so it does not share the sink's GIL --------------------


def _invitation_context(index: int) -> dict:
    """What `partnership_invitation_send` passes to the template, with a fresh personal link."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from partnerhub.accounts.models import new_token
    from relationships.services import invitation_url

    link = invitation_url(new_token()[0])
    message = (
        f"Hello,\n\n{PROVIDER} invites you to become one of its indirect resellers in the CSP program. As your "
        "indirect provider we can place orders and add subscriptions for your customers.\n\nA Global admin of your "
        f"company can accept with this personal link:\n{link}\n\nBest regards,\n{SENDER}\n{PROVIDER}"
    )
    return {
        "provider": PROVIDER,
        "sender": SENDER,
        "message": message,
        "accept_url": link,
        "expires_at": timezone.now() + timedelta(days=settings.PARTNERSHIP_INVITATION_TTL_DAYS),
    }


def _produce(mode: str, indexes: range, batch: int, ready, go, result) -> None:
    """Queue one invitation per index, one transaction each; send back the wall-clock start and end."""
    import django

    django.setup()
    from django.db import transaction

    from partnerhub.accounts.models import Organization
    from partnerhub.core import outbox, tasks

    provider = Organization.objects.get(legal_name=PROVIDER)
    if mode == "batch":
        committed = 0

        def enqueue_batch(*, email_id: int) -> None:
            nonlocal committed
            committed += 1
            if committed % batch == 0:
                tasks.send_outbound_email_batch_task.delay()

        # Instead of the per-email task (see the module docstring): the outbox hands each committed row to the
        # public `send_outbound_email_task`, whose `delay` this producer process alone replaces.
        tasks.send_outbound_email_task.delay = enqueue_batch
    tasks.send_outbound_email_batch_task.app.connection_for_write().ensure_connection()
    ready.put(os.getpid())
    go.wait()
    started, cpu = time.time(), time.process_time()
    for index in indexes:
        with transaction.atomic():
            outbox.outbound_email_queue(
                to=f"admin@reseller{index}.example",
                template="partnership_invitation",
                context=_invitation_context(index),
                organization=provider,
                language="en",
            )
    if mode == "batch" and committed != len(indexes):
        raise RuntimeError(f"batch mode: {committed} of {len(indexes)} committed rows reached the batch hand-off")
    if mode == "batch" and len(indexes) % batch:
        tasks.send_outbound_email_batch_task.delay()  # the rows after the last full batch
    result.put((started, time.time(), time.process_time() - cpu))


# --- one run ------------------------------------------------------------------------------------


# --- where the CPU went (Linux /proc; on other systems these figures are simply left out) ------------

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _process_cpu(pid: int, *, reaped_children: bool = False) -> float:
    """CPU seconds (user + system) a process has used so far, with those of the children it has
    reaped if asked (how the postmaster accounts for backends that have exited); 0 when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = [int(field) for field in stat[stat.rindex(")") + 2 :].split()[11:15]]
    return sum(fields if reaped_children else fields[:2]) / _TICK


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for children in Path(f"/proc/{current}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                todo.extend(int(child) for child in children.read_text().split())
    return found


def _servers_cpu() -> dict[str, float]:
    """CPU seconds of every PostgreSQL and Redis process on the machine (whoever they work for),
    including backends that have exited since."""
    totals = {"postgres": 0.0, "redis": 0.0}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError):
            text = stat.read_text()
            name = text[text.index("(") + 1 : text.rindex(")")]
            kind = "postgres" if name.startswith(("postgres", "postmaster")) else "redis" if "redis" in name else None
            if kind:
                totals[kind] += _process_cpu(int(stat.parent.name), reaped_children=True)
    return totals


def _machine_busy() -> float:
    """CPU seconds all cores have spent busy since boot."""
    with contextlib.suppress(OSError):
        ticks = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        return (sum(ticks[:8]) - ticks[3] - ticks[4]) / _TICK  # all but idle and iowait
    return 0.0


class _CpuMeter:
    """CPU used between start() and stop(), by the worker, this process (the sink), the databases
    and everything else on the machine."""

    def __init__(self, worker_pid: int) -> None:
        self.worker_pid = worker_pid

    def _sample(self) -> dict[str, float]:
        return {
            "worker": sum(_process_cpu(pid) for pid in _descendants(self.worker_pid)),
            "sink": time.process_time(),  # this process: the SMTP sink's thread and a polling loop
            **_servers_cpu(),
            "machine": _machine_busy(),
        }

    def start(self) -> None:
        self.before = self._sample()

    def stop(self, *, producers: float, emails: int) -> dict[str, float]:
        """CPU milliseconds per email; "other" is what processes outside this benchmark used."""
        after = self._sample()
        used = {key: after[key] - self.before[key] for key in after}
        used["producers"] = producers
        ours = sum(value for key, value in used.items() if key != "machine")
        used["other"] = max(0.0, used.pop("machine") - ours)
        return {key: round(value * 1000 / max(emails, 1), 2) for key, value in used.items()}


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


def _run(
    *,
    mode: str,
    n: int,
    batch: int,
    producers: int,
    sink: SmtpSink,
    worker_pid: int,
    first_index: int,
    stall_timeout: float,
) -> dict:
    from django.db import connection

    from partnerhub.core.models import OutboundEmail

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {OutboundEmail._meta.db_table}")  # noqa: S608 - a model's table name
    sink.reset()
    clock_offset = time.time() - time.monotonic()
    context = multiprocessing.get_context("spawn")
    ready, go, result = context.Queue(), context.Event(), context.Queue()
    share = math.ceil(n / producers)
    slices = [range(first_index + k, min(first_index + n, first_index + k + share)) for k in range(0, n, share)]
    producer_processes = [
        context.Process(target=_produce, args=(mode, indexes, batch, ready, go, result), daemon=True)
        for indexes in slices
    ]
    for process in producer_processes:
        process.start()
    for _ in producer_processes:
        ready.get(timeout=60)  # every producer has Django set up and its broker connection open
    load_before = os.getloadavg()[0]
    meter = _CpuMeter(worker_pid)
    meter.start()
    go.set()

    last_count, last_progress = -1, time.monotonic()
    while sink.messages < n:
        time.sleep(0.05)
        if sink.messages != last_count:
            last_count, last_progress = sink.messages, time.monotonic()
        elif time.monotonic() - last_progress > stall_timeout:
            _log(f"no delivery for {stall_timeout:.0f} s; giving up with {sink.messages} of {n}")
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
        "p95_ms": round(_percentile(latencies, 0.95), 1) if latencies else None,
        "p99_ms": round(_percentile(latencies, 0.99), 1) if latencies else None,
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
    }
    run["meets_target"] = run["emails_per_s"] >= TARGETS[mode]
    return run


# --- the report ---------------------------------------------------------------------------------


def _machine() -> dict:
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


def _markdown(report: dict) -> str:
    machine = report["machine"]
    lines = [
        "# Outbox throughput: partnership invitations to an SMTP sink",
        "",
        f"Measured {report['started_at']} by `bench/load/mail.py` on {machine['cpu']}, {machine['cores']} cores; "
        f"Python {machine['python']}, Django {machine['django']}, Celery {machine['celery']}, "
        f"PostgreSQL {machine['postgresql']}.",
        f"Worker: `celery worker -P prefork -c {report['worker_concurrency']}` with `{report['settings']}` "
        f"(acks_late, prefetch 1); batch size {report['batch_size']}; {report['producers']} producer processes. "
        "Sink, worker, producers, PostgreSQL and Redis share the machine.",
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
    lines += ["", f"Result: {'PASS' if report['ok'] else 'FAIL'} (lost = 0 and duplicates = 0 in every run).", ""]
    return "\n".join(lines)


# --- main ---------------------------------------------------------------------------------------


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
    database_url, database = _scratch_url(server_url, args.database)
    redis_url = os.environ["REDIS_URL"]
    if _create_database(server_url, database):
        _log(f"created the scratch database {database}")
    queue_name = f"bench-mail-{os.getpid()}"
    sink = SmtpSink().start()
    os.environ.update(
        _production_environment(
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
    worker, nodename = _start_worker(queue_name=queue_name, concurrency=args.concurrency)
    report = {
        "started_at": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "machine": _machine(),
        "worker_concurrency": args.concurrency,
        "batch_size": args.batch_size,
        "settings": args.settings,
        "producers": args.producers,
        "runs": [],
    }
    try:
        _wait_for_worker(worker, nodename)
        _log(f"worker {nodename} up; SMTP sink on 127.0.0.1:{sink.port}; database {database}")
        first_index = 0
        if args.warmup:  # forked pool processes open their database connections, imports settle
            for mode in args.modes:
                _run(
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
                _log(f"{mode}: {n:,} emails …")
                run = _run(
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
                _log(
                    f"{mode} N={n:,}: {run['seconds']:.2f} s, {run['emails_per_s']:.0f} emails/s, "
                    f"p95 {run['p95_ms']} ms, {run['smtp_connections']:,} SMTP connections, "
                    f"lost {run['lost']}, duplicates {run['duplicates']}"
                )
    finally:
        _stop_worker(worker)
        sink.stop()
        with contextlib.suppress(Exception), app.connection_for_write() as broker:
            broker.default_channel.client.delete(  # leftover empty batch wake-ups, kombu's bindings
                queue_name, f"_kombu.binding.{queue_name}", f"_kombu.binding_permanent.{queue_name}"
            )
        from django.db import connections

        connections.close_all()
        if args.drop_database:
            _drop_database(server_url, database)
            _log(f"dropped the scratch database {database}")
    report["ok"] = all(run["lost"] == 0 and run["duplicates"] == 0 for run in report["runs"])
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    args.output.with_suffix(".md").write_text(_markdown(report))
    print(_markdown(report))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
