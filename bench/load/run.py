"""`make bench`: the HTTP benchmark of performance.md §3, end to end, on this machine.

    .venv/bin/python bench/load/run.py [--scales 1 10 whale] [--rounds 5] [--duration 20] [--latency-duration 60]
                                  [--hold 0] [--sweep-workers] [--seed-factor F] [--reseed]

For each scale: a PostgreSQL cluster with pg_stat_statements (seeded once by `manage.py seed_bench`, then
copied fresh for every run), Redis, gunicorn under production settings; sign in through the real form; then
warm-up, a DB-truth pass, R rounds of wrk per endpoint against the one-query ceiling, open-loop latency at 60%
of each endpoint's max, memory, and optionally a held mixed load with a Celery worker sending email. Writes
bench/load/report.json and bench/load/report.md. See bench/README.md.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.load import client, machine, pg_cluster, phases, processes, redis_server, report, throughput  # noqa: E402
from bench.load.api_endpoints import by_name as api_endpoint_names  # noqa: E402
from bench.load.api_endpoints import resolve_api  # noqa: E402
from bench.load.endpoints import CEILING_PATH, HELLO_PATH, Endpoint, WorkerConfig, resolve, sign_in_all  # noqa: E402
from bench.load.hold import hold  # noqa: E402
from bench.load.seeded import Databases  # noqa: E402
from bench.load.serving import LOGS, Server  # noqa: E402
from bench.load.stack import log  # noqa: E402


class Bench:
    """One `make bench`: the servers, then each scale's database and phases, and the report after each scale."""

    def __init__(self, args: argparse.Namespace, registry: processes.Processes):
        self.args = args
        self.server = Server(args.settings, registry)
        self.worker_config = WorkerConfig(args.worker_class, args.workers, args.threads)
        self.swept = False
        self.report: dict = {
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "environment": {},
            "config": {},
            "scales": {},
        }
        self.databases = Databases(args, self.server, self.report)
        self.out_json = Path(args.output_dir) / "report.json"
        self.out_md = Path(args.output_dir) / "report.md"

    def run_scale(self, scale: str) -> None:
        args, server = self.args, self.server
        log(f"=== scale {scale} ===")
        result: dict = {"warnings": []}
        self.report["scales"][scale] = result
        owner_url, database_url, stats, manifest, warnings = self.databases.prepare(scale)
        if not manifest.get("totp_secret"):
            raise RuntimeError("the manifest has no totp_secret: seeded before the principals had two-step sign-in; "
                               "run again with --reseed")  # fmt: skip
        result["warnings"] += warnings
        result["manifest"] = {k: manifest.get(k) for k in ("scale", "factor", "seconds", "counts")}
        known = {spec["name"] for spec in manifest["endpoints"]} | set(api_endpoint_names())
        if unknown := sorted(set(args.endpoints or []) - known):
            raise RuntimeError(f"--endpoints: no endpoint named {', '.join(unknown)} (the manifest's pages and "
                               "bench/load/api_endpoints.py)")  # fmt: skip
        if server.own_redis:
            redis_server.redis_command(server.redis_url, "FLUSHALL")
        if not self.swept and args.sweep_workers:
            self.worker_config, self.report["config"]["sweep"] = phases.sweep(server, args, database_url, manifest)
            self.swept = True
        self.report["config"]["worker_config"] = self.worker_config.label
        server.start_gunicorn(database_url, self.worker_config, scale)
        memory = {"start": server.memory()}
        principals = sign_in_all(server.port, manifest, args.endpoints)
        endpoints = resolve(server.port, manifest, principals, result["warnings"], args.endpoints)
        api_endpoints, api_callers = resolve_api(server.port, manifest, result["warnings"], args.endpoints)
        endpoints += api_endpoints
        # gunicorn's connections (kept between requests, CONN_MAX_AGE) must all be the app role's, under RLS.
        database = urlparse(database_url).path.lstrip("/")
        result["database"] = {
            "app_url_role": urlparse(database_url).username,
            "connections": pg_cluster.check_app_role(owner_url, database, what=f"scale {scale}"),
            "sign_in": "password + two-step code (TOTP)",
        }
        log(f"connected to {database} as {result['database']['connections']}")
        ceiling = Endpoint("ceiling", principal=principals["provider"], path=CEILING_PATH, port=server.port)
        hello = Endpoint("hello", path=HELLO_PATH, port=server.port, context_only=True)  # anonymous: no DB at all
        everything = [ceiling, hello, *endpoints]
        measured: dict[str, dict] = {e.name: e.describe() for e in everything}
        result["endpoints"] = measured

        phases.warm_up(server, everything, args.warmup)
        memory["warm"] = server.memory()
        phases.db_truth_pass(server, everything, stats, args.db_requests, measured, result["warnings"])
        rounds = phases.throughput_rounds(server, args, everything, endpoints)
        phases.compare_to_ceiling(rounds, everything, measured, result["warnings"])
        if args.latency_duration > 0:
            phases.latency_runs(server, args, everything, measured, result["warnings"])
        memory["end"] = server.memory()
        phases.count_errors(everything, measured)
        result["memory"] = phases.memory_summary(memory)
        for endpoint in endpoints:
            if endpoint.pool:
                measured[endpoint.name]["pool_left"] = len(endpoint.pool.remaining)
        if args.hold > 0:
            result["hold"] = hold(server, args, database_url, manifest, everything, measured)
        if api_callers:
            api = manifest.get("api") or {}
            result["api"] = {
                "requests_per_minute": api.get("requests_per_minute"),
                "budget": api.get("budget"),
                "clients": {name: caller.describe() for name, caller in api_callers.items()},
            }
        server.stop_gunicorn()
        self.databases.release()

    def run(self) -> None:
        throughput.wrk_binary()
        LOGS.mkdir(parents=True, exist_ok=True)
        self.report["environment"] = machine.environment()
        self.report["config"] |= {
            "scales": self.args.scales,
            "rounds": self.args.rounds,
            "duration": self.args.duration,
            "latency_duration": self.args.latency_duration,
            "warmup": self.args.warmup,
            "db_requests": self.args.db_requests,
            "hold": self.args.hold,
            "load_generator": f"wrk -t{throughput.THREADS} -c{throughput.CONNECTIONS} (throughput); "
            "bench/load/loadgen.py open loop (latency)",
            "seed_factor": self.args.seed_factor,
            "shuffle_seed": self.args.seed,
            "settings": self.args.settings,
        }
        if self.args.note:
            self.report["note"] = self.args.note
        self.out_json.parent.mkdir(parents=True, exist_ok=True)
        self.server.start_redis()
        self.report["environment"]["redis"] = machine.redis_version(self.server.redis_url)
        self.server.manage(["collectstatic", "--noinput"], "postgres://unused@127.0.0.1:1/unused")
        try:
            for scale in self.args.scales:
                self.run_scale(scale)
                report.write(self.out_json, self.out_md, self.report)
        finally:
            self.report["environment"]["load_average_end"] = machine.load_average()
            if self.report["scales"]:
                report.write(self.out_json, self.out_md, self.report)
        misses = [row for row in self.report["targets"] if row["status"] == "miss"]
        log(f"wrote {_shown(self.out_json)} and {_shown(self.out_md)}")
        if misses:
            print("\nTargets MISSED:", file=sys.stderr)
            for row in misses:
                print(
                    f"  ✗ [{row['scale']}] {row['target']}: {row['measured']} (target {row['limit']})", file=sys.stderr
                )
        for scale, data in self.report["scales"].items():
            for warning in data.get("warnings", []):
                print(f"  ⚠ [{scale}] {warning}", file=sys.stderr)


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/load/run.py", description=__doc__.splitlines()[0])
    parser.add_argument("--scales", nargs="+", default=["1"], help="seed_bench scales to run, e.g. 1 10 whale")
    parser.add_argument("--rounds", type=int, default=5, help="throughput rounds; the first is discarded")
    parser.add_argument("--duration", type=float, default=20, help="seconds per endpoint per round")
    parser.add_argument("--latency-duration", type=float, default=60, help="seconds per endpoint at 60%% (0: skip)")
    parser.add_argument("--warmup", type=float, default=30, help="warm-up seconds, shared by all endpoints")
    parser.add_argument("--db-requests", type=int, default=100, help="sequential requests per endpoint for DB truth")
    parser.add_argument("--hold", type=float, default=0, help="seconds of held mixed load with email (0: none)")
    parser.add_argument("--hold-emails", type=int, default=2000, help="invitation emails sent during the hold")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", choices=["sync", "gthread"], default="sync")
    parser.add_argument("--threads", type=int, default=1, help="threads per gthread worker")
    parser.add_argument("--sweep-workers", action="store_true", help="try sync 2/3/4 and gthread 2×4, keep the best")
    parser.add_argument("--seed-factor", type=float, help="passed to seed_bench --factor (smaller data, quick runs)")
    parser.add_argument("--reseed", action="store_true", help="seed again even if .data/bench has this scale")
    parser.add_argument("--endpoints", nargs="+", help="only these manifest endpoints (plus ceiling and hello)")
    parser.add_argument(
        "--settings", default="bench.settings", help="the app's settings module: bench.settings or one built on it"
    )
    parser.add_argument("--seed", type=int, default=20260101, help="seed of the per-round shuffles")
    parser.add_argument("--output-dir", default=str(ROOT / "bench" / "load"), help="where report.json and report.md go")
    parser.add_argument("--note", help="a paragraph for the top of the report (why this configuration, say)")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.duration <= 0:
        parser.error("--rounds must be ≥ 1 and --duration > 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    registry = processes.Processes()

    def terminate(signum, frame):
        raise KeyboardInterrupt

    # Explicitly: a shell that starts the bench in the background leaves SIGINT ignored; Ctrl-C must always stop it.
    signal.signal(signal.SIGINT, terminate)
    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGHUP, terminate)
    try:
        Bench(args, registry).run()
    except KeyboardInterrupt:
        log("interrupted; stopping everything this run started")
        return 130
    except (RuntimeError, client.SignInError, subprocess.CalledProcessError) as exc:
        log(f"FAILED: {exc}")
        return 1
    finally:
        registry.stop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
