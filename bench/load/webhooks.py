"""`make bench-webhooks`: webhook deliveries per second from the outbox to a local receiver, with none lost.

    .venv/bin/python bench/load/webhooks.py [--n 2000] [--concurrency 2] [--output bench/load/report-webhooks.json]

For each worker concurrency (`--concurrency 2 4` runs twice), a producer process (bench/load/webhook_producer.py)
makes N `test-created` events for one endpoint through the real services (`webhook_send_test`, one transaction
each: event, delivery row, audit line, `webhook_deliver_task` queued on commit), with no worker running. Then a real
Celery worker starts (`-P prefork`, production settings: acks_late, prefetch 1) and delivers them: claim with a
lease, sign with the endpoint's secret (Standard Webhooks), POST through the SSRF-checked egress
(api/webhooks/egress.py; loopback allowed by WEBHOOK_ALLOW_PRIVATE_ADDRESSES=true, the bench's only change to the
production settings besides the test events' per-minute limit), record the attempt. The receiver
(bench/load/webhook_receiver.py, a threaded stdlib server in this process) verifies every signature with the
`standardwebhooks` library and answers 200.

Deliveries/s run from the receiver's first verified delivery to its last: (delivered − 1) / seconds. Lost = events
the producer made that never arrived verified; duplicates = verified arrivals beyond the first per `webhook-id`.
Exit status 1 if any run lost or duplicated one, or left a delivery row other than delivered.

Servers, as `make bench`: with BENCH_DATABASE_URL (an owner's URL; the smoke test's copy of the test database) it
migrates and uses that database; otherwise it starts its own PostgreSQL cluster in .data/bench/pg-webhooks (the
system binaries, the bench's throughput settings) and serves a fresh copy of a migrated template database every
run. Redis: REDIS_URL, else its own memory-only redis-server. The producer and the worker connect as the app role
(`partnerhub_app`: no table owned, no BYPASSRLS), as gunicorn does in `make bench`; the report records the roles
seen on the database while the worker delivered. Results: bench/load/report-webhooks.{json,md}.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.load import pg_cluster, processes, redis_server  # noqa: E402 - needs ROOT on sys.path as a script
from bench.load.machine import load_average  # noqa: E402
from bench.load.mail_cpu import CpuMeter, cpu_bound_causes, descendants, process_cpu  # noqa: E402
from bench.load.serving import LOGS, PYTHON, Server  # noqa: E402
from bench.load.stack import DATA, log  # noqa: E402
from bench.load.webhook_receiver import WebhookReceiver  # noqa: E402

REPORT_JSON = ROOT / "bench" / "load" / "report-webhooks.json"
DATABASE = "partnerhub_webhooks"
# Deliveries per second the 2 prefork workers should reach on 2 cores: the bar one-email-per-task sending has
# (performance.md: ≥300 emails/s). A delivery is also one task's one network send, plus its signature and the
# egress check; a miss is reported with its measured cause (CPU per delivery, the rate the cores could give).
DELIVERIES_TARGET = 300
TEMPLATE = "partnerhub_webhooks_template"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/load/webhooks.py", description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="events per run (2000)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[2], help="prefork processes, one run each (2)")
    parser.add_argument("--settings", default="bench.settings", help="settings module (bench.settings: production's)")
    parser.add_argument("--stall-timeout", type=float, default=30.0, help="give up after this long without delivery")
    parser.add_argument("--boot-timeout", type=float, default=120.0, help="wait this long for the first delivery")
    parser.add_argument("--output", type=Path, default=REPORT_JSON, help="the JSON report; .md goes next to it")
    return parser.parse_args(argv)


class ServersMeter(CpuMeter):
    """mail_cpu's meter, with PostgreSQL and Redis counted from the servers this run started (the postmaster with
    the backends it has reaped, and its live children; our redis-server) rather than every such process on the
    machine, which another harness's servers starting or stopping meanwhile would skew. Servers given by URL fall
    back to the machine-wide count."""

    def __init__(self, worker_pid: int, postgres_pid: int | None, redis_pid: int | None) -> None:
        super().__init__(worker_pid)
        self.postgres_pid, self.redis_pid = postgres_pid, redis_pid

    def _sample(self) -> dict[str, float]:
        sample = super()._sample()
        if self.postgres_pid:
            live = [pid for pid in descendants(self.postgres_pid) if pid != self.postgres_pid]
            sample["postgres"] = process_cpu(self.postgres_pid, reaped_children=True) + sum(map(process_cpu, live))
        if self.redis_pid:
            sample["redis"] = process_cpu(self.redis_pid)
        return sample


def _percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


class WebhookBench:
    def __init__(self, args: argparse.Namespace, registry: processes.Processes) -> None:
        self.args = args
        self.registry = registry
        self.server = Server(args.settings, registry)
        self.receiver = WebhookReceiver().start()
        self.queue = f"bench-webhooks-{os.getpid()}"
        self.endpoint: dict | None = None  # {"endpoint": id, "actor": id}
        self.owner_url = self.app_url = ""
        self.cluster: pg_cluster.Postgres | None = None

    def server_pids(self) -> tuple[int | None, int | None]:
        """The postmaster and redis-server this run started (None: given by URL)."""
        postgres = self.cluster.proc.pid if self.cluster and self.cluster.proc else None
        redis = next((child.proc.pid for child in self.registry.children if child.name == "redis"), None)
        return postgres, redis

    # --- servers -------------------------------------------------------------------------------------------------
    def database(self) -> None:
        """The owner's URL (migrations) and the app role's (producer, worker) of a migrated database."""
        if os.environ.get("BENCH_DATABASE_URL"):
            self.owner_url = os.environ["BENCH_DATABASE_URL"]
            self.server.manage(["migrate", "--noinput"], self.owner_url)
        else:
            cluster = pg_cluster.Postgres(datadir=DATA / "pg-webhooks", processes=self.registry)
            cluster.start()
            self.cluster = cluster
            if not cluster.execute("postgres", "SELECT 1 FROM pg_database WHERE datname = %s", [TEMPLATE]):
                cluster.execute("postgres", f'CREATE DATABASE "{TEMPLATE}"')
            self.server.manage(["migrate", "--noinput"], cluster.url(TEMPLATE))  # a no-op once migrated
            cluster.execute("postgres", f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
            cluster.execute("postgres", f'CREATE DATABASE "{DATABASE}" TEMPLATE "{TEMPLATE}"')
            self.owner_url = cluster.url(DATABASE)
        self.app_url = pg_cluster.as_role(self.owner_url, pg_cluster.APP_ROLE)

    def env(self) -> dict[str, str]:
        return self.server.app_env(
            self.app_url,
            CELERY_TASK_DEFAULT_QUEUE=self.queue,
            WEBHOOK_ALLOW_PRIVATE_ADDRESSES="true",  # the receiver is on loopback
            WEBHOOK_TEST_EVENTS_PER_MINUTE=str(10**9),  # N test events within a minute
            LOG_LEVEL="WARNING",
        )

    def produce(self, n: int) -> dict:
        out = LOGS / f"webhooks-producer-{os.getpid()}.json"
        argv = [PYTHON, str(ROOT / "bench" / "load" / "webhook_producer.py"), "--url", self.receiver.url,
                "--n", str(n), "--out", str(out)]  # fmt: skip
        if self.endpoint:
            argv += ["--endpoint", str(self.endpoint["endpoint"]), "--actor", str(self.endpoint["actor"])]
        done = subprocess.run(argv, env=self.env(), cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
        (LOGS / "webhooks-producer.log").write_text(done.stdout + done.stderr)
        if done.returncode != 0:
            raise RuntimeError(f"the producer failed:\n{(done.stdout + done.stderr)[-3000:]}")
        result = json.loads(out.read_text())
        out.unlink()
        if "secret" in result:
            self.receiver.secret = result.pop("secret")
        self.endpoint = {"endpoint": result["endpoint"], "actor": result["actor"]}
        return result

    def start_worker(self, concurrency: int):
        nodename = f"{self.queue}-c{concurrency}@{platform.node() or 'localhost'}"
        argv = [PYTHON, "-m", "celery", "-A", "partnerhub", "worker", "-P", "prefork", "-c", str(concurrency),
                "-Q", self.queue, "-n", nodename, "--loglevel", "WARNING",
                "--without-gossip", "--without-mingle"]  # fmt: skip
        return self.registry.start("celery", argv, env=self.env(), log_path=LOGS / "webhooks-celery.log")

    # --- one run -------------------------------------------------------------------------------------------------
    def run(self, n: int, concurrency: int) -> dict:
        self.receiver.reset()
        log(f"producing {n:,} events through webhook_send_test …")
        produced = self.produce(n)
        event_ids = produced["event_ids"]
        log(f"produced {len(event_ids):,} in {produced['finished'] - produced['started']:.1f} s; starting the worker")
        statements = self.reset_statements()
        worker = self.start_worker(concurrency)
        launched = time.monotonic()
        meter: CpuMeter | None = None
        roles: dict = {}
        last_count, last_progress = 0, launched
        try:
            while self.receiver.unique < n:
                time.sleep(0.01)
                count = self.receiver.unique
                if count and meter is None:
                    meter = ServersMeter(worker.pid, *self.server_pids())
                    meter.start()
                if not roles and count >= n // 2:  # the worker's connections while it delivers
                    roles = pg_cluster.database_roles(self.owner_url, urlsplit(self.owner_url).path.lstrip("/"))
                if count != last_count:
                    last_count, last_progress = count, time.monotonic()
                elif worker.poll() is not None:
                    raise RuntimeError(f"the Celery worker exited with status {worker.returncode}; see its log")
                elif time.monotonic() - last_progress > (self.args.stall_timeout if count else self.args.boot_timeout):
                    log(f"no delivery for {time.monotonic() - last_progress:.0f} s; giving up at {count} of {n}")
                    break
            cpu = meter.stop(producers=0.0, emails=max(1, self.receiver.unique)) if meter else {}
            if not roles:  # all arrived between two looks: the worker's connections are still open (CONN_MAX_AGE)
                roles = pg_cluster.database_roles(self.owner_url, urlsplit(self.owner_url).path.lstrip("/"))
            time.sleep(1.0)  # a late duplicate, if any, arrives now
        finally:
            self.registry.stop(worker)
        run = self.summary(n, concurrency, produced, launched, cpu, roles)
        run["statements"] = self.read_statements(n) if statements else None
        return run

    def _maintenance_url(self) -> str:
        return urlsplit(self.owner_url)._replace(path="/postgres").geturl()

    def reset_statements(self) -> bool:
        """Zero pg_stat_statements before the worker starts, if the server has it (the bench's own cluster does)."""
        try:
            pg_cluster.query(self._maintenance_url(), "SELECT pg_stat_statements_reset()")
        except Exception:  # noqa: BLE001 - not installed (a BENCH_DATABASE_URL server): the figure is left out
            return False
        return True

    def read_statements(self, n: int) -> dict:
        """What the worker asked of the database per delivery: the app role's statements on the bench database
        since the reset (its connections' set-up included, BEGIN/COMMIT and SET counted as statements)."""
        rows = pg_cluster.query(
            self._maintenance_url(),
            "SELECT s.query, s.calls, s.total_exec_time FROM pg_stat_statements s "
            "JOIN pg_database d ON d.oid = s.dbid JOIN pg_roles r ON r.oid = s.userid "
            "WHERE d.datname = %s AND r.rolname = %s ORDER BY s.calls DESC",
            [urlsplit(self.owner_url).path.lstrip("/"), pg_cluster.APP_ROLE],
        )
        calls = sum(row[1] for row in rows)
        return {
            "per_delivery": round(calls / max(n, 1), 2),
            "exec_ms_per_delivery": round(sum(row[2] for row in rows) / max(n, 1), 3),
            "top": [
                {"calls_per_delivery": round(count / max(n, 1), 2), "query": " ".join(text.split())[:300]}
                for text, count, _ in rows[:12]
            ],  # fmt: skip
        }

    def summary(self, n: int, concurrency: int, produced: dict, launched: float, cpu: dict, roles: dict) -> dict:
        ids = dict(self.receiver.ids)
        expected = set(produced["event_ids"])
        arrivals = sorted(self.receiver.first_at.values())
        span = arrivals[-1] - arrivals[0] if len(arrivals) > 1 else 0.0
        rows = pg_cluster.query(
            self.owner_url,
            "SELECT d.status, count(*), sum(d.attempts) FROM api_webhookdelivery d WHERE d.endpoint_id = %s "
            "GROUP BY d.status",
            [self.endpoint["endpoint"]],
        )
        attempts = pg_cluster.query(
            self.owner_url,
            "SELECT a.duration_ms, a.status_code FROM api_webhookattempt a JOIN api_webhookdelivery d "
            "ON d.id = a.delivery_id WHERE d.endpoint_id = %s AND a.at >= to_timestamp(%s)",
            [self.endpoint["endpoint"], produced["started"]],
        )
        durations = [float(duration) for duration, _ in attempts]
        produce_seconds = produced["finished"] - produced["started"]
        return {
            "n": n,
            "concurrency": concurrency,
            "seconds": round(span, 3),
            "deliveries_per_s": round((len(arrivals) - 1) / span, 1) if span > 0 else 0.0,
            "worker_start_to_last_s": round(arrivals[-1] - launched, 3) if arrivals else None,
            "produce_seconds": round(produce_seconds, 3),
            "produce_per_s": round(n / produce_seconds, 1) if produce_seconds > 0 else 0.0,
            "delivered": sum(1 for key in ids if key in expected),
            "lost": len(expected - ids.keys()),
            "duplicates": sum(count - 1 for count in ids.values() if count > 1),
            "unexpected": sum(count for key, count in ids.items() if key not in expected),
            "rejected_signatures": self.receiver.rejected,
            "requests": self.receiver.requests,
            "delivery_rows": {status: count for status, count, _ in rows},
            "attempts": len(attempts),
            "failed_attempts": sum(1 for _, code in attempts if code is None or not 200 <= code < 300),
            "attempt_ms_p50": _percentile(durations, 0.5),
            "attempt_ms_p95": _percentile(durations, 0.95),
            "cpu_ms_per_delivery": {
                ("receiver" if key == "sink" else key): value for key, value in cpu.items() if key != "producers"
            },  # fmt: skip
            "database_roles": roles,
            "load_average": load_average(),
        }

    def stop(self) -> None:
        self.receiver.stop()
        if self.server.redis_url and not self.server.own_redis:  # a shared Redis: remove the bench's queue
            for key in (self.queue, f"_kombu.binding.{self.queue}"):
                redis_server.redis_command(self.server.redis_url, "DEL", key)


def environment() -> dict:
    from importlib.metadata import version

    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))  # fmt: skip
    return {
        "cpu_model": cpu,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        **{name: version(name) for name in ("Django", "celery", "psycopg", "standardwebhooks", "urllib3")},
        "load_average_start": load_average(),
    }


def ok(run: dict) -> bool:
    rows = run["delivery_rows"]
    return (
        run["lost"] == 0 and run["duplicates"] == 0 and run["unexpected"] == 0 and run["delivered"] == run["n"]
        and set(rows) == {"delivered"} and rows["delivered"] >= run["n"]
    )  # fmt: skip


def markdown(report: dict) -> str:
    env = report["environment"]
    lines = [
        "# Webhook deliveries: the outbox to a local receiver",
        "",
        f"Measured {report['generated_at']} by `bench/load/webhooks.py` on {env['cpu_model']}, {env['cpus']} cores; "
        f"Python {env['python']}, Django {env['Django']}, Celery {env['celery']}, standardwebhooks "
        f"{env['standardwebhooks']}; settings `{report['settings']}` as the app role. Receiver, worker, PostgreSQL "
        "and Redis share the machine (load average at the start: " + env["load_average_start"] + ").",
        "",
        "N `test-created` events made through `webhook_send_test` (one transaction each) before the worker starts; "
        "then `celery worker -P prefork -c C` delivers them: claim, sign (Standard Webhooks), POST to "
        "127.0.0.1 through the SSRF-checked egress, record the attempt. The receiver verifies every signature "
        "with `standardwebhooks` and answers 200. *Deliveries/s* = (delivered − 1) / seconds from its first "
        "verified delivery to its last; *from start* is the worker's launch to the last delivery (boot "
        "included); *produce/s* is how fast the service made the events. CPU per delivery counts the worker and its "
        "pool, the receiver's process, and this run's own PostgreSQL and Redis servers; *other* is the rest of the "
        "machine meanwhile (other work on the cores, which lowers deliveries/s).",
        "",
        "| N | C | seconds | deliveries/s | target | from start s | produce/s | attempt p50/p95 ms | delivered "
        "| lost | duplicates | rows | CPU ms/delivery (worker + receiver + PostgreSQL + Redis) |",
        "|---:|---:|---:|---:|---|---:|---:|---|---:|---:|---:|---|---|",
    ]
    target = report.get("target_deliveries_per_s", DELIVERIES_TARGET)
    for run in report["runs"]:
        cpu = run["cpu_ms_per_delivery"]
        parts = ["worker", "receiver", "postgres", "redis"]
        cpu_text = " + ".join(f"{cpu.get(part, 0):.2f}" for part in parts) + f" (other {cpu.get('other', 0):.2f})"
        rows = ", ".join(f"{count:,} {status}" for status, count in sorted(run["delivery_rows"].items()))
        lines.append(
            f"| {run['n']:,} | {run['concurrency']} | {run['seconds']:.2f} | {run['deliveries_per_s']:.0f} "
            f"| ≥{target}{'' if run['deliveries_per_s'] >= target else ' (missed)'} "
            f"| {run['worker_start_to_last_s']} | {run['produce_per_s']:.0f} "
            f"| {run['attempt_ms_p50']} / {run['attempt_ms_p95']} | {run['delivered']:,} | {run['lost']} "
            f"| {run['duplicates']} | {rows} | {cpu_text} |"
        )
    lines += cpu_bound_causes(
        [
            (f"C = {run['concurrency']}, N = {run['n']:,}", run["cpu_ms_per_delivery"], target,
             run["deliveries_per_s"])
            for run in report["runs"]
            if run["deliveries_per_s"] < target
        ],
        cores=env.get("cpus") or 1,
        unit="delivery",
        rate="deliveries/s",
    )  # fmt: skip
    for run in report["runs"]:
        if run.get("statements"):
            statements = run["statements"]
            lines += [
                "",
                f"SQL per delivery (C = {run['concurrency']}; pg_stat_statements, the app role on the bench database "
                f"while the worker ran, its connections' set-up included): {statements['per_delivery']} statements, "
                f"{statements['exec_ms_per_delivery']} ms of execution. Most called:",
                "",
                "| per delivery | statement |",
                "|---:|---|",
                *(f"| {row['calls_per_delivery']} | `{row['query'][:160]}` |" for row in statements["top"][:8]),
            ]
    roles = {role for run in report["runs"] for role in run["database_roles"]}
    lines += [
        "",
        f"Database roles seen while the worker delivered: {', '.join(sorted(roles)) or 'none sampled'}.",
        "",
        f"Result: {'PASS' if report['ok'] else 'FAIL'} (every event delivered exactly once, every delivery row "
        "delivered).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    registry = processes.Processes()

    def terminate(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    LOGS.mkdir(parents=True, exist_ok=True)
    report: dict = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "environment": environment(),
        "settings": args.settings,
        "target_deliveries_per_s": DELIVERIES_TARGET,
        "runs": [],
    }
    bench = WebhookBench(args, registry)
    try:
        bench.server.start_redis()
        bench.database()
        for concurrency in args.concurrency:
            run = bench.run(args.n, concurrency)
            report["runs"].append(run)
            log(
                f"N={args.n:,} c={concurrency}: {run['deliveries_per_s']:.0f} deliveries/s "
                f"over {run['seconds']:.2f} s; "
                f"lost {run['lost']}, duplicates {run['duplicates']}, rows {run['delivery_rows']}"
            )
    finally:
        bench.stop()
        registry.stop_all()
    report["ok"] = bool(report["runs"]) and all(ok(run) for run in report["runs"])
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    args.output.with_suffix(".md").write_text(markdown(report))
    print(markdown(report))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
