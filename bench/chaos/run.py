"""`make chaos`: fault injection with real processes on loopback (reliability.md §7.6), scenarios F1–F8.

    .venv/bin/python bench/chaos/run.py [--only F1 F3] [--emails-scale 0.25] [--beat-outage 75]

Starts its own PostgreSQL (pg_ctl, .data/chaos/pg), Redis (no persistence), gunicorn (2 sync workers),
a prefork Celery worker (-c 2), Celery beat and an SMTP sink, all under `bench.chaos.settings` (production
settings, broker visibility_timeout 30 s, sweeps every 15 s). After each scenario a ledger compares the
outbox rows created during it with the idempotency keys the sink received: lost must be 0, duplicates 0
(≤ 1 per SIGKILL, ≤ the injected drops), plus business consistency and the HTTP 5xx count. Prints a
table, writes bench/chaos/report.md and bench/chaos/report.json, exits 1 if any scenario failed. See
bench/chaos/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.chaos.sink import ChaosSink  # noqa: E402
from bench.chaos.stack import DATA, LOGS, ExternalPostgres, Postgres, Redis, Services, log  # noqa: E402
from bench.load import client  # noqa: E402
from bench.load import stack as bench_stack  # noqa: E402
from bench.load.stack import APP_ROLE, Processes, as_role, free_port  # noqa: E402

PYTHON = sys.executable
SEEDED_DB = "chaos_seeded"  # migrated and seeded once, never served
RUN_DB = "partnerhub_chaos"  # a fresh copy per run: the single-use invitation links are all unused again
SEED_FACTOR = "0.06"  # seed_bench's accept pool: 120 pending partnership links for the reseller (--seed-factor)
ACCEPTED = "/partners/providers/"  # where an accepted partnership invitation takes the reseller
SCENARIOS = ["F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8"]
# What the run changes from the production defaults (also in the report).
RUN_SETTINGS = {
    "CHAOS_VISIBILITY_TIMEOUT": "30",  # broker visibility_timeout (production: 3600)
    "CHAOS_SWEEP_SECONDS": "15",  # outbox and verification sweeps (production: 60 and 300)
    "OUTBOX_STALE_AFTER_SECONDS": "30",  # a queued row the sweep re-queues (production: 120)
    "OUTBOX_BATCH_CLAIM_SECONDS": "60",  # a batch's lease on its rows (production: 180)
}
# Each can be set in the environment instead (the smoke run in `make test` shortens the sweeps); the report says.
RUN_SETTINGS = {key: os.environ.get(key, value) for key, value in RUN_SETTINGS.items()}


class Failure(RuntimeError):
    pass


class Http:
    """The harness's own requests: signed-in principals, a fresh X-Forwarded-For per request (the app reads
    the client IP from it, so the per-IP limits see many visitors), and a record of every 5xx with its time."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.lock = threading.Lock()
        self.tolerate_5xx = False  # F6 only: a database restart may cost 5xx, within its window (its criterion)
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.statuses, self.errors, self.server_errors = Counter(), Counter(), []
            self.unexpected: list[dict] = []  # answers that are not the page asked for: the first few
            self.unexpected_count = 0

    def request(
        self, principal: client.Principal | None, method: str, path: str, form: dict | None = None,
        *, redirect_to: str | None = None,
    ):  # fmt: skip
        """One request; its answer must be the page asked for: a GET's 200, a POST's redirect to `redirect_to`
        (a path prefix). Anything else is recorded as unexpected and fails the scenario (a 5xx in F6 is counted
        against F6's own window instead). A connection error (a killed worker) returns None."""
        headers = {"X-Forwarded-For": f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(256)}"}  # noqa: S311
        body = None
        if principal is not None:
            headers |= principal.headers(self.port)
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            response = client.fetch(self.port, method, path, headers=headers, body=body, timeout=30)
        except OSError as exc:
            with self.lock:
                self.errors[type(exc).__name__] += 1
            return None
        if redirect_to is None:
            asked_for = response.status == 200
        else:
            asked_for = response.status in (302, 303) and urlparse(response.location).path.startswith(redirect_to)
        with self.lock:
            self.statuses[response.status] += 1
            if response.status >= 500:
                self.server_errors.append(time.monotonic())
            if not asked_for and not (self.tolerate_5xx and response.status >= 500):
                self.unexpected_count += 1
                if len(self.unexpected) < 5:
                    self.unexpected.append(
                        {"method": method, "path": path, "status": response.status, "location": response.location}
                    )
                log(f"UNEXPECTED: {method} {path} answered {response.status} {response.location}".rstrip())
        return response

    @property
    def count_5xx(self) -> int:
        return len(self.server_errors)

    def summary(self) -> dict:
        window = self.server_errors[-1] - self.server_errors[0] if self.server_errors else 0.0
        return {
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "connection_errors": dict(self.errors),
            "5xx": self.count_5xx,
            "5xx_window_s": round(window, 2),
            "unexpected": self.unexpected_count,
            "unexpected_sample": list(self.unexpected),
        }


class Chaos:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.processes = Processes()
        external = os.environ.get("CHAOS_DATABASE_URL")
        # CHAOS_DATABASE_URL (its owner's URL): serve that database, migrated and seeded in place; no restart (F6).
        self.pg = ExternalPostgres(external) if external else Postgres(DATA / "pg")
        self.run_db = self.pg.database if external else RUN_DB
        self.report_json = Path(args.report_dir) / "report.json"
        self.report_md = Path(args.report_dir) / "report.md"
        self.database_info: dict = {}
        self.redis = Redis(self.processes)
        self.sink = ChaosSink()
        self.http_port = free_port()
        self.http = Http(self.http_port)
        self.secret_key = bench_stack.secret_key(DATA)
        self.services: Services | None = None
        self.results: list[dict] = []

    # --- databases: two URLs on purpose -------------------------------------------------------------------

    @property
    def admin_url(self) -> str:
        """Migrations, seeding and the ledger's own reads: the owner of the tables (the cluster's superuser)."""
        return self.pg.url(self.run_db)

    @property
    def app_url(self) -> str:
        """What gunicorn, Celery and the fixtures connect with: the app's own role, which owns nothing, is no
        superuser and cannot bypass row-level security, as `make run` connects (DATABASE_URL)."""
        return os.environ.get("CHAOS_APP_DATABASE_URL") or as_role(self.admin_url, APP_ROLE)

    def sql(self, query: str, params: tuple | list = ()) -> list[tuple]:
        return self.pg.execute(self.run_db, query, params)

    def env(self, database_url: str, **extra: str) -> dict[str, str]:
        """Production settings (bench.chaos.settings) over plain HTTP on loopback, email to the sink."""
        skip = ("DJANGO_", "CELERY_", "OUTBOX_", "DATABASE_OWNER_URL")  # the app never gets the owner's URL
        env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
        base = self.redis.url.rsplit("/", 1)[0]
        env |= {
            "DJANGO_SETTINGS_MODULE": "bench.chaos.settings",
            "PYTHONPATH": str(ROOT),
            "SECRET_KEY": self.secret_key,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SITE_URL": f"http://127.0.0.1:{self.http_port}",
            "CSRF_TRUSTED_ORIGINS": f"http://127.0.0.1:{self.http_port}",
            "DATABASE_URL": database_url,
            "REDIS_URL": self.redis.url,
            "CELERY_BROKER_URL": self.redis.url,
            "CACHE_URL": f"{base}/1",
            "SECURE_SSL_REDIRECT": "False",
            "SESSION_COOKIE_SECURE": "False",
            "CSRF_COOKIE_SECURE": "False",
            "SECURE_HSTS_SECONDS": "0",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.sink.port),
            "EMAIL_USE_TLS": "False",
            "EMAIL_TIMEOUT": "10",
            "RATELIMIT_IP_META_KEY": "HTTP_X_FORWARDED_FOR",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
            **RUN_SETTINGS,
        }
        return env | extra

    def manage(self, *argv: str, url: str | None = None, timeout: float = 900) -> str:
        """A management command as the tables' owner (the template database unless `url`), as `make migrate`
        and `make seed` run them."""
        url = url or self.pg.url(SEEDED_DB)
        log("manage.py " + " ".join(argv))
        done = subprocess.run(  # noqa: S603 - our own command line
            [PYTHON, str(ROOT / "manage.py"), *argv],
            env=self.env(url, DATABASE_OWNER_URL=url),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        (LOGS / f"manage-{argv[0]}.log").write_text(done.stdout + done.stderr)
        if done.returncode != 0:
            raise Failure(f"manage.py {' '.join(argv)} failed:\n{(done.stdout + done.stderr)[-3000:]}")
        return done.stdout

    def prepare_database(self) -> None:
        if isinstance(self.pg, ExternalPostgres):
            self.manage("migrate", "--noinput", url=self.admin_url)
            self.manage(
                "seed_bench", "--scale", "1", "--factor", self.args.seed_factor, "--manifest",
                str(DATA / "manifest.json"), url=self.admin_url,
            )  # fmt: skip
            self._read_manifest()
            return
        seeded = self.pg.execute("postgres", "SELECT 1 FROM pg_database WHERE datname = %s", [SEEDED_DB])
        marker = DATA / "seeded.json"
        key = bench_stack.key_fingerprint(self.secret_key)
        previous = json.loads(marker.read_text()) if marker.exists() else {}
        stale = previous.get("secret_key") != key or previous.get("factor") != self.args.seed_factor
        if not seeded or not marker.exists() or self.args.reseed or stale:
            self.pg.execute("postgres", f'DROP DATABASE IF EXISTS "{SEEDED_DB}" WITH (FORCE)')
            self.pg.execute("postgres", f'CREATE DATABASE "{SEEDED_DB}"')
            self.manage("migrate", "--noinput")
            self.manage(
                "seed_bench",
                "--scale",
                "1",
                "--factor",
                self.args.seed_factor,
                "--manifest",
                str(DATA / "manifest.json"),
            )
            marker.write_text(json.dumps({"factor": self.args.seed_factor, "at": time.time(), "secret_key": key}))
        self.pg.execute("postgres", f'DROP DATABASE IF EXISTS "{RUN_DB}" WITH (FORCE)')
        self.pg.execute("postgres", f'CREATE DATABASE "{RUN_DB}" TEMPLATE "{SEEDED_DB}"')
        self._read_manifest()

    def _read_manifest(self) -> None:
        self.manifest = json.loads((DATA / "manifest.json").read_text())
        if not self.manifest.get("totp_secret"):
            raise Failure("the manifest has no totp_secret (seeded before two-step sign-in): run with --reseed")
        paths = DATA / "manifest-accept-paths.txt"
        self.accept_paths = [line.strip() for line in paths.read_text().splitlines() if line.strip()]

    # --- start, sign in, keep everything up ------------------------------------------------------------------

    def start(self) -> None:
        LOGS.mkdir(parents=True, exist_ok=True)
        for old in LOGS.glob("*.log"):
            old.unlink()
        self.pg.start()
        log(f"PostgreSQL: {self.admin_url.split('@', 1)[-1]}")
        self.redis.start()
        self.sink.start()
        self.prepare_database()
        self.manage("collectstatic", "--noinput")
        self.services = Services(self.processes, self.env(self.app_url), self.http_port)
        self.services.start_gunicorn()
        self.services.start_worker()
        self.services.start_beat()
        self.services.wait_worker_pool()
        log(f"gunicorn on 127.0.0.1:{self.http_port}, Redis {self.redis.url}, SMTP sink on {self.sink.port}")
        password, secret = self.manifest["password"], self.manifest["totp_secret"]
        principals = self.manifest["principals"]
        # Global admins: password, then the authenticator app's code, through the real allauth forms.
        self.provider = client.sign_in(
            self.http_port, name="provider", email=principals["provider"]["email"], password=password,
            organization_id=principals["provider"]["organization_id"], totp_secret=secret,
        )  # fmt: skip
        self.reseller = client.sign_in(
            self.http_port, name="reseller", email=principals["reseller"]["email"], password=password,
            organization_id=principals["reseller"]["organization_id"], totp_secret=secret,
        )  # fmt: skip
        # Every connection the servers hold to the run's database is the app role's (no superuser, no BYPASSRLS).
        self.database_info = {
            "app_url_role": urlparse(self.app_url).username,
            "connections": bench_stack.check_app_role(self.admin_url, self.run_db, what="chaos"),
            "sign_in": "password + two-step code (TOTP)",
        }
        log(f"signed in provider and reseller with two-step codes; {self.run_db} used by "
            f"{self.database_info['connections']}")  # fmt: skip

    def ensure_up(self) -> None:
        """Whatever the previous scenario left stopped comes back before the next one starts."""
        s = self.services
        self.sink.drop_fraction = 0.0
        if not self.sink.running:
            self.sink.start()
        if self.redis.proc is None:
            self.redis.start()
        if s.worker is None or s.worker.poll() is not None:
            s.start_worker()
            s.wait_worker_pool()
        if s.beat is None or s.beat.poll() is not None:
            s.start_beat()

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.sink.stop()
        self.processes.stop_all()
        self.pg.stop()

    # --- the ledger ------------------------------------------------------------------------------------------

    def watermark(self) -> int:
        return self.sql("SELECT coalesce(max(id), 0) FROM core_outboundemail")[0][0]

    def outbox(self, since: int) -> list[tuple]:
        return self.sql(
            "SELECT id, idempotency_key::text, status, attempts FROM core_outboundemail WHERE id > %s ORDER BY id",
            [since],
        )

    def ledger(self, since: int) -> dict:
        rows = self.outbox(since)
        expected = {key for _, key, _, _ in rows}
        delivered = self.sink.counts()
        lost = sorted(expected - set(delivered))
        statuses = Counter(status for _, _, status, _ in rows)
        return {
            "expected": len(expected),
            "delivered_unique": len(expected & set(delivered)),
            "lost": len(lost),
            "lost_sample": lost[:5],
            "duplicates": sum(delivered[key] - 1 for key in expected if delivered.get(key, 0) > 1),
            "duplicated_keys": sum(1 for key in expected if delivered.get(key, 0) > 1),
            "unexpected_messages": sum(count for key, count in delivered.items() if key not in expected),
            "rows": dict(statuses),
            "max_attempts": max((attempts for *_, attempts in rows), default=0),
            "smtp_drops": self.sink.drops,
        }

    def wait_drained(self, since: int, *, timeout: float, expect_at_least: int = 0) -> tuple[dict, float | None]:
        """Until every outbox row since `since` was delivered (and none is still queued), or `timeout`."""
        started = time.monotonic()
        while True:
            ledger = self.ledger(since)
            done = ledger["lost"] == 0 and not ledger["rows"].get("queued") and ledger["expected"] >= expect_at_least
            if done:
                return ledger, time.monotonic() - started
            if time.monotonic() - started > timeout:
                log(f"not drained after {timeout:.0f} s: {ledger}")
                return ledger, None
            time.sleep(1)

    def consistency(self) -> dict:
        """Half-done business changes anywhere in the database (none may exist)."""
        accepted_alone = self.sql(
            "SELECT count(*) FROM relationships_partnershipinvitation i WHERE i.accepted_at IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM relationships_partnerrelationship r WHERE r.invitation_id = i.id)"
        )[0][0]
        relationship_unaccepted = self.sql(
            "SELECT count(*) FROM relationships_partnerrelationship r JOIN relationships_partnershipinvitation i "
            "ON i.id = r.invitation_id WHERE i.accepted_at IS NULL OR i.reseller_id IS DISTINCT FROM r.reseller_id"
        )[0][0]
        return {
            "invitation_accepted_without_relationship": accepted_alone,
            "relationship_without_accepted_invitation": relationship_unaccepted,
        }

    # --- load ------------------------------------------------------------------------------------------------

    def producer(self, count: int, tag: str, *, batch: bool = False) -> subprocess.Popen:
        argv = [PYTHON, str(ROOT / "bench" / "chaos" / "fixtures.py"), "mail", "--provider", self.provider.email,
                "--count", str(count), "--tag", tag] + (["--batch"] if batch else [])  # fmt: skip
        return subprocess.Popen(  # noqa: S603
            argv,
            env=self.env(self.app_url),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=open(LOGS / f"fixtures-{tag}.log", "ab"),  # noqa: SIM115
        )

    @staticmethod
    def producer_result(proc: subprocess.Popen, timeout: float = 600) -> dict:
        out, _ = proc.communicate(timeout=timeout)
        lines = [line for line in out.decode().splitlines() if line.startswith("{")]
        if proc.returncode != 0 or not lines:
            raise Failure(f"the producer failed ({proc.returncode}); see {LOGS}")
        return json.loads(lines[-1])

    def delivered_since(self, since: int) -> int:
        keys = {key for _, key, _, _ in self.outbox(since)}
        counts = self.sink.counts()
        return sum(1 for key in keys if key in counts)

    def wait_delivered(self, since: int, n: int, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while self.delivered_since(since) < n:
            if time.monotonic() > deadline:
                raise Failure(f"fewer than {n} emails delivered after {timeout:.0f} s")
            time.sleep(0.2)

    def scaled(self, n: int) -> int:
        return max(10, round(n * self.args.emails_scale))

    # --- the scenarios ---------------------------------------------------------------------------------------

    def f1_worker_sigkill(self) -> dict:
        n, kills = self.scaled(2000), 5
        since = self.watermark()
        producer = self.producer(n, "f1")
        points = sorted(random.sample(range(int(n * 0.05), int(n * 0.9)), kills))
        for point in points:
            self.wait_delivered(since, point)
            self.services.kill_worker(signal.SIGKILL)
            log(f"F1: SIGKILLed the worker after {self.delivered_since(since)} deliveries")
            time.sleep(1)
            self.services.start_worker()
        last_kill = time.monotonic()
        made = self.producer_result(producer)
        budget = int(RUN_SETTINGS["CHAOS_VISIBILITY_TIMEOUT"]) + 180
        ledger, drained = self.wait_drained(since, timeout=budget, expect_at_least=made["created"])
        after_kill = time.monotonic() - last_kill
        return {
            "load": f"{n} invitation emails, worker SIGKILLed (parent and pool) ×{kills}",
            "ledger": ledger,
            "created": made,
            "bounds": {"duplicates_max": kills},
            "drained_after_last_kill_s": round(after_kill, 1) if drained is not None else None,
            "pass": ledger["lost"] == 0 and ledger["duplicates"] <= kills and drained is not None,
            "criteria": f"lost 0, duplicates ≤ {kills}, all delivered within visibility_timeout + 3 min",
        }

    def f2_worker_sigterm(self) -> dict:
        n = self.scaled(2000)
        since = self.watermark()
        producer = self.producer(n, "f2", batch=True)
        self.wait_delivered(since, int(n * 0.4))
        log(f"F2: SIGTERM to the worker after {self.delivered_since(since)} deliveries (batches in flight)")
        stopping = time.monotonic()
        self.services.kill_worker(signal.SIGTERM)
        shutdown = time.monotonic() - stopping
        time.sleep(2)
        self.services.start_worker()
        made = self.producer_result(producer)
        ledger, drained = self.wait_drained(since, timeout=240, expect_at_least=made["created"])
        return {
            "load": f"{n} emails in batches of 50, warm shutdown (SIGTERM) mid-batch, then restart",
            "ledger": ledger,
            "created": made,
            "warm_shutdown_s": round(shutdown, 1),
            "pass": ledger["lost"] == 0 and ledger["duplicates"] == 0 and drained is not None,
            "criteria": "lost 0, duplicates 0",
        }

    def create_invitation_over_http(self, n: int, tag: str) -> bool:
        """Request a partnership and send it from PartnerHub: two POSTs, as the provider's admin does."""
        created = self.http.request(
            self.provider, "POST", "/partners/resellers/invitations/new/", {}, redirect_to="/partners/resellers/"
        )
        if created is None or created.status != 302 or "/draft/" not in created.location:
            return False
        draft = urlparse(created.location).path
        form = {"email": f"reseller{n}@{tag}.chaos.example", "message": "Hello from the chaos run."}
        sent = self.http.request(self.provider, "POST", draft, form, redirect_to="/partners/resellers/")
        return sent is not None and sent.status == 302 and urlparse(sent.location).path == "/partners/resellers/"

    def f3_redis_outage(self) -> dict:
        n, outage = self.args.f3_invitations, self.args.f3_outage
        since = self.watermark()
        self.http.reset()
        results: list[bool] = []
        log("F3: stopping Redis")
        self.redis.stop()
        stopped = time.monotonic()
        with ThreadPoolExecutor(1) as pool:  # one session: its drafts must not race each other
            futures = []
            for i in range(n):  # spread over the outage
                futures.append(pool.submit(self.create_invitation_over_http, i, "f3"))
                time.sleep(outage * 0.9 / n)
            results = [future.result() for future in futures]
        time.sleep(max(0.0, outage - (time.monotonic() - stopped)))
        self.redis.start()
        back = time.monotonic()
        log(f"F3: Redis back (empty: {self.redis.dbsize()} keys) after {back - stopped:.0f} s")
        ledger, drained = self.wait_drained(since, timeout=180, expect_at_least=sum(results))
        failed_publish = _count_in_log(LOGS / "gunicorn.log", "could not enqueue email")
        http = self.http.summary()
        ok = all(results) and len(results) == n
        return {
            "load": f"{n} invitations created over HTTP (2 POSTs each) while Redis is down {outage:.0f} s, "
            "then Redis restarted empty",
            "ledger": ledger,
            "http": http,
            "http_success": f"{sum(results)}/{n}",
            "drained_after_redis_back_s": round(time.monotonic() - back, 1) if drained is not None else None,
            "publish_failures_saved_by_outbox": failed_publish,
            "pass": ok
            and ledger["lost"] == 0
            and ledger["duplicates"] == 0
            and drained is not None
            and (time.monotonic() - back) <= 60 + 5
            and http["unexpected"] == 0,
            "criteria": "HTTP success 100%, lost 0, duplicates 0, drained ≤ 60 s after Redis returns",
        }

    def f4_smtp_down(self) -> dict:
        n, outage = self.scaled(500), 90.0
        since = self.watermark()
        self.sink.stop()
        stopped = time.monotonic()
        log("F4: SMTP sink stopped")
        made = self.producer_result(self.producer(n, "f4"))
        time.sleep(max(0.0, outage - (time.monotonic() - stopped)))
        self.sink.start()
        back = time.monotonic()
        log("F4: SMTP sink back")
        ledger, drained = self.wait_drained(since, timeout=420, expect_at_least=made["created"])
        return {
            "load": f"{n} emails while the SMTP server is down {outage:.0f} s",
            "ledger": ledger,
            "created": made,
            "drained_after_smtp_back_s": round(time.monotonic() - back, 1) if drained is not None else None,
            "pass": ledger["lost"] == 0
            and ledger["duplicates"] == 0
            and not ledger["rows"].get("failed")
            and drained is not None,
            "criteria": "all delivered after recovery (backoff), duplicates 0, no row exhausts its attempts",
        }

    def f5_smtp_drops(self) -> dict:
        n = self.scaled(1000)
        since = self.watermark()
        self.sink.drops = 0
        self.sink.drop_fraction = 0.05
        made = self.producer_result(self.producer(n, "f5"))
        ledger, drained = self.wait_drained(since, timeout=420, expect_at_least=made["created"])
        self.sink.drop_fraction = 0.0
        return {
            "load": f"{n} emails, 5% of connections dropped after DATA, before 250",
            "ledger": ledger,
            "created": made,
            "bounds": {"duplicates_max": ledger["smtp_drops"]},
            "pass": ledger["lost"] == 0 and ledger["duplicates"] <= ledger["smtp_drops"] and drained is not None,
            "criteria": "lost 0, duplicates ≤ injected drops",
        }

    def capacity(self, path: str, seconds: float = 5.0) -> float:
        done = 0
        stop = time.monotonic() + seconds

        def loop() -> int:
            count = 0
            while time.monotonic() < stop:
                self.http.request(self.provider, "GET", path)
                count += 1
            return count

        with ThreadPoolExecutor(4) as pool:
            done = sum(pool.map(lambda _: loop(), range(4)))
        return done / seconds

    def f6_postgres_restart(self) -> dict:
        path, seconds = "/customers/", self.args.pg_load_seconds
        self.http.reset()
        self.http.tolerate_5xx = True  # counted against the ≤ 5 s window below instead
        rate = max(2.0, 0.5 * self.capacity(path))
        self.http.reset()
        since = self.watermark()
        producer = self.producer(self.scaled(1000), "f6")
        log(f"F6: {seconds:.0f} s of GET {path} at {rate:.0f}/s (50% of capacity) with Celery busy")
        restart: dict = {}

        def fault() -> None:
            time.sleep(seconds / 3)
            restart["at"] = time.monotonic()
            restart["seconds"] = round(self.pg.restart_fast(), 2)
            log(f"F6: pg_ctl restart -m fast took {restart['seconds']} s")

        faulter = threading.Thread(target=fault)
        faulter.start()
        start = time.monotonic()
        with ThreadPoolExecutor(16) as pool:
            i = 0
            while (due := start + i / rate) < start + seconds:
                time.sleep(max(0.0, due - time.monotonic()))
                pool.submit(self.http.request, self.provider, "GET", path)
                i += 1
        faulter.join()
        self.http.tolerate_5xx = False
        made = self.producer_result(producer)
        ledger, drained = self.wait_drained(since, timeout=300, expect_at_least=made["created"])
        http = self.http.summary()
        return {
            "load": f"GET {path} at {rate:.0f} req/s (50% of measured capacity) for {seconds:.0f} s while "
            f"{self.scaled(1000)} emails are queued; pg_ctl restart -m fast after {seconds / 3:.0f} s",
            "ledger": ledger,
            "http": http,
            "created": made,
            "restart_s": restart.get("seconds"),
            "bounds": {"5xx_window_s_max": 5.0, "duplicates_max": 1},
            "pass": restart.get("seconds") is not None
            and ledger["lost"] == 0
            and ledger["duplicates"] <= 1
            and http["5xx_window_s"] <= 5.0
            and drained is not None,
            "criteria": "5xx only inside a ≤ 5 s window, failed tasks retried, lost 0, duplicates ≤ 1 (the one "
            "send whose 'sent' mark the restart may cut off after SMTP's 250)",
        }

    def f7_gunicorn_kill(self) -> dict:
        paths = self.accept_paths[: self.args.f7_accepts]
        max_kills = self.args.f7_kills
        tokens = [p.rstrip("/").rsplit("/", 1)[-1] for p in paths]
        since = self.watermark()
        self.http.reset()
        kills = 0
        stop = threading.Event()

        def killer() -> None:
            """Ten kills, each of a worker that has served a while, the next only once both are up again."""
            nonlocal kills
            while not stop.is_set() and kills < max_kills:
                time.sleep(random.uniform(0.5, 1.5))  # noqa: S311
                workers = self.services.gunicorn_workers()
                if len(workers) == 2 and not stop.is_set():
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(random.choice(workers), signal.SIGKILL)  # noqa: S311
                        kills += 1
                    while len(self.services.gunicorn_workers()) < 2 and not stop.is_set():
                        time.sleep(0.1)
                    time.sleep(1.0)  # the new worker boots before it can be killed again

        thread = threading.Thread(target=killer)
        thread.start()
        form = {"authorize": "on"}
        with ThreadPoolExecutor(4) as pool:
            responses = list(pool.map(lambda p: self.http.request(self.reseller, "POST", p, form, redirect_to=ACCEPTED),
                                      paths))  # fmt: skip
        stop.set()
        thread.join()
        time.sleep(2)  # requests the harness gave up on may still be in gunicorn's backlog
        self.http.request(None, "GET", "/healthz/")
        states = self._accept_states(tokens)
        half = [state for state in states.values() if state == "half"]
        # Every link left pending must still work: accept it again now that nothing is killed.
        retried = [p for p, t in zip(paths, tokens, strict=True) if states[t] == "pending"]
        for p in retried:
            self.http.request(self.reseller, "POST", p, form, redirect_to=ACCEPTED)
        after = self._accept_states(tokens)
        ledger, drained = self.wait_drained(since, timeout=180)
        http = self.http.summary()
        return {
            "load": f"{len(paths)} partnership accepts (POST) while gunicorn workers are SIGKILLed ({kills} kills)",
            "ledger": ledger,
            "http": http,
            "first_pass": dict(Counter(states.values())),
            "answered": sum(1 for r in responses if r is not None),
            "after_retry": dict(Counter(after.values())),
            "half_done": len(half) + sum(1 for state in after.values() if state == "half"),
            "pass": not half
            and all(state == "accepted" for state in after.values())
            and ledger["lost"] == 0
            and ledger["duplicates"] == 0
            and http["5xx"] == 0
            and http["unexpected"] == 0,
            "criteria": "each accept fully done (accepted_at and relationship) or fully pending; pending ones "
            "accepted on retry; no 5xx",
        }

    def _accept_states(self, tokens: list[str]) -> dict[str, str]:
        import hashlib

        hashes = {hashlib.sha256(token.encode()).hexdigest(): token for token in tokens}
        rows = self.sql(
            "SELECT i.token_hash, i.accepted_at IS NOT NULL, i.reseller_id IS NOT NULL, "
            "EXISTS (SELECT 1 FROM relationships_partnerrelationship r WHERE r.invitation_id = i.id) "
            "FROM relationships_partnershipinvitation i WHERE i.token_hash = ANY(%s)",
            [list(hashes)],
        )
        states = {}
        for token_hash, accepted, reseller, relationship in rows:
            if accepted and reseller and relationship:
                states[hashes[token_hash]] = "accepted"
            elif not (accepted or reseller or relationship):
                states[hashes[token_hash]] = "pending"
            else:
                states[hashes[token_hash]] = "half"
        missing = set(tokens) - set(states)
        if missing:
            raise Failure(f"{len(missing)} accept-pool links are not in the database (token hashing changed?)")
        return states

    def f8_beat_outage(self) -> dict:
        n, outage = 40, self.args.beat_outage
        self.services.kill_beat()
        killed = time.monotonic()
        log(f"F8: beat SIGKILLed; creating {n} verification cases")
        since = self.watermark()
        proc = subprocess.run(  # noqa: S603
            [PYTHON, str(ROOT / "bench" / "chaos" / "fixtures.py"), "cases", "--count", str(n), "--tag", "f8"],
            env=self.env(self.app_url), cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        if proc.returncode != 0:
            raise Failure(f"creating cases failed: {proc.stderr[-2000:]}")
        cases = json.loads(proc.stdout.strip().splitlines()[-1])["cases"]
        # Half overdue already (their reminder was due an hour ago), half falling due during the outage.
        self.sql(
            "UPDATE enrollment_verificationcase SET remind_at = CASE WHEN id %% 2 = 0 "
            "THEN now() - interval '1 hour' ELSE now() + interval '20 seconds' END WHERE id = ANY(%s)",
            [cases],
        )
        time.sleep(max(0.0, outage - (time.monotonic() - killed)))
        reminded_early = self.sql(
            "SELECT count(*) FROM enrollment_verificationcase WHERE id = ANY(%s) AND reminded_at IS NOT NULL", [cases]
        )[0][0]
        self.services.start_beat()
        log(f"F8: beat back after {time.monotonic() - killed:.0f} s")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            left = self.sql(
                "SELECT count(*) FROM enrollment_verificationcase WHERE id = ANY(%s) AND reminded_at IS NULL",
                [cases],
            )[0][0]
            if not left:
                break
            time.sleep(1)
        # Two more sweeps at once, as a second beat or a redelivered message would: nothing may fire again.
        self.send_task("enrollment.tasks.sweep_verification_deadlines_task", copies=2)
        time.sleep(2 * int(RUN_SETTINGS["CHAOS_SWEEP_SECONDS"]))
        reminders = self.sql(
            "SELECT c.id, count(a.id) FROM enrollment_verificationcase c LEFT JOIN core_auditevent a "
            "ON a.code = 'partnerhub.verification.reminder_sent' AND a.object_id = c.id::text "
            "AND a.object_type = 'enrollment.verificationcase' WHERE c.id = ANY(%s) GROUP BY c.id",
            [cases],
        )
        per_case = Counter(count for _, count in reminders)
        reminder_mails = self.sql(
            'SELECT to_, count(*) FROM (SELECT "to" AS to_ FROM core_outboundemail WHERE id > %s '
            "AND subject ILIKE %s) m GROUP BY to_",
            [since, "%Reminder%"],
        )
        mails_per_contact = Counter(count for _, count in reminder_mails)
        ledger, drained = self.wait_drained(since, timeout=180)
        once = per_case == Counter({1: n}) and mails_per_contact == Counter({1: n})
        return {
            "load": f"{n} verification cases, reminders due (half overdue by 1 h, half falling due), beat killed "
            f"for {outage:.0f} s (sweep every {RUN_SETTINGS['CHAOS_SWEEP_SECONDS']} s), then 2 extra sweeps at once",
            "ledger": ledger,
            "reminded_during_outage": reminded_early,
            "reminder_audits_per_case": {str(k): v for k, v in per_case.items()},
            "reminder_emails_per_contact": {str(k): v for k, v in mails_per_contact.items()},
            "pass": once and reminded_early == 0 and ledger["lost"] == 0 and ledger["duplicates"] == 0,
            "criteria": "every due reminder fires exactly once after beat returns; nothing during the outage",
        }

    def send_task(self, name: str, copies: int = 1) -> None:
        code = (
            "from partnerhub.celery import app\n"
            f"for _ in range({copies}): app.send_task({name!r})\n"
        )  # fmt: skip
        subprocess.run(  # noqa: S603
            [PYTHON, "-c", "import django; django.setup()\n" + code],
            env=self.env(self.app_url), cwd=ROOT, check=True, timeout=60,
        )  # fmt: skip

    # --- the run ---------------------------------------------------------------------------------------------

    def run(self) -> int:
        started = datetime.now(UTC)
        self.load_start = _load_average()
        self.start()
        baseline = self.consistency()
        scenarios = {
            "F1": ("Celery worker SIGKILL ×5", self.f1_worker_sigkill),
            "F2": ("Celery worker SIGTERM mid-batch", self.f2_worker_sigterm),
            "F3": (f"Redis down {self.args.f3_outage:.0f} s, back empty", self.f3_redis_outage),
            "F4": ("SMTP down 90 s", self.f4_smtp_down),
            "F5": ("SMTP drops 5% before 250", self.f5_smtp_drops),
            "F6": ("pg_ctl restart -m fast under load", self.f6_postgres_restart),
            "F7": ("gunicorn worker SIGKILL during accepts", self.f7_gunicorn_kill),
            "F8": ("beat killed, reminders due", self.f8_beat_outage),
        }
        for key in self.args.only or SCENARIOS:
            title, scenario = scenarios[key]
            self.ensure_up()
            self.sink.reset()
            self.http.reset()
            log(f"{key}: {title}")
            began = time.monotonic()
            try:
                result = scenario()
            except Exception as exc:  # noqa: BLE001 - recorded as a failed scenario; the others still run
                log(f"{key} broke: {type(exc).__name__}: {exc}")
                result = {"pass": False, "error": f"{type(exc).__name__}: {exc}", "ledger": {}}
            result.setdefault("http", self.http.summary())
            if result["http"].get("unexpected"):
                result["pass"] = False
                first = result["http"]["unexpected_sample"][0]
                log(f"{key}: FAIL: {result['http']['unexpected']} answers were not the page asked for; the first: "
                    f"{first['method']} {first['path']} → {first['status']} {first['location']}".rstrip())  # fmt: skip
            consistency = self.consistency()
            result["consistency"] = {k: consistency[k] - baseline[k] for k in consistency}
            if any(result["consistency"].values()):
                result["pass"] = False
            result |= {"id": key, "title": title, "seconds": round(time.monotonic() - began, 1)}
            self.results.append(result)
            log(f"{key}: {'PASS' if result['pass'] else 'FAIL'} {json.dumps(result.get('ledger', {}))}")
            self.write_report(started)
        self.write_report(started)
        print(table(self.results))
        return 0 if all(r["pass"] for r in self.results) else 1

    def write_report(self, started: datetime) -> None:
        report = {
            "started_at": started.isoformat(timespec="seconds"),
            "machine": {
                "cores": os.cpu_count(),
                "python": sys.version.split()[0],
                "load_average_start": self.load_start,
                "load_average_now": _load_average(),
            },
            **({"note": self.args.note} if self.args.note else {}),
            "settings": {"module": "bench.chaos.settings (partnerhub.settings.production)", **RUN_SETTINGS},
            "database": self.database_info,
            "arguments": {k: v for k, v in vars(self.args).items() if k not in {"report_dir", "note"}},
            "scenarios": self.results,
            "ok": all(r["pass"] for r in self.results),
        }
        self.report_json.parent.mkdir(parents=True, exist_ok=True)
        self.report_json.write_text(json.dumps(report, indent=2, default=str) + "\n")
        self.report_md.write_text(markdown(report))


def _load_average() -> str:
    with contextlib.suppress(OSError):
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return "?"


def _count_in_log(path: Path, needle: str) -> int:
    with contextlib.suppress(OSError):
        return path.read_text(errors="replace").count(needle)
    return 0


def _row(result: dict) -> list[str]:
    ledger = result.get("ledger") or {}
    http = result.get("http") or {}
    return [
        result["id"],
        result["title"],
        str(ledger.get("expected", "–")),
        str(ledger.get("lost", "–")),
        str(ledger.get("duplicates", "–")),
        str(http.get("5xx", 0)),
        f"{result.get('seconds', 0):.0f}",
        "pass" if result["pass"] else "FAIL",
    ]


HEADERS = ["#", "scenario", "emails", "lost", "duplicates", "5xx", "seconds", "result"]


def table(results: list[dict]) -> str:
    rows = [HEADERS] + [_row(r) for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def markdown(report: dict) -> str:
    lines = [
        "# Fault injection: `make chaos`",
        "",
        f"Run started {report['started_at']} on {report['machine']['cores']} cores (Python "
        f"{report['machine']['python']}; load average {report['machine'].get('load_average_start', '?')} at the "
        f"start, {report['machine'].get('load_average_now', '?')} at the end, other work on the machine); "
        "`bench/chaos/run.py`, see bench/chaos/README.md. Settings: "
        + ", ".join(f"`{k}={v}`" for k, v in report["settings"].items())
        + ".",
        "",
        *(_ran_as(report.get("database") or {}), ""),
        *([report["note"], ""] if report.get("note") else []),
        "| " + " | ".join(HEADERS) + " |",
        "|" + "---|" * len(HEADERS),
    ]
    lines += ["| " + " | ".join(_row(r)) + " |" for r in report["scenarios"]]
    lines += ["", "## Details", ""]
    for r in report["scenarios"]:
        lines.append(f"### {r['id']} — {r['title']}: {'pass' if r['pass'] else 'FAIL'}")
        lines.append("")
        if r.get("error"):
            lines.append(f"- error: `{r['error']}`")
        for key in ("load", "criteria"):
            if r.get(key):
                lines.append(f"- {key}: {r[key]}")
        for key, value in r.items():
            if key in {"id", "title", "pass", "load", "criteria", "error"}:
                continue
            lines.append(f"- {key}: `{json.dumps(value, default=str)}`")
        lines.append("")
    lines.append(f"Result: {'PASS' if report['ok'] else 'FAIL'}.")
    return "\n".join(lines) + "\n"


def _ran_as(database: dict) -> str:
    connections = database.get("connections") or {}
    roles = ", ".join(f"`{name}` ({v['connections']} connections, BYPASSRLS {'yes' if v['bypasses_rls'] else 'no'})"
                      for name, v in connections.items())  # fmt: skip
    return (
        f"gunicorn, the Celery worker and beat connected as {roles or '?'}: the app's own role, through row-level "
        f"security; migrations and the seed ran as the owner. Principals signed in with {database.get('sign_in', '?')}."
    )


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
