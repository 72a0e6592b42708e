"""The app as a bench run serves it: gunicorn under the app's settings on one loopback port, the environment the
app and its management commands get (production settings, explicitly, whatever a developer's .env says), the
Redis it uses, and what the run reads of the workers (are they idle, how much memory).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time

from bench.load import client, processes, redis_server
from bench.load.endpoints import HELLO_PATH, WorkerConfig
from bench.load.stack import DATA, ROOT, VENV_BIN, log, secret_key

PYTHON = sys.executable
LOGS = DATA / "logs"


class Server:
    def __init__(self, settings: str, registry: processes.Processes):
        self.settings = settings
        self.processes = registry
        self.secret_key = secret_key(DATA)
        self.port = processes.free_port()
        self.redis_url = os.environ.get("REDIS_URL", "")
        self.own_redis = not self.redis_url
        self.gunicorn: subprocess.Popen | None = None

    def app_env(self, database_url: str, **extra: str) -> dict[str, str]:
        """Production settings, loopback-only, plain HTTP, emails kept in memory; everything set explicitly so a
        developer's .env or .data/embedded.env cannot point the app elsewhere."""
        skip = ("DJANGO_", "CELERY_", "DATABASE_OWNER_URL")  # the app never gets the owner's URL
        env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
        base = _redis_base(self.redis_url)
        env |= {
            "DJANGO_SETTINGS_MODULE": self.settings,
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

    def start_redis(self) -> None:
        if self.own_redis:
            self.redis_url, _ = redis_server.start_redis(self.processes, DATA / "redis")
            log(f"Redis at {self.redis_url}")
        else:
            log(f"Redis from REDIS_URL ({self.redis_url})")

    def start_gunicorn(self, database_url: str, config: WorkerConfig, tag: str) -> None:
        self.stop_gunicorn()
        argv = [
            str(VENV_BIN / "gunicorn"), "partnerhub.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(config.workers), "--worker-class", config.kind, "--threads", str(config.threads),
            "--timeout", "120", "--graceful-timeout", "10", "--log-level", "warning", "--no-control-socket",
        ]  # fmt: skip
        self.gunicorn = self.processes.start(
            "gunicorn", argv, env=self.app_env(database_url), log_path=LOGS / f"gunicorn-{tag}.log"
        )
        processes.wait_for_port(self.port, timeout=60, proc=self.gunicorn, what="gunicorn")
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError):
                response = client.fetch(self.port, "GET", HELLO_PATH, timeout=10)
                if response.status == 200:
                    break
                if response.status == 404:
                    raise RuntimeError(f"/__bench/hello/ is 404: {self.settings} does not mount the bench views")
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
        ticks = processes.cpu_ticks(self.worker_pids())
        while time.monotonic() < deadline:
            time.sleep(0.3)
            now = processes.cpu_ticks(self.worker_pids())
            if now - ticks <= 2:  # ≤ 20 ms of CPU in 300 ms over all workers
                return
            ticks = now

    def worker_pids(self) -> list[int]:
        return processes.child_pids(self.gunicorn.pid) if self.gunicorn else []

    def memory(self) -> dict:
        per = {pid: processes.memory_kib(pid) for pid in self.worker_pids()}
        rss = sum(v.get("VmRSS", 0) for v in per.values())
        return {
            "pids": sorted(per),
            "rss_mib": round(rss / 1024, 1),
            "peak_mib": round(max((v.get("VmHWM", 0) for v in per.values()), default=0) / 1024, 1),
            "per_worker_mib": [round(v.get("VmRSS", 0) / 1024, 1) for v in per.values()],
        }


def _redis_base(url: str) -> str:
    """redis://host:port without the database number (the app uses db 0 for the broker, db 1 for the cache)."""
    head, _, last = url.rstrip("/").rpartition("/")
    return head if last.isdigit() and head.count("/") >= 2 else url.rstrip("/")
