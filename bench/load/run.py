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
import contextlib
import json
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.load import client, loadgen, pgstats, report, stack, throughput  # noqa: E402
from bench.load.stack import DATA, log  # noqa: E402

PYTHON = sys.executable
SEEDED_DB = "partnerhub_seeded"  # what seed_bench wrote, never served
RUN_DB = "partnerhub_bench"  # a fresh copy per run: the single-use invitation pool is whole again
CEILING_PATH = "/__bench/ceiling/"
HELLO_PATH = "/__bench/hello/"
LOGS = DATA / "logs"
TMP = DATA / "tmp"
LOAD_PCT = 60


# --- endpoints -----------------------------------------------------------------------------------------------


@dataclass
class Pool:
    """Single-use request paths (invitation links); each may be POSTed once."""

    source: Path
    remaining: list[str]
    initial: int = 0

    @classmethod
    def load(cls, path: Path) -> Pool:
        lines = [line.strip() for line in path.read_text().splitlines() if line.strip()]
        return cls(path, lines, len(lines))

    def pop(self) -> str | None:
        return self.remaining.pop(0) if self.remaining else None

    def write_slice(self, count: int, name: str) -> tuple[Path, list[str]]:
        lines = self.remaining[:count]
        TMP.mkdir(parents=True, exist_ok=True)
        path = TMP / f"{name}.paths"
        path.write_text("\n".join(lines) + "\n")
        return path, lines

    def consume(self, lines: list[str], sent_per_thread: list[dict], threads: int) -> int:
        """Drop what wrk's threads handed out: thread t took lines t, t+T, … in order (see pool.lua)."""
        used: set[int] = set()
        for row in sent_per_thread:
            indexes = list(range(int(row["thread"]), len(lines), threads))[: int(row["sent"])]
            used.update(indexes)
        if not sent_per_thread:  # no report from wrk: assume the whole slice is spent
            used = set(range(len(lines)))
        spent = {lines[i] for i in used}
        self.remaining = [line for line in self.remaining if line not in spent]
        return len(spent)


@dataclass
class Endpoint:
    name: str
    method: str = "GET"
    principal: client.Principal | None = None
    path: str | None = None
    pool: Pool | None = None
    form: dict[str, str] = field(default_factory=dict)
    expect_redirect: str | None = None  # a POST's answer: a redirect to this page; a GET's: 200
    port: int = 0
    context_only: bool = False  # hello: reported, never a target
    status: int | None = None
    bytes: int | None = None
    last_rps: float | None = None
    _n: int = 0

    @property
    def cookie(self) -> str:
        return self.principal.cookie_header if self.principal else ""

    def _xff(self) -> str:
        self._n += 1
        return f"172.{16 + hash(self.name) % 16}.{self._n // 256 % 256}.{self._n % 256}"

    def request(self, _: int = 0) -> loadgen.Request | None:
        headers = {"X-Forwarded-For": self._xff()}
        if self.method == "GET":
            if self.cookie:
                headers["Cookie"] = self.cookie
            return loadgen.Request("GET", self.path or "/", headers)
        path = self.pool.pop() if self.pool else None
        if path is None:
            return None
        headers |= self.principal.headers(self.port) | {"Content-Type": "application/x-www-form-urlencoded"}
        return loadgen.Request("POST", path, headers, urlencode(self.form).encode())

    def accepts(self, status: int, location: str = "") -> bool:
        """The answer the harness asked for: a GET's page (200), or a POST's redirect to `expect_redirect`."""
        if self.expect_redirect is None:
            return status == 200
        return status in (302, 303) and urlparse(location).path.startswith(self.expect_redirect)

    def check(self, what: str, method: str, path: str, status: int, location: str = "") -> None:
        if not self.accepts(status, location):
            raise client.UnexpectedResponse(f"{self.name} ({what})", method, path, status, location)

    def describe(self) -> dict:
        out = {"method": self.method, "principal": self.principal.name if self.principal else None}
        if self.path:
            out["path"] = self.path
        if self.pool:
            sample = (self.pool.remaining or [""])[0].rstrip("/").rsplit("/", 1)[0]
            out |= {"paths_file": str(self.pool.source), "pool_size": self.pool.initial,
                    "pool_pattern": f"{sample}/… ×{self.pool.initial} single-use"}  # fmt: skip
        if self.status is not None:
            out |= {"check_status": self.status, "bytes": self.bytes}
        return out


@dataclass
class WorkerConfig:
    kind: str = "sync"
    workers: int = 2
    threads: int = 1

    @property
    def label(self) -> str:
        return f"gthread {self.workers}×{self.threads}" if self.kind == "gthread" else f"sync ×{self.workers}"


# --- the run -------------------------------------------------------------------------------------------------


class Bench:
    def __init__(self, args: argparse.Namespace, processes: stack.Processes):
        self.args = args
        self.processes = processes
        self.secret_key = stack.secret_key(DATA)
        self.port = stack.free_port()
        self.redis_url = os.environ.get("REDIS_URL", "")
        self.own_redis = not self.redis_url
        self.worker_config = WorkerConfig(args.worker_class, args.workers, args.threads)
        self.swept = False
        self.gunicorn: subprocess.Popen | None = None
        self.report: dict = {
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "environment": {},
            "config": {},
            "scales": {},
        }
        self.out_json = Path(args.output_dir) / "report.json"
        self.out_md = Path(args.output_dir) / "report.md"

    # -- plumbing --

    def app_env(self, database_url: str, **extra: str) -> dict[str, str]:
        """Production settings, loopback-only, plain HTTP, emails kept in memory; everything set explicitly so a
        developer's .env or .data/embedded.env cannot point the app elsewhere."""
        skip = ("DJANGO_", "CELERY_", "DATABASE_OWNER_URL")  # the app never gets the owner's URL
        env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
        base = _redis_base(self.redis_url)
        env |= {
            "DJANGO_SETTINGS_MODULE": self.args.settings,
            "DEBUG": "False",
            "SECRET_KEY": self.secret_key,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SITE_URL": f"http://127.0.0.1:{self.port}",
            "CSRF_TRUSTED_ORIGINS": f"http://127.0.0.1:{self.port}",
            "DATABASE_URL": database_url,
            "REDIS_URL": self.redis_url,  # the broker; the cache is db 1 of the same server, as the app derives it
            "CELERY_BROKER_URL": self.redis_url,
            "CACHE_URL": f"{base}/1",
            "SECURE_SSL_REDIRECT": "False",
            "SESSION_COOKIE_SECURE": "False",
            "CSRF_COOKIE_SECURE": "False",
            "SECURE_HSTS_SECONDS": "0",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            # The client IP for per-IP rate limits comes from X-Forwarded-For, which the load varies per request:
            # thousands of visitors, not one address hammering the invitation page (its 30/min limit).
            "RATELIMIT_IP_META_KEY": "HTTP_X_FORWARDED_FOR",
            "PYTHONUNBUFFERED": "1",
        }
        return env | extra

    def manage(self, argv: list[str], database_url: str, *, live: bool = False, timeout: float | None = None) -> str:
        """A management command as the tables' owner (`database_url`), as `make migrate` / `make seed` run them."""
        LOGS.mkdir(parents=True, exist_ok=True)
        command = [PYTHON, str(ROOT / "manage.py"), *argv]
        env = self.app_env(database_url, DATABASE_OWNER_URL=database_url)
        log(" ".join(["manage.py", *argv]))
        if live:
            subprocess.run(command, env=env, cwd=ROOT, check=True, timeout=timeout)  # noqa: S603
            return ""
        done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)  # noqa: S603
        (LOGS / f"manage-{argv[0]}.log").write_text(done.stdout + done.stderr)
        if done.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(argv)} failed:\n{(done.stdout + done.stderr)[-3000:]}")
        return done.stdout

    # -- servers --

    def start_redis(self) -> None:
        if self.own_redis:
            self.redis_url, _ = stack.start_redis(self.processes, DATA / "redis")
            log(f"Redis at {self.redis_url}")
        else:
            log(f"Redis from REDIS_URL ({self.redis_url})")

    def start_gunicorn(self, database_url: str, config: WorkerConfig, tag: str) -> None:
        self.stop_gunicorn()
        argv = [
            str(stack.VENV_BIN / "gunicorn"), "partnerhub.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(config.workers), "--worker-class", config.kind, "--threads", str(config.threads),
            "--timeout", "120", "--graceful-timeout", "10", "--log-level", "warning", "--no-control-socket",
        ]  # fmt: skip
        self.gunicorn = self.processes.start(
            "gunicorn", argv, env=self.app_env(database_url), log_path=LOGS / f"gunicorn-{tag}.log"
        )
        stack.wait_for_port(self.port, timeout=60, proc=self.gunicorn, what="gunicorn")
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError):
                response = client.fetch(self.port, "GET", HELLO_PATH, timeout=10)
                if response.status == 200:
                    break
                if response.status == 404:
                    raise RuntimeError(f"/__bench/hello/ is 404: {self.args.settings} does not mount the bench views")
            if time.monotonic() > deadline or self.gunicorn.poll() is not None:
                raise RuntimeError(f"gunicorn did not answer; see {LOGS / f'gunicorn-{tag}.log'}")
            time.sleep(0.2)
        while len(self.worker_pids()) < config.workers and time.monotonic() < deadline:
            time.sleep(0.1)
        log(f"gunicorn {config.label} on 127.0.0.1:{self.port}")

    def stop_gunicorn(self) -> None:
        if self.gunicorn is not None:
            self.processes.stop(self.gunicorn)
            self.gunicorn = None

    def quiesce(self, timeout: float = 20) -> None:
        """Let the previous load drain: wrk exits with requests still queued in gunicorn's backlog, and they must
        not be counted by the next measurement. A request through the queue, then the workers idle for 0.3 s."""
        with contextlib.suppress(OSError):
            client.fetch(self.port, "GET", HELLO_PATH, timeout=timeout)
        deadline = time.monotonic() + timeout
        ticks = stack.cpu_ticks(self.worker_pids())
        while time.monotonic() < deadline:
            time.sleep(0.3)
            now = stack.cpu_ticks(self.worker_pids())
            if now - ticks <= 2:  # ≤ 20 ms of CPU in 300 ms over all workers
                return
            ticks = now

    def worker_pids(self) -> list[int]:
        return stack.child_pids(self.gunicorn.pid) if self.gunicorn else []

    def memory(self) -> dict:
        per = {pid: stack.memory_kib(pid) for pid in self.worker_pids()}
        rss = sum(v.get("VmRSS", 0) for v in per.values())
        return {
            "pids": sorted(per),
            "rss_mib": round(rss / 1024, 1),
            "peak_mib": round(max((v.get("VmHWM", 0) for v in per.values()), default=0) / 1024, 1),
            "per_worker_mib": [round(v.get("VmRSS", 0) / 1024, 1) for v in per.values()],
        }

    # -- data --

    def prepare_database(self, scale: str) -> tuple[str, str, pgstats.StatStatements | None, dict, list[str]]:
        """The database to serve (a fresh copy of the seeded one) as its owner's URL and as the app role's, its
        pg_stat_statements, the manifest."""
        warnings: list[str] = []
        external = os.environ.get("BENCH_DATABASE_URL")
        if external:
            app = os.environ.get("BENCH_APP_DATABASE_URL") or stack.as_role(external, stack.APP_ROLE)
            database = urlparse(external).path.lstrip("/")
            self.manage(["migrate", "--noinput"], external)
            manifest_path = DATA / f"external-{scale}.manifest.json"
            seconds = self.seed(scale, external, manifest_path)
            self.vacuum_external(external)
            stats = pgstats.StatStatements(external, database)
            if not stats.available():
                warnings.append("pg_stat_statements is not available on BENCH_DATABASE_URL: no queries per request")
                stats = None
            return external, app, stats, self.load_manifest(manifest_path, seconds), warnings

        key = f"pg-{scale}" + (f"-f{self.args.seed_factor:g}" if self.args.seed_factor is not None else "")
        cluster = stack.Postgres(DATA / key, self.processes)
        self.cluster = cluster
        cluster.start()
        version = cluster.execute("postgres", "SHOW server_version")[0][0]
        self.report["environment"]["postgresql"] = version
        self.report["config"]["postgres"] = (
            f"own cluster {cluster.bindir.parent.name} in .data/bench/{key}, shared_buffers 256MB, fsync off"
            + (", pg_stat_statements" if cluster.stat_statements else ", NO pg_stat_statements")
        )
        marker = DATA / f"{key}.seeded.json"
        manifest_path = DATA / f"{key}.manifest.json"
        seeded = cluster.execute("postgres", "SELECT 1 FROM pg_database WHERE datname = %s", (SEEDED_DB,))
        seeded_url = cluster.url(SEEDED_DB)
        fingerprint = stack.key_fingerprint(self.secret_key)
        stale = marker.exists() and json.loads(marker.read_text()).get("secret_key") != fingerprint
        if stale:
            log("the seeded database was made under another SECRET_KEY (what it encrypted would not read): reseeding")
        if self.args.reseed or not seeded or not marker.exists() or not manifest_path.exists() or stale:
            cluster.execute("postgres", f"DROP DATABASE IF EXISTS {SEEDED_DB} WITH (FORCE)")
            cluster.execute("postgres", f"CREATE DATABASE {SEEDED_DB}")
            self.manage(["migrate", "--noinput"], seeded_url)
            seconds = self.seed(scale, seeded_url, manifest_path, pool_prefix=key)
            log("VACUUM ANALYZE")
            cluster.execute(SEEDED_DB, "VACUUM ANALYZE")
            marker.write_text(json.dumps({"scale": scale, "factor": self.args.seed_factor, "seconds": seconds,
                                          "at": datetime.now(UTC).isoformat(timespec="seconds"),
                                          "secret_key": fingerprint}))  # fmt: skip
        else:
            seconds = json.loads(marker.read_text()).get("seconds")
            out = self.manage(["migrate", "--noinput"], seeded_url)
            if "Applying" in out:
                warnings.append(
                    f"scale {scale} was seeded before the latest migrations (applied now); rerun with --reseed "
                    "if the new schema needs data"
                )
                cluster.execute(SEEDED_DB, "VACUUM ANALYZE")
            log(f"reusing the seeded database in .data/bench/{key} (--reseed to seed again)")
        cluster.execute("postgres", f"DROP DATABASE IF EXISTS {RUN_DB} WITH (FORCE)")
        strategy = " STRATEGY FILE_COPY" if int(version.split(".")[0]) >= 15 else ""
        started = time.monotonic()
        cluster.execute("postgres", f"CREATE DATABASE {RUN_DB} TEMPLATE {SEEDED_DB}{strategy}")
        log(f"fresh copy {RUN_DB} in {time.monotonic() - started:.1f}s")
        stats = pgstats.StatStatements(cluster.url("postgres"), RUN_DB) if cluster.stat_statements else None
        if stats is None:
            warnings.append("pg_stat_statements is not installed for this PostgreSQL: no queries per request")
        return cluster.url(RUN_DB), cluster.app_url(RUN_DB), stats, self.load_manifest(manifest_path, seconds), warnings

    def seed(self, scale: str, database_url: str, manifest_path: Path, pool_prefix: str = "external") -> float:
        started = time.monotonic()
        argv = ["seed_bench", "--scale", scale, "--manifest", str(manifest_path)]
        if self.args.seed_factor is not None:
            argv += ["--factor", f"{self.args.seed_factor:g}"]
        self.manage(argv, database_url, live=True)
        seconds = round(time.monotonic() - started, 1)
        # Keep each scale's single-use pools next to its manifest: seeding another scale must not overwrite them.
        manifest = json.loads(manifest_path.read_text())
        for spec in manifest.get("endpoints", []):
            if spec.get("paths_file"):
                source = Path(spec["paths_file"])
                target = DATA / f"{pool_prefix}.{spec['name']}.paths"
                if source.resolve() != target.resolve():
                    shutil.copyfile(source, target)
                spec["paths_file"] = str(target)
        manifest_path.write_text(json.dumps(manifest, indent=2))
        return seconds

    def vacuum_external(self, url: str) -> None:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")

    @staticmethod
    def load_manifest(path: Path, seconds: float | None) -> dict:
        manifest = json.loads(path.read_text())
        manifest.setdefault("seconds", seconds)
        return manifest

    # -- principals and endpoints --

    def sign_in_all(self, manifest: dict) -> dict[str, client.Principal]:
        only = set(self.args.endpoints or [])
        wanted = {spec.get("principal") for spec in manifest["endpoints"] if not only or spec["name"] in only}
        wanted |= {"provider"}  # the ceiling's
        principals = {}
        for name in sorted(p for p in wanted if p):
            spec = manifest["principals"][name]
            started = time.monotonic()
            principals[name] = client.sign_in(
                self.port, name=name, email=spec["email"], password=manifest["password"],
                organization_id=spec.get("organization_id"), totp_secret=manifest.get("totp_secret"),
            )  # fmt: skip
            two_step = " with password and two-step code" if manifest.get("totp_secret") else " with password only"
            log(f"signed in {name} ({spec['email']}){two_step} in {time.monotonic() - started:.2f}s")
        return principals

    def resolve(self, manifest: dict, principals: dict[str, client.Principal], warnings: list[str]) -> list[Endpoint]:
        endpoints = []
        only = set(self.args.endpoints or [])
        for spec in manifest["endpoints"]:
            if only and spec["name"] not in only:
                continue
            principal = principals.get(spec.get("principal") or "")
            endpoint = Endpoint(spec["name"], spec.get("method", "GET").upper(), principal, port=self.port)
            if endpoint.method == "GET":
                path = spec["path"]
                if spec.get("follow_next"):
                    path = self.follow_next(principal, path, int(spec["follow_next"]), spec["name"], warnings)
                endpoint.path = path
                response = principal.get(self.port, path) if principal else client.fetch(self.port, "GET", path)
                endpoint.status, endpoint.bytes = response.status, len(response.body)
            else:
                endpoint.pool = Pool.load(Path(spec["paths_file"]))
                endpoint.form = {k: str(v) for k, v in (spec.get("form") or {}).items()}
                if not spec.get("expect_redirect"):
                    raise RuntimeError(f"{spec['name']}: the manifest names no expect_redirect for the POST (reseed)")
                endpoint.expect_redirect = spec["expect_redirect"]
                probe = endpoint.request()
                if probe is None:
                    raise RuntimeError(f"{spec['name']}: the pool {spec['paths_file']} is empty")
                path = probe.path
                response = client.fetch(self.port, "POST", probe.path, headers=probe.headers, body=probe.body)
                endpoint.status, endpoint.bytes = response.status, len(response.body)
            # Before anything is measured: the page asked for, or the run stops here, naming what came back.
            endpoint.check("before the run", endpoint.method, path, response.status, response.location)
            endpoints.append(endpoint)
            log(f"{endpoint.name}: {endpoint.method} {endpoint.path or endpoint.pool.source} → {endpoint.status}")
        return endpoints

    def follow_next(self, principal, path: str, hops: int, name: str, warnings: list[str]) -> str:
        current = path
        for hop in range(hops):
            response = principal.get(self.port, current) if principal else client.fetch(self.port, "GET", current)
            client.expect(response, f"{name} (following rel=next)", "GET", current)
            following = client.next_link(response.text, current)
            if following is None:
                if hop == 0:
                    fallback = f"{path}{'&' if '?' in path else '?'}page={hops + 1}"
                    warnings.append(f'{name}: {path} has no <a rel="next"> link; measuring {fallback} instead')
                    log(f"WARNING: {warnings[-1]}")
                    return fallback
                warnings.append(f"{name}: only {hop} next links from {path} (wanted {hops}); measuring {current}")
                return current
            current = following
        return current

    # -- measurements --

    def wrk(self, endpoint: Endpoint, seconds: float, *, tag: str, budget: int | None = None) -> dict:
        try:
            return self._wrk(endpoint, seconds, tag=tag, budget=budget)
        finally:
            self.quiesce()

    def _wrk(self, endpoint: Endpoint, seconds: float, *, tag: str, budget: int | None = None) -> dict:
        if endpoint.pool is None:
            result = throughput.run_get(self.port, endpoint.path, cookie=endpoint.cookie, seconds=seconds)
            self.check_wrk(endpoint, result, "GET", endpoint.path, tag)
            return {"rps": result.rps, "requests": result.requests, "seconds": result.seconds,
                    "errors": result.errors, "latency_ms": result.latency_ms}  # fmt: skip
        take = min(budget or len(endpoint.pool.remaining), len(endpoint.pool.remaining))
        if take == 0:
            return {"rps": None, "requests": 0, "seconds": 0, "errors": 0, "note": "pool used up"}
        pool_file, lines = endpoint.pool.write_slice(take, f"{endpoint.name}-{tag}")
        requested = seconds
        if endpoint.last_rps:  # wrk sleeps its full -d even when the slice ran out early: don't wait for nothing
            seconds = min(seconds, max(2.0, 1.5 * take / endpoint.last_rps))
        result = throughput.run_pool(
            self.port, pool_file, cookie=endpoint.cookie, csrf=endpoint.principal.csrftoken,
            body=urlencode(endpoint.form), seconds=seconds, filler=HELLO_PATH, expect_redirect=endpoint.expect_redirect,
        )  # fmt: skip
        spent = endpoint.pool.consume(lines, result.pool, throughput.THREADS)
        self.check_wrk(endpoint, result, "POST", lines[0].rstrip("/").rsplit("/", 1)[0] + "/… (single-use)", tag)
        pool_file.unlink(missing_ok=True)
        answered = int(sum(row["ok"] + row["bad"] for row in result.pool))
        bad = int(sum(row["bad"] for row in result.pool))
        statuses = sorted({int(row["first_bad"]) for row in result.pool if row["first_bad"]})
        # Threads that used up their slice stopped early and noted when; wrk's own duration is the full -d.
        ended = bool(result.pool) and all(row["end"] for row in result.pool)
        starts = [row["start"] for row in result.pool if row["start"]]
        window = max(row["end"] for row in result.pool) - min(starts) if ended and starts else result.seconds
        out = {
            "rps": round(answered / window, 2) if window else None,
            "requests": answered,
            "seconds": round(window, 2),
            "errors": bad + sum(result.socket_errors.values()),
            "pool_spent": spent,
        }
        if statuses:
            out["error_statuses"] = statuses
        if out["rps"]:
            endpoint.last_rps = out["rps"]
        if ended and window < requested * 0.9:
            out["note"] = f"pool slice of {take} used up after {window:.1f}s of {requested:.0f}s"
        return out

    @staticmethod
    def check_wrk(endpoint: Endpoint, result: throughput.WrkResult, method: str, path: str, tag: str) -> None:
        """wrk counts redirects as successes: the Lua scripts count what was not the page asked for; any stops
        the run, naming the first answer."""
        if not result.checks:
            raise RuntimeError(f"{endpoint.name} ({tag}): wrk printed no CHECK lines; the Lua script failed?\n"
                               f"{result.output[-2000:]}")  # fmt: skip
        first = result.first_unexpected
        if first is not None:
            status, location = first
            raise client.UnexpectedResponse(
                f"{endpoint.name} ({tag}: {result.unexpected} of {sum(c['answered'] for c in result.checks)} answers "
                "were not the page asked for; the first)", method, path, status, location,
            )  # fmt: skip

    def db_truth(self, endpoint: Endpoint, stats: pgstats.StatStatements | None, requests: int) -> dict:
        """`requests` sequential requests between a reset and a read of pg_stat_statements."""
        if endpoint.pool is not None:
            requests = min(requests, 50, len(endpoint.pool.remaining))
        if stats is not None:
            stats.reset()
        errors, statuses, sent = 0, {}, 0
        for _ in range(requests):
            request = endpoint.request()
            if request is None:
                break
            response = client.fetch(self.port, request.method, request.path, headers=request.headers,
                                    body=request.body or None)  # fmt: skip
            sent += 1
            statuses[response.status] = statuses.get(response.status, 0) + 1
            errors += response.status >= 400
            endpoint.check("DB-truth pass", request.method, request.path, response.status, response.location)
        out: dict = {"requests": sent, "errors": errors, "statuses": statuses}
        if stats is not None and sent:
            time.sleep(0.2)  # pg_stat_statements is updated when the statement ends; the response can be quicker
            out |= stats.read(sent)
        return out

    def run_scale(self, scale: str) -> None:
        args = self.args
        log(f"=== scale {scale} ===")
        result: dict = {"warnings": []}
        self.report["scales"][scale] = result
        owner_url, database_url, stats, manifest, warnings = self.prepare_database(scale)
        if not manifest.get("totp_secret"):
            raise RuntimeError("the manifest has no totp_secret: seeded before the principals had two-step sign-in; "
                               "run again with --reseed")  # fmt: skip
        result["warnings"] += warnings
        result["manifest"] = {k: manifest.get(k) for k in ("scale", "factor", "seconds", "counts")}
        if self.own_redis:
            stack.redis_command(self.redis_url, "FLUSHALL")
        if not self.swept and args.sweep_workers:
            self.worker_config, self.report["config"]["sweep"] = self.sweep(database_url, manifest)
            self.swept = True
        self.report["config"]["worker_config"] = self.worker_config.label
        self.start_gunicorn(database_url, self.worker_config, scale)
        memory = {"start": self.memory()}
        principals = self.sign_in_all(manifest)
        endpoints = self.resolve(manifest, principals, result["warnings"])
        # gunicorn's connections (kept between requests, CONN_MAX_AGE) must all be the app role's, under RLS.
        database = urlparse(database_url).path.lstrip("/")
        result["database"] = {
            "app_url_role": urlparse(database_url).username,
            "connections": stack.check_app_role(owner_url, database, what=f"scale {scale}"),
            "sign_in": "password + two-step code (TOTP)",
        }
        log(f"connected to {database} as {result['database']['connections']}")
        ceiling = Endpoint("ceiling", principal=principals["provider"], path=CEILING_PATH, port=self.port)
        hello = Endpoint("hello", path=HELLO_PATH, port=self.port, context_only=True)  # anonymous: no DB at all
        everything = [ceiling, hello, *endpoints]
        measured: dict[str, dict] = {e.name: e.describe() for e in everything}
        result["endpoints"] = measured

        # Warm-up: every endpoint a share of the warm-up time (each worker loads its templates, fills caches).
        share = max(1.0, args.warmup / len(everything))
        log(f"warm-up: {share:.0f}s per endpoint")
        for endpoint in everything:
            budget = min(200, len(endpoint.pool.remaining) // 20) if endpoint.pool else None
            if budget != 0:
                self.wrk(endpoint, share, tag="warmup", budget=budget)
        memory["warm"] = self.memory()

        # DB truth, before the pools are drawn down by the throughput rounds.
        for endpoint in everything:
            truth = self.db_truth(endpoint, stats, args.db_requests)
            measured[endpoint.name]["db"] = truth
            measured[endpoint.name]["queries_per_request"] = truth.get("queries_per_request")
            by_kind = truth.get("per_request_by_kind") or {}
            measured[endpoint.name] |= {
                "savepoints_per_request": by_kind.get("savepoint"),
                "health_checks_per_request": by_kind.get("health_check"),
                "transaction_per_request": by_kind.get("transaction"),
                "fk_checks_per_request": by_kind.get("fk_check"),
                "statements_per_request": truth.get("statements_per_request"),
            }
            if truth["statuses"].get(429):
                result["warnings"].append(
                    f"{endpoint.name} answered 429 (rate limited per client IP): the app must take the client IP "
                    "from X-Forwarded-For under the bench (RATELIMIT_IP_META_KEY, see bench/README.md)"
                )
            log(
                f"DB truth {endpoint.name}: {truth.get('queries_per_request', 'n/a')} queries/request "
                f"(of which {by_kind.get('savepoint', 'n/a')} savepoints; server also ran "
                f"{by_kind.get('health_check', 'n/a')} health check, {by_kind.get('transaction', 'n/a')} BEGIN/COMMIT, "
                f"{by_kind.get('fk_check', 'n/a')} FK checks), errors {truth['errors']} {truth['statuses']}"
            )

        # Throughput: shuffled order each round, round 1 discarded.
        pools = {e.name: e for e in endpoints if e.pool}
        thr_share = 0.5 if args.hold else 0.6
        budgets = {name: int(len(e.pool.remaining) * thr_share / args.rounds) for name, e in pools.items()}
        rng = random.Random(args.seed)  # noqa: S311 - a shuffle, not a secret
        rounds: list[dict[str, dict]] = []
        for number in range(1, args.rounds + 1):
            order = everything[:]
            rng.shuffle(order)
            row = {}
            for endpoint in order:
                row[endpoint.name] = self.wrk(
                    endpoint, args.duration, tag=f"r{number}", budget=budgets.get(endpoint.name)
                )
            rounds.append(row)
            summary = ", ".join(f"{e.name} {row[e.name]['rps'] or 0:.0f}" for e in everything)
            log(f"round {number}/{args.rounds} rps: {summary}")
        kept = rounds[1:] if len(rounds) > 1 else rounds
        if len(rounds) == 1:
            result["warnings"].append("one round only: nothing discarded, the warm-up round counts")
        for endpoint in everything:
            entries = [r[endpoint.name] for r in rounds]
            rps = [r[endpoint.name]["rps"] for r in kept if r[endpoint.name]["rps"]]
            ratios = [
                r[endpoint.name]["rps"] / r["ceiling"]["rps"]
                for r in kept
                if r[endpoint.name]["rps"] and r["ceiling"]["rps"]
            ]
            m = measured[endpoint.name]
            m["rounds"] = [{"round": i + 1, **e} for i, e in enumerate(entries)]
            m["rps_median"] = round(statistics.median(rps), 1) if rps else None
            m["ratio_median"] = round(statistics.median(ratios), 3) if ratios else None
            m["ratio_min"] = round(min(ratios), 3) if ratios else None
            m["errors_throughput"] = sum(e["errors"] for e in entries)
            notes = [f"round {i + 1}: {e['note']}" for i, e in enumerate(entries) if e.get("note")]
            if notes:
                result["warnings"].append(f"{endpoint.name}: " + "; ".join(notes))

        # Latency at a fixed rate: 60% of the endpoint's own median maximum, open loop.
        if args.latency_duration > 0:
            for endpoint in everything:
                if endpoint.context_only or not measured[endpoint.name]["rps_median"]:
                    continue
                rate = measured[endpoint.name]["rps_median"] * LOAD_PCT / 100
                limit = None
                if endpoint.pool is not None:
                    limit = int(len(endpoint.pool.remaining) * (0.6 if args.hold else 1.0))
                stream = loadgen.Stream(endpoint.name, rate, self._limited(endpoint, limit), endpoint.accepts)
                loadgen.run([stream], port=self.port, seconds=args.latency_duration)
                self.quiesce()
                check_stream(stream, "latency")
                summary = stream.summary()
                measured[endpoint.name]["latency"] = summary
                measured[endpoint.name] |= {k: summary[k] for k in ("p50_ms", "p95_ms", "p99_ms")}
                if summary["exhausted"]:
                    result["warnings"].append(
                        f"{endpoint.name}: the pool ran out after {summary['requests']} requests of the latency run"
                    )
                log(
                    f"latency {endpoint.name} @ {rate:.0f} rps: p50 {summary['p50_ms']} p95 {summary['p95_ms']} "
                    f"p99 {summary['p99_ms']} ms, errors {summary['errors']}, "
                    f"generator lag p99 {summary['lag_p99_ms']} ms"
                )
        memory["end"] = self.memory()
        for endpoint in everything:
            m = measured[endpoint.name]
            m["errors"] = (
                (m.get("errors_throughput") or 0)
                + (m.get("db", {}).get("errors") or 0)
                + ((m.get("latency") or {}).get("errors") or 0)
            )
        result["memory"] = {
            "start_mib": memory["start"]["rss_mib"],
            "warm_mib": memory["warm"]["rss_mib"],
            "end_mib": memory["end"]["rss_mib"],
            "peak_mib": memory["end"]["peak_mib"],
            "workers": len(memory["end"]["pids"]),
            "workers_replaced": memory["start"]["pids"] != memory["end"]["pids"],
            "samples": memory,
        }
        for endpoint in endpoints:
            if endpoint.pool:
                measured[endpoint.name]["pool_left"] = len(endpoint.pool.remaining)
        if args.hold > 0:
            result["hold"] = self.hold(database_url, manifest, everything, measured)
        self.stop_gunicorn()
        if getattr(self, "cluster", None) is not None:
            # The served copy goes (the next run makes a new one); the seeded database stays for reuse.
            self.cluster.execute("postgres", f"DROP DATABASE IF EXISTS {RUN_DB} WITH (FORCE)")
            self.cluster.stop()
            self.cluster = None

    @staticmethod
    def _limited(endpoint: Endpoint, limit: int | None):
        count = {"n": 0}

        def next_request(i: int):
            if limit is not None and count["n"] >= limit:
                return None
            count["n"] += 1
            return endpoint.request(i)

        return next_request

    # -- worker sweep --

    def sweep(self, database_url: str, manifest: dict) -> tuple[WorkerConfig, list[dict]]:
        """sync 2/3/4 and gthread 2×4 on the ceiling, once; the best one serves every page (performance.md §3.4)."""
        configs = [
            WorkerConfig("sync", 2),
            WorkerConfig("sync", 3),
            WorkerConfig("sync", 4),
            WorkerConfig("gthread", 2, 4),
        ]
        results = []
        provider = None
        for config in configs:
            self.start_gunicorn(database_url, config, "sweep")
            if provider is None:
                provider = self.sign_in_all({**manifest, "endpoints": []})["provider"]
            ceiling = Endpoint("ceiling", principal=provider, path=CEILING_PATH, port=self.port)
            self.wrk(ceiling, 5, tag="sweep-warmup")
            rps = self.wrk(ceiling, self.args.duration, tag="sweep")["rps"]
            results.append({"config": config.label, "rps": rps})
            log(f"sweep: {config.label}: ceiling {rps:.0f} rps")
        self.stop_gunicorn()
        best = max(zip(configs, results, strict=True), key=lambda pair: pair[1]["rps"] or 0)[0]
        log(f"sweep: keeping {best.label}")
        return best, results

    # -- hold --

    def hold(self, database_url: str, manifest: dict, everything: list[Endpoint], measured: dict) -> dict:
        """All pages at once, each at 60%/N of its own max (together 60% of capacity), while a Celery worker sends
        invitation emails to an SMTP sink."""
        args = self.args
        sink_cls = _smtp_sink_class()
        sink = sink_cls("127.0.0.1", port=0)
        sink.start()
        worker = None
        out: dict = {"seconds": args.hold, "load_pct": LOAD_PCT}
        try:
            if self.own_redis:
                stack.redis_command(self.redis_url, "DEL", "partnerhub")  # tasks queued while nobody consumed
            mail_env = self.app_env(
                database_url,
                EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                EMAIL_HOST="127.0.0.1",
                EMAIL_PORT=str(sink.port),
                EMAIL_USE_TLS="False",
            )
            worker = self.processes.start(
                "celery",
                [str(stack.VENV_BIN / "celery"), "-A", "partnerhub", "worker", "-P", "prefork", "-c", "2",
                 "--loglevel", "WARNING"],
                env=mail_env, log_path=LOGS / "celery-hold.log",
            )  # fmt: skip
            pages = [
                e for e in everything if not e.context_only and e.name != "ceiling" and measured[e.name]["rps_median"]
            ]
            streams = [
                loadgen.Stream(
                    e.name, measured[e.name]["rps_median"] * LOAD_PCT / 100 / len(pages), e.request, e.accepts
                )  # fmt: skip
                for e in pages
            ]
            out["total_rps"] = round(sum(s.rate for s in streams), 1)
            provider = manifest["principals"]["provider"]
            mail_out = TMP / "hold-mail.json"
            mail_out.unlink(missing_ok=True)
            mailer = self.processes.start(
                "hold-mail",
                [PYTHON, str(ROOT / "bench" / "load" / "hold_mail.py"), "--email", provider["email"], "--count",
                 str(args.hold_emails), "--out", str(mail_out)]
                + (["--organization", str(provider["organization_id"])] if provider.get("organization_id") else []),
                env=mail_env, log_path=LOGS / "hold-mail.log",
            )  # fmt: skip
            rss_start = self.memory()
            samples = [{"t": 0, "rss_mib": rss_start["rss_mib"]}]
            started = time.monotonic()

            def sample() -> None:
                samples.append({"t": round(time.monotonic() - started), "rss_mib": self.memory()["rss_mib"]})

            log(f"hold: {args.hold}s at {out['total_rps']} rps over {len(streams)} pages, {args.hold_emails} emails")
            loadgen.run(streams, port=self.port, seconds=args.hold, every=(10, sample))
            rss_end = self.memory()
            out["streams"] = {s.name: s.summary() for s in streams}
            out["errors"] = sum(s["errors"] for s in out["streams"].values())
            out["served_rps"] = round(sum(s["achieved_rps"] for s in out["streams"].values()), 1)
            worst = max(out["streams"].items(), key=lambda item: item[1]["p95_ms"] or 0, default=(None, {}))
            out["worst_p95"] = {"endpoint": worst[0], "p95_ms": worst[1].get("p95_ms")}
            out["rss_start_mib"], out["rss_end_mib"] = rss_start["rss_mib"], rss_end["rss_mib"]
            out["rss_growth_pct"] = (
                round((rss_end["rss_mib"] - rss_start["rss_mib"]) / rss_start["rss_mib"] * 100, 1)
                if rss_start["rss_mib"]
                else None
            )
            out["workers_replaced"] = rss_start["pids"] != rss_end["pids"]
            out["rss_samples"] = samples
            for stream in streams:
                check_stream(stream, "hold")
            mailer.wait(timeout=max(60, args.hold))
            out["mail"] = self.count_mail(mail_out, sink)
        finally:
            if worker is not None:
                self.processes.stop(worker, timeout=30)
            with contextlib.suppress(Exception):
                sink.stop()
        log(f"hold: errors {out.get('errors')}, RSS growth {out.get('rss_growth_pct')}%, mail {out.get('mail')}")
        return out

    def count_mail(self, mail_out: Path, sink) -> dict:
        if not mail_out.exists():
            return {"error": f"the mailer wrote nothing; see {LOGS / 'hold-mail.log'}"}
        made = json.loads(mail_out.read_text())
        expected = set(made["keys"])
        deadline = time.monotonic() + 120
        last_change, seen = time.monotonic(), -1
        while time.monotonic() < deadline:
            counts = _sink_key_counts(sink)
            delivered = len(expected & set(counts))
            if delivered == len(expected):
                break
            if delivered != seen:
                seen, last_change = delivered, time.monotonic()
            elif time.monotonic() - last_change > 30:
                break  # nothing new for 30 s
            time.sleep(1)
        counts = _sink_key_counts(sink)
        delivered = len(expected & set(counts))
        last = _sink_last_time(sink, expected)
        return {
            "expected": len(expected),
            "delivered": delivered,
            "lost": len(expected) - delivered,
            "duplicated": sum(counts[k] - 1 for k in expected if counts.get(k, 0) > 1),
            "other_messages": sum(v for k, v in counts.items() if k not in expected),
            "seconds": round(last - made["first_insert"], 1) if last else None,
            "mailer_errors": made.get("errors", []),
        }

    # -- the whole run --

    def run(self) -> None:
        throughput.wrk_binary()
        LOGS.mkdir(parents=True, exist_ok=True)
        self.report["environment"] = environment()
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
        self.start_redis()
        self.report["environment"]["redis"] = _redis_version(self.redis_url)
        self.manage(["collectstatic", "--noinput"], "postgres://unused@127.0.0.1:1/unused")
        try:
            for scale in self.args.scales:
                self.run_scale(scale)
                report.write(self.out_json, self.out_md, self.report)
        finally:
            self.report["environment"]["load_average_end"] = load_average()
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


# --- helpers -------------------------------------------------------------------------------------------------


def check_stream(stream: loadgen.Stream, what: str) -> None:
    """Every answer of an open-loop stream was the page asked for; else stop the run, naming the first."""
    if stream.unexpected:
        method, path, status, location = stream.unexpected[0]
        raise client.UnexpectedResponse(
            f"{stream.name} ({what}: {stream.unexpected_count} answers were not the page asked for; the first)",
            method, path, status, location,
        )  # fmt: skip


def _smtp_sink_class():
    try:
        from bench.load.smtp_sink import SmtpSink
    except ImportError as exc:
        raise RuntimeError("bench/load/smtp_sink.py (SmtpSink) is needed for --hold") from exc
    return SmtpSink


def _sink_key_counts(sink) -> dict[str, int]:
    """Idempotency keys the sink received, with how often (whatever shape `keys` has: Counter, dict or list)."""
    keys = sink.keys
    if isinstance(keys, dict):
        return {str(k): int(v) for k, v in keys.items()}
    counts: dict[str, int] = {}
    for key in list(keys):
        counts[str(key)] = counts.get(str(key), 0) + 1
    return counts


def _sink_last_time(sink, keys: set[str]) -> float | None:
    """Wall-clock time of the last first-delivery among `keys` (the sink records time.monotonic())."""
    delivered_at = getattr(sink, "delivered_at", None) or {}
    times = [t for k, t in delivered_at.items() if k in keys]
    if not times:
        return None
    return time.time() - (time.monotonic() - max(times))


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _redis_base(url: str) -> str:
    """redis://host:port without the database number (the app uses db 0 for the broker, db 1 for the cache)."""
    head, _, last = url.rstrip("/").rpartition("/")
    return head if last.isdigit() and head.count("/") >= 2 else url.rstrip("/")


def _redis_version(url: str) -> str:
    with contextlib.suppress(Exception):
        info = stack.redis_command(url, "INFO", "server").decode()
        for line in info.splitlines():
            if line.startswith("redis_version:"):
                return line.split(":", 1)[1].strip()
    return "?"


def load_average() -> str:
    with contextlib.suppress(OSError):
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return "?"


def environment() -> dict:
    from importlib.metadata import version

    def first(path: str, key: str) -> str:
        with contextlib.suppress(OSError):
            for line in Path(path).read_text().splitlines():
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
        return "?"

    mem_kib = first("/proc/meminfo", "MemTotal").split()[0]
    commit = "?"
    with contextlib.suppress(Exception):
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,  # noqa: S607
                                check=True).stdout.strip()  # fmt: skip
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,  # noqa: S607
                               capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
        commit += " (with uncommitted changes)" if dirty else ""
    wrk_version = subprocess.run([throughput.wrk_binary(), "-v"], capture_output=True, text=True, check=False)  # noqa: S603
    return {
        "load_average": load_average(),
        "cpu_model": first("/proc/cpuinfo", "model name"),
        "cpus": os.cpu_count(),
        "memory_gib": round(int(mem_kib) / 1024 / 1024, 1) if mem_kib.isdigit() else "?",
        "kernel": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "django": version("Django"),
        "gunicorn": version("gunicorn"),
        "psycopg": version("psycopg"),
        "celery": version("celery"),
        "wrk": (wrk_version.stdout + wrk_version.stderr).splitlines()[0].split(" Copyright")[0].strip(),
        "commit": commit,
    }


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
    processes = stack.Processes()

    def terminate(signum, frame):
        raise KeyboardInterrupt

    # Explicitly: a shell that starts the bench in the background leaves SIGINT ignored; Ctrl-C must always stop it.
    signal.signal(signal.SIGINT, terminate)
    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGHUP, terminate)
    try:
        Bench(args, processes).run()
    except KeyboardInterrupt:
        log("interrupted; stopping everything this run started")
        return 130
    except (RuntimeError, client.SignInError, subprocess.CalledProcessError) as exc:
        log(f"FAILED: {exc}")
        return 1
    finally:
        processes.stop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
