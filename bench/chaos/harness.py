"""A chaos run's world: its PostgreSQL, Redis, SMTP sink, gunicorn, Celery worker and beat under production
settings, the database migrated and seeded as the tables' owner and served as the app's role, the two principals
signed in with two steps, the email producers, and everything brought back up between scenarios.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
from urllib.parse import urlparse

from bench.chaos.config import RUN_DB, RUN_SETTINGS, SEEDED_DB, Failure
from bench.chaos.ledger import Ledger
from bench.chaos.receiver import WebhookReceiver
from bench.chaos.sink import ChaosSink
from bench.chaos.stack import DATA, LOGS, ExternalPostgres, Postgres, Redis, Services, log
from bench.chaos.traffic import Http
from bench.load import client
from bench.load.pg_cluster import APP_ROLE, as_role, check_app_role
from bench.load.processes import Processes, free_port
from bench.load.stack import ROOT, key_fingerprint, secret_key

PYTHON = sys.executable


class Harness:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.processes = Processes()
        external = os.environ.get("CHAOS_DATABASE_URL")
        # CHAOS_DATABASE_URL (its owner's URL): serve that database, migrated and seeded in place; no restart (F6).
        self.pg = ExternalPostgres(external) if external else Postgres(DATA / "pg")
        self.run_db = self.pg.database if external else RUN_DB
        self.database_info: dict = {}
        self.redis = Redis(self.processes)
        self.sink = ChaosSink()
        self.receiver = WebhookReceiver()
        self.ledger = Ledger(self.sql, self.sink)
        self.http_port = free_port()
        self.http = Http(self.http_port)
        self.secret_key = secret_key(DATA)
        self.services: Services | None = None

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
        key = key_fingerprint(self.secret_key)
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

    def start(self) -> None:
        LOGS.mkdir(parents=True, exist_ok=True)
        for old in LOGS.glob("*.log"):
            old.unlink()
        self.pg.start()
        log(f"PostgreSQL: {self.admin_url.split('@', 1)[-1]}")
        self.redis.start()
        self.sink.start()
        self.receiver.start()
        self.prepare_database()
        self.manage("collectstatic", "--noinput")
        self.services = Services(self.processes, self.env(self.app_url), self.http_port)
        self.services.start_gunicorn()
        self.services.start_worker()
        self.services.start_beat()
        self.services.wait_worker_pool()
        log(f"gunicorn on 127.0.0.1:{self.http_port}, Redis {self.redis.url}, SMTP sink on {self.sink.port}, "
            f"webhook receiver on {self.receiver.port}")  # fmt: skip
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
            "connections": check_app_role(self.admin_url, self.run_db, what="chaos"),
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
        self.receiver.unavailable, self.receiver.hold = False, 0.0
        if not self.receiver.running:
            self.receiver.start()
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
        with contextlib.suppress(Exception):
            self.receiver.stop()
        self.processes.stop_all()
        self.pg.stop()

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

    def fixture(self, *argv: str, timeout: float = 600) -> dict:
        """One bench/chaos/fixtures.py command as the app role; its JSON line."""
        proc = subprocess.run(  # noqa: S603
            [PYTHON, str(ROOT / "bench" / "chaos" / "fixtures.py"), *argv],
            env=self.env(self.app_url), cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip
        if proc.returncode != 0:
            raise Failure(f"fixtures.py {argv[0]} failed: {proc.stderr[-2000:]}")
        return json.loads(proc.stdout.strip().splitlines()[-1])

    def webhook_producer(self, endpoint: int, count: int, seconds: float, tag: str) -> subprocess.Popen:
        argv = [PYTHON, str(ROOT / "bench" / "chaos" / "fixtures.py"), "webhook-events", "--provider",
                self.provider.email, "--endpoint", str(endpoint), "--count", str(count), "--seconds", str(seconds),
                "--tag", tag]  # fmt: skip
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

    def scaled(self, n: int) -> int:
        return max(10, round(n * self.args.emails_scale))

    def send_task(self, name: str, copies: int = 1) -> None:
        code = (
            "from partnerhub.celery import app\n"
            f"for _ in range({copies}): app.send_task({name!r})\n"
        )  # fmt: skip
        subprocess.run(  # noqa: S603
            [PYTHON, "-c", "import django; django.setup()\n" + code],
            env=self.env(self.app_url), cwd=ROOT, check=True, timeout=60,
        )  # fmt: skip
