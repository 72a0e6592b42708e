"""`make chaos`: fault injection with real processes on loopback (reliability.md §7.6), scenarios F1–F9.

    .venv/bin/python bench/chaos/run.py [--only F1 F3] [--emails-scale 0.25] [--beat-outage 75]

Starts its own PostgreSQL (pg_ctl, .data/chaos/pg), Redis (no persistence), gunicorn (2 sync workers),
a prefork Celery worker (-c 2), Celery beat, an SMTP sink and a webhook receiver, all under
`bench.chaos.settings` (production settings, broker visibility_timeout 30 s, sweeps every 15 s, webhook retries
shortened). After each scenario a ledger compares the outbox rows created during it with the idempotency keys the
sink received (F9: the webhook events with the ids the receiver kept): lost must be 0, duplicates 0 (≤ 1 per
SIGKILL, ≤ the injected drops, ≤ the deliveries in flight at a kill), plus business consistency and the HTTP 5xx
count. Prints a table, writes bench/chaos/report.md and bench/chaos/report.json, exits 1 if any scenario failed. See
bench/chaos/README.md.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.chaos import faults_celery, faults_servers, faults_smtp, faults_webhooks, report  # noqa: E402
from bench.chaos.config import SEED_FACTOR, Failure  # noqa: E402
from bench.chaos.harness import Harness  # noqa: E402
from bench.chaos.stack import log  # noqa: E402
from bench.load import client  # noqa: E402
from bench.load.machine import load_average  # noqa: E402

SCENARIOS = ["F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9"]


class Chaos:
    """One `make chaos`: the scenarios in turn on one harness, each judged, the report rewritten after each."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.harness = Harness(args)
        self.report_json = Path(args.report_dir) / "report.json"
        self.report_md = Path(args.report_dir) / "report.md"
        self.results: list[dict] = []

    def run(self) -> int:
        h = self.harness
        started = datetime.now(UTC)
        self.load_start = load_average()
        h.start()
        baseline = h.ledger.consistency()
        scenarios = {
            "F1": ("Celery worker SIGKILL ×5", faults_celery.f1_worker_sigkill),
            "F2": ("Celery worker SIGTERM mid-batch", faults_celery.f2_worker_sigterm),
            "F3": (f"Redis down {self.args.f3_outage:.0f} s, back empty", faults_servers.f3_redis_outage),
            "F4": ("SMTP down 90 s", faults_smtp.f4_smtp_down),
            "F5": ("SMTP drops 5% before 250", faults_smtp.f5_smtp_drops),
            "F6": ("pg_ctl restart -m fast under load", faults_servers.f6_postgres_restart),
            "F7": ("gunicorn worker SIGKILL during accepts", faults_servers.f7_gunicorn_kill),
            "F8": ("beat killed, reminders due", faults_celery.f8_beat_outage),
            "F9": (
                f"webhooks: worker SIGKILL mid-delivery ×{self.args.f9_kills}, receiver down "
                f"{self.args.f9_outage:.0f} s + 503 {self.args.f9_unavailable:.0f} s",
                faults_webhooks.f9_webhooks,
            ),
        }
        for key in self.args.only or SCENARIOS:
            title, scenario = scenarios[key]
            h.ensure_up()
            h.sink.reset()
            h.http.reset()
            log(f"{key}: {title}")
            began = time.monotonic()
            try:
                result = scenario(h)
            except Exception as exc:  # noqa: BLE001 - recorded as a failed scenario; the others still run
                log(f"{key} broke: {type(exc).__name__}: {exc}")
                result = {"pass": False, "error": f"{type(exc).__name__}: {exc}", "ledger": {}}
            result.setdefault("http", h.http.summary())
            if result["http"].get("unexpected"):
                result["pass"] = False
                first = result["http"]["unexpected_sample"][0]
                log(f"{key}: FAIL: {result['http']['unexpected']} answers were not the page asked for; the first: "
                    f"{first['method']} {first['path']} → {first['status']} {first['location']}".rstrip())  # fmt: skip
            consistency = h.ledger.consistency()
            result["consistency"] = {k: consistency[k] - baseline[k] for k in consistency}
            if any(result["consistency"].values()):
                result["pass"] = False
            result |= {"id": key, "title": title, "seconds": round(time.monotonic() - began, 1)}
            self.results.append(result)
            log(f"{key}: {'PASS' if result['pass'] else 'FAIL'} {json.dumps(result.get('ledger', {}))}")
            self.write_report(started)
        self.write_report(started)
        print(report.table(self.results))
        return 0 if all(r["pass"] for r in self.results) else 1

    def write_report(self, started: datetime) -> None:
        report.write(
            self.report_json,
            self.report_md,
            started=started,
            load_start=self.load_start,
            args=self.args,
            database=self.harness.database_info,
            results=self.results,
        )

    def stop(self) -> None:
        self.harness.stop()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/chaos/run.py", description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=SCENARIOS, type=str.upper, help="run these scenarios only")
    parser.add_argument("--emails-scale", type=float, default=1.0, help="multiply F1/F2/F4/F5/F6's email counts")
    parser.add_argument("--beat-outage", type=float, default=75.0, help="seconds beat stays dead in F8 (75)")
    parser.add_argument("--pg-load-seconds", type=float, default=90.0, help="F6's load duration (90)")
    parser.add_argument("--reseed", action="store_true", help="migrate and seed the template database again")
    parser.add_argument("--seed-factor", default=SEED_FACTOR, help=f"seed_bench --factor ({SEED_FACTOR})")
    parser.add_argument("--f3-invitations", type=int, default=200, help="F3's invitations created over HTTP (200)")
    parser.add_argument("--f3-outage", type=float, default=30.0, help="seconds Redis stays down in F3 (30)")
    parser.add_argument("--f7-accepts", type=int, default=100, help="F7's partnership accepts (100)")
    parser.add_argument("--f7-kills", type=int, default=10, help="F7's gunicorn worker kills, at most (10)")
    parser.add_argument("--f9-events", type=int, default=300, help="F9's webhook events (300)")
    parser.add_argument("--f9-produce", type=float, default=90.0, help="seconds F9's events are spread over (90)")
    parser.add_argument("--f9-kills", type=int, default=3, help="F9's worker SIGKILLs mid-delivery (3)")
    parser.add_argument("--f9-hold", type=float, default=1.0,
                        help="seconds the receiver holds its 200 while a kill is due (1)")  # fmt: skip
    parser.add_argument("--f9-outage", type=float, default=120.0, help="seconds F9's receiver is down (120)")
    parser.add_argument("--f9-unavailable", type=float, default=30.0,
                        help="seconds F9's receiver then answers 503 (30)")  # fmt: skip
    parser.add_argument("--note", help="a paragraph for the top of the report")
    parser.add_argument(
        "--report-dir", default=str(ROOT / "bench" / "chaos"), help="where report.json and report.md go"
    )
    args = parser.parse_args(argv)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    chaos = Chaos(args)

    def terminate(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, terminate)
    signal.signal(signal.SIGTERM, terminate)
    try:
        return chaos.run()
    except KeyboardInterrupt:
        log("interrupted; stopping everything this run started")
        return 130
    except (Failure, client.SignInError, subprocess.CalledProcessError, RuntimeError) as exc:
        log(f"FAILED: {exc}")
        return 1
    finally:
        chaos.stop()


if __name__ == "__main__":
    sys.exit(main())
