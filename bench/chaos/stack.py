"""The processes of a chaos run, each one restartable in place (same port, same arguments).

PostgreSQL runs under `pg_ctl` (so the fault is a real `pg_ctl restart -m fast`), Redis without persistence
(a restart comes back empty), gunicorn, a prefork Celery worker and Celery beat as children of the run in
their own process groups. bench/load supplies the binaries' discovery (pg_cluster, redis_server) and the child
registry (processes).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.load import client
from bench.load.pg_cluster import Cluster, query
from bench.load.processes import Processes, child_pids, free_port, wait_for_port
from bench.load.redis_server import redis_command, start_redis
from bench.load.stack import ROOT

# CHAOS_DATA_DIR: another place for the run's cluster, logs and key (the smoke test in `make test` uses its own).
DATA = Path(os.environ.get("CHAOS_DATA_DIR") or ROOT / ".data" / "chaos")
LOGS = DATA / "logs"
VENV_BIN = Path(sys.executable).parent


def log(message: str) -> None:
    print(f"[chaos] {message}", file=sys.stderr, flush=True)


CHAOS_CONF = """
# Written by bench/chaos/stack.py; the port comes from pg_ctl's -o.
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 100
shared_buffers = 128MB
timezone = 'UTC'
fsync = off
full_page_writes = off
logging_collector = off
"""


@dataclass
class Postgres(Cluster):
    """A throwaway cluster in `datadir` driven by pg_ctl: start, `restart -m fast`, stop."""

    @property
    def logfile(self) -> Path:
        return DATA / "postgres.log"

    def _pg_ctl(self, *args: str, timeout: float = 120) -> None:
        """pg_ctl's own output goes to a file, not a pipe: the postmaster it starts inherits it and lives on."""
        command = [str(self.bindir / "pg_ctl"), "-D", str(self.datadir), *args]
        out = LOGS / "pg_ctl.log"
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("ab") as sink:
            done = subprocess.run(command, user=self.user, stdout=sink, stderr=sink, timeout=timeout, check=False)  # noqa: S603
        if done.returncode != 0:
            raise RuntimeError(f"pg_ctl {' '.join(args)} failed with {done.returncode}; see {out}")

    def start(self) -> None:
        self.initdb(log)
        self.include_conf("chaos.conf", CHAOS_CONF)
        with contextlib.suppress(RuntimeError):  # a cluster left running by an interrupted run
            self._pg_ctl("stop", "-m", "immediate")
        self.port = free_port()
        self.logfile.touch()
        self._chown(self.logfile)
        self._pg_ctl("start", "-w", "-t", "60", "-l", str(self.logfile), "-o", f"-p {self.port}")
        self.wait_ready()

    def restart_fast(self) -> float:
        """`pg_ctl restart -m fast`: every backend is terminated, the server comes back on the same port.
        Returns the seconds it took."""
        started = time.monotonic()
        self._pg_ctl("restart", "-m", "fast", "-w", "-t", "60", "-l", str(self.logfile))
        self.wait_ready()
        return time.monotonic() - started

    def stop(self) -> None:
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            self._pg_ctl("stop", "-m", "fast", timeout=60)


@dataclass
class ExternalPostgres:
    """A server the run does not own (CHAOS_DATABASE_URL: its owner's URL): nothing is started or restarted, so
    F6 cannot run; the run's databases are made on it like on its own cluster."""

    owner_url: str

    def url(self, database: str) -> str:
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(self.owner_url)
        return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))

    @property
    def database(self) -> str:
        from urllib.parse import urlsplit

        return urlsplit(self.owner_url).path.lstrip("/")

    def start(self) -> None:
        self.wait_ready()

    def stop(self) -> None:
        pass

    def restart_fast(self) -> float:
        raise RuntimeError("CHAOS_DATABASE_URL: the run does not own this PostgreSQL and cannot restart it")

    def wait_ready(self, timeout: float = 60) -> None:
        self.execute(self.database, "SELECT 1")

    def execute(self, database: str, sql: str, params: tuple | list = ()) -> list[tuple]:
        return query(self.url(database), sql, params)


@dataclass
class Redis:
    """Memory only (no RDB, no AOF): stopped and started again on the same port, it comes back empty."""

    processes: Processes
    port: int = field(default_factory=free_port)
    proc: object = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        _, self.proc = start_redis(self.processes, DATA / "redis", port=self.port, log_path=LOGS / "redis.log")

    def stop(self) -> None:
        if self.proc is not None:
            self.processes.stop(self.proc)
            self.proc = None

    def dbsize(self, db: int = 0) -> int:
        reply = redis_command(f"redis://127.0.0.1:{self.port}/{db}", "DBSIZE")
        return int(reply.strip().lstrip(b":"))


class Services:
    """gunicorn (2 sync workers), a prefork Celery worker (-c 2) and Celery beat, with one environment."""

    def __init__(self, processes: Processes, env: dict[str, str], http_port: int) -> None:
        self.processes = processes
        self.env = env
        self.http_port = http_port
        self.gunicorn = self.worker = self.beat = None
        self.generation = {"worker": 0, "beat": 0}

    def start_gunicorn(self) -> None:
        argv = [
            str(VENV_BIN / "gunicorn"), "partnerhub.wsgi:application", "--bind", f"127.0.0.1:{self.http_port}",
            "--workers", "2", "--worker-class", "sync", "--timeout", "60", "--graceful-timeout", "10",
            "--log-level", "warning", "--no-control-socket",
        ]  # fmt: skip
        self.gunicorn = self.processes.start("gunicorn", argv, env=self.env, log_path=LOGS / "gunicorn.log")
        wait_for_port(self.http_port, timeout=60, proc=self.gunicorn, what="gunicorn")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                if client.fetch(self.http_port, "GET", "/healthz/", timeout=10).status < 500:
                    break
            time.sleep(0.2)
        while len(self.gunicorn_workers()) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)

    def gunicorn_workers(self) -> list[int]:
        return child_pids(self.gunicorn.pid) if self.gunicorn else []

    def start_worker(self) -> None:
        self.generation["worker"] += 1
        argv = [
            str(VENV_BIN / "celery"), "-A", "partnerhub", "worker", "-P", "prefork", "-c", "2",
            "-n", f"chaos{self.generation['worker']}@%h", "--loglevel", "WARNING", "--without-gossip",
            "--without-mingle",
        ]  # fmt: skip
        self.worker = self.processes.start("celery-worker", argv, env=self.env, log_path=LOGS / "celery-worker.log")

    def worker_pids(self) -> list[int]:
        if self.worker is None:
            return []
        return [self.worker.pid, *child_pids(self.worker.pid)]

    def wait_worker_pool(self, timeout: float = 60) -> None:
        """Until the worker's two pool processes exist (it is about to consume)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.worker.poll() is not None:
                raise RuntimeError(f"the Celery worker exited with {self.worker.returncode}; see {LOGS}")
            if len(self.worker_pids()) >= 3:
                return
            time.sleep(0.2)
        raise RuntimeError("the Celery worker's pool did not start")

    def kill_worker(self, sig: int = signal.SIGKILL) -> None:
        """SIGKILL: the parent and its pool children at once (its process group). SIGTERM: the parent only,
        as a supervisor does; it is a warm shutdown, and waits for it."""
        proc = self.worker
        if sig == signal.SIGKILL:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.send_signal(sig)
        proc.wait(timeout=120)
        self.processes.stop(proc)  # forget it (and reap anything left in its group)
        self.worker = None

    def start_beat(self) -> None:
        self.generation["beat"] += 1
        argv = [
            str(VENV_BIN / "celery"), "-A", "partnerhub", "beat", "--loglevel", "WARNING",
            "--pidfile", str(DATA / "celerybeat.pid"),
        ]  # fmt: skip
        (DATA / "celerybeat.pid").unlink(missing_ok=True)
        self.beat = self.processes.start("celery-beat", argv, env=self.env, log_path=LOGS / "celery-beat.log")

    def kill_beat(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.beat.pid, signal.SIGKILL)
        self.beat.wait(timeout=30)
        self.processes.stop(self.beat)
        self.beat = None
