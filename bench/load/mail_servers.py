"""The servers of `make bench-mail`: a scratch database next to DATABASE_URL's (created and migrated once, kept),
the production environment the worker and the producers run under, and the prefork Celery worker itself.
"""

from __future__ import annotations

import os
import platform
import secrets
import signal
import subprocess
import sys
import time
from urllib.parse import urlsplit, urlunsplit

from bench.load.stack import ROOT


def log(message: str) -> None:
    print(f"[bench-mail] {message}", file=sys.stderr, flush=True)


def scratch_url(database_url: str, name: str | None) -> tuple[str, str]:
    """The URL of the scratch database next to `database_url`'s, and its name."""
    parts = urlsplit(database_url)
    name = name or f"{parts.path.lstrip('/') or 'partnerhub'}_bench_mail"
    return urlunsplit(parts._replace(path=f"/{name}")), name


def maintenance_connection(database_url: str):
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


def create_database(database_url: str, name: str) -> bool:
    """Create the scratch database unless it exists; True when it was created."""
    from psycopg import sql

    with maintenance_connection(database_url) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return True


def drop_database(database_url: str, name: str) -> None:
    from psycopg import sql

    with maintenance_connection(database_url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def production_environment(
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


def start_worker(*, queue_name: str, concurrency: int) -> tuple[subprocess.Popen, str]:
    nodename = f"{queue_name}@{platform.node() or 'localhost'}"
    command = [sys.executable, "-m", "celery", "-A", "partnerhub", "worker", "-P", "prefork"]
    command += ["-c", str(concurrency), "-Q", queue_name, "-n", nodename, "--loglevel", "WARNING"]
    worker = subprocess.Popen(command, cwd=ROOT, start_new_session=True)  # noqa: S603 - our own command line
    return worker, nodename


def wait_for_worker(worker: subprocess.Popen, nodename: str, timeout: float = 60.0) -> None:
    from partnerhub.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise RuntimeError(f"the Celery worker exited with status {worker.returncode}")
        if app.control.ping(destination=[nodename], timeout=1.0):
            return
    raise RuntimeError(f"the Celery worker did not answer a ping within {timeout:.0f} s")


def stop_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGTERM)  # the worker's own session: it and its pool children
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
