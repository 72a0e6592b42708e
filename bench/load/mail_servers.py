"""The servers of `make bench-mail`, as `make bench-webhooks` has them: a migrated database (its own PostgreSQL
cluster's fresh copy of a template, or BENCH_DATABASE_URL migrated as its owner), its own Redis unless REDIS_URL is
set, the environment every app process gets (production settings as the app role `partnerhub_app`, under row-level
security), and the prefork Celery worker itself.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass

from bench.load import pg_cluster, processes
from bench.load.serving import LOGS, PYTHON, Server
from bench.load.stack import DATA, ROOT

DATABASE = "partnerhub_mail"
TEMPLATE = "partnerhub_mail_template"


def log(message: str) -> None:
    print(f"[bench-mail] {message}", file=sys.stderr, flush=True)


@dataclass
class Database:
    owner_url: str  # migrations, the outbox's truncation between runs, pg_stat_statements
    app_url: str  # the producers, the worker and this process's Django: the app role, through row-level security
    cluster: pg_cluster.Postgres | None  # None: BENCH_DATABASE_URL's server

    @property
    def name(self) -> str:
        from urllib.parse import urlsplit

        return urlsplit(self.owner_url).path.lstrip("/")

    @property
    def maintenance_url(self) -> str:
        from urllib.parse import urlsplit

        return urlsplit(self.owner_url)._replace(path="/postgres").geturl()


def prepare_database(server: Server, registry: processes.Processes) -> Database:
    """Migrations as the owner (the app role has no CREATEDB and owns no table); the app connects as its role."""
    if os.environ.get("BENCH_DATABASE_URL"):
        owner_url = os.environ["BENCH_DATABASE_URL"]
        server.manage(["migrate", "--noinput"], owner_url)
        return Database(owner_url, pg_cluster.as_role(owner_url, pg_cluster.APP_ROLE), None)
    cluster = pg_cluster.Postgres(datadir=DATA / "pg-mail", processes=registry)
    cluster.start()
    if not cluster.execute("postgres", "SELECT 1 FROM pg_database WHERE datname = %s", [TEMPLATE]):
        cluster.execute("postgres", f'CREATE DATABASE "{TEMPLATE}"')
    server.manage(["migrate", "--noinput"], cluster.url(TEMPLATE))  # a no-op once migrated
    cluster.execute("postgres", f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    cluster.execute("postgres", f'CREATE DATABASE "{DATABASE}" TEMPLATE "{TEMPLATE}"')
    return Database(cluster.url(DATABASE), cluster.app_url(DATABASE), cluster)


def app_environment(server: Server, database: Database, *, smtp_port: int, queue_name: str, batch: int) -> dict:
    """What the producers, the worker and this process run under: the app role, the sink, the bench's queue."""
    env = server.app_env(
        database.app_url,
        CELERY_TASK_DEFAULT_QUEUE=queue_name,
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port),
        EMAIL_USE_TLS="false",
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
        OUTBOX_BATCH_SIZE=str(batch),
        LOG_LEVEL="WARNING",
    )
    env.pop("BENCH_DATABASE_URL", None)  # the owner's URL: never the app's
    return env


def start_worker(registry: processes.Processes, env: dict, *, queue_name: str, concurrency: int):
    nodename = f"{queue_name}@{platform.node() or 'localhost'}"
    argv = [PYTHON, "-m", "celery", "-A", "partnerhub", "worker", "-P", "prefork", "-c", str(concurrency),
            "-Q", queue_name, "-n", nodename, "--loglevel", "WARNING",
            "--without-gossip", "--without-mingle"]  # fmt: skip
    worker = registry.start("celery", argv, env=env, log_path=LOGS / "mail-celery.log", cwd=ROOT)
    return worker, nodename


def wait_for_worker(worker: subprocess.Popen, nodename: str, timeout: float = 60.0) -> None:
    from partnerhub.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise RuntimeError(f"the Celery worker exited with status {worker.returncode}; see {LOGS}/mail-celery.log")
        if app.control.ping(destination=[nodename], timeout=1.0):
            return
    raise RuntimeError(f"the Celery worker did not answer a ping within {timeout:.0f} s")
