"""PostgreSQL for a harness run: the system's server binaries, a throwaway cluster tuned for throughput with
pg_stat_statements, one-off queries, and the app's own database role, which the servers must connect as.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.load.processes import Processes, free_port, wait_for_port
from bench.load.stack import log

# The app's own database role (partnerhub/embedded.py, settings.DATABASE_APP_ROLE): owns no table, is no
# superuser, cannot bypass row-level security. The harness's servers connect as it, as `make run` does; the
# migrations and the seed run as the owner (the cluster's superuser), which the migrations need.
APP_ROLE = os.environ.get("DATABASE_APP_ROLE", "partnerhub_app")


def as_role(url: str, role: str) -> str:
    """The same database as `role`: postgres://owner@host:port/db → postgres://role@host:port/db (no password;
    local connections are trusted in the harness's clusters)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, f"{role}@{host}", parts.path, parts.query, parts.fragment))


def database_roles(owner_url: str, database: str) -> dict:
    """Who is connected to `database` besides us (pg_stat_activity), and whether any of them can skip
    row-level security (superuser or BYPASSRLS): what the run reports as "ran as"."""
    import psycopg

    with psycopg.connect(owner_url, autocommit=True, connect_timeout=5) as conn:
        rows = conn.execute(
            "SELECT a.usename, count(*), bool_or(r.rolsuper OR r.rolbypassrls) FROM pg_stat_activity a "
            "JOIN pg_roles r ON r.rolname = a.usename WHERE a.datname = %s AND a.pid <> pg_backend_pid() "
            "GROUP BY a.usename ORDER BY a.usename",
            (database,),
        ).fetchall()
    return {name: {"connections": count, "bypasses_rls": bool(bypass)} for name, count, bypass in rows}


def check_app_role(owner_url: str, database: str, *, what: str) -> dict:
    """The servers' connections to `database` are all the app role's, which cannot bypass row-level security;
    raise otherwise. Returns what was seen."""
    seen = database_roles(owner_url, database)
    if not seen:
        raise RuntimeError(f"{what}: no connection to {database} to check the role of")
    if set(seen) != {APP_ROLE} or any(v["bypasses_rls"] for v in seen.values()):
        raise RuntimeError(f"{what}: {database} is used by {seen}; expected only {APP_ROLE}, without BYPASSRLS")
    return seen


def query(url: str, sql: str, params: tuple | list = ()) -> list[tuple]:
    """One statement on its own autocommit connection; its rows, if it returns any."""
    import psycopg

    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        cur = conn.execute(sql, params)
        return cur.fetchall() if cur.description else []


def postgres_bindir() -> Path:
    """The system PostgreSQL's binaries: `pg_config --bindir`, else the newest /usr/lib/postgresql/*/bin."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(subprocess.CalledProcessError, OSError):
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=True)  # noqa: S603
            candidates.append(Path(out.stdout.strip()))
    candidates += sorted(
        (Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    for bindir in candidates:
        if (bindir / "initdb").exists() and (bindir / "postgres").exists():
            return bindir
    raise RuntimeError(
        "no PostgreSQL server binaries found (pg_config --bindir, /usr/lib/postgresql/*/bin): install "
        "postgresql (Debian: apt-get install postgresql) or set BENCH_DATABASE_URL"
    )


def has_pg_stat_statements(bindir: Path) -> bool:
    """The contrib module is installed next to these binaries (Debian ships it in postgresql-<v> itself)."""
    version = bindir.parent.name
    shares = [Path(f"/usr/share/postgresql/{version}/extension"), bindir.parent / "share" / "extension"]
    pg_config = bindir / "pg_config"
    if pg_config.exists():
        with contextlib.suppress(subprocess.CalledProcessError, OSError):
            out = subprocess.run([str(pg_config), "--sharedir"], capture_output=True, text=True, check=True)  # noqa: S603
            shares.insert(0, Path(out.stdout.strip()) / "extension")
    return any((share / "pg_stat_statements.control").exists() for share in shares)


def server_user() -> str | None:
    """PostgreSQL refuses to run as root: run it as `postgres` (or pgserver's user) when we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "pgserver"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise RuntimeError("running as root and there is no `postgres` user to run the bench's PostgreSQL as")


# Throughput settings for a throwaway cluster. fsync, full_page_writes and synchronous_commit are off: a crash
# loses the bench database, which is re-seeded anyway, and commit latency then no longer depends on the disk of
# whatever machine runs the bench (it would dominate the POST numbers on a cloud VM's network disk).
BENCH_CONF = """
# Written by bench/load/pg_cluster.py; the port comes from the command line.
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 100
shared_buffers = 256MB
effective_cache_size = 1GB
work_mem = 16MB
maintenance_work_mem = 256MB
random_page_cost = 1.1
timezone = 'UTC'
fsync = off
full_page_writes = off
synchronous_commit = off
wal_level = minimal
max_wal_senders = 0
max_wal_size = 4GB
checkpoint_timeout = 30min
shared_preload_libraries = '{preload}'
pg_stat_statements.max = 10000
pg_stat_statements.track = top
pg_stat_statements.track_utility = on
logging_collector = off
log_min_duration_statement = -1
"""


@dataclass
class Cluster:
    """A throwaway cluster in `datadir` on a loopback port: what the bench's and the chaos run's clusters share
    (initdb, their own configuration file included, the owner's URL, readiness, one-off queries)."""

    datadir: Path
    port: int = 0
    bindir: Path = field(default_factory=postgres_bindir)

    @property
    def user(self) -> str | None:
        return server_user()

    def url(self, database: str) -> str:
        """The owner (the cluster's superuser): migrations, the seed, pg_stat_statements, the chaos ledger's reads."""
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def initdb(self, say: Callable[[str], None]) -> None:
        """A new cluster in `datadir` unless there is one; a failed initdb raises CalledProcessError."""
        if (self.datadir / "PG_VERSION").exists():
            return
        say(f"initdb {self.datadir}")
        self.datadir.mkdir(parents=True, exist_ok=True)
        self._chown(self.datadir)
        subprocess.run(  # noqa: S603
            [str(self.bindir / "initdb"), "-D", str(self.datadir), "-U", "postgres", "--auth=trust",
             "-E", "UTF8", "--locale=C.UTF-8"],
            user=self.user, check=True, capture_output=True, text=True,
        )  # fmt: skip

    def include_conf(self, name: str, text: str) -> None:
        """`name` (written with `text`) included at the end of postgresql.conf, once."""
        conf = self.datadir / "postgresql.conf"
        include = f"include_if_exists = '{name}'"
        if include not in conf.read_text():
            with conf.open("a") as out:
                out.write(f"\n{include}\n")
        (self.datadir / name).write_text(text)
        self._chown(self.datadir / name)

    def wait_ready(self, timeout: float = 60) -> None:
        """Accepting TCP is not accepting queries: wait out crash recovery / start-up."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.execute("postgres", "SELECT 1")
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def _chown(self, path: Path) -> None:
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def execute(self, database: str, sql: str, params: tuple | list = ()) -> list[tuple]:
        return query(self.url(database), sql, params)


@dataclass
class Postgres(Cluster):
    """The bench's cluster, started as our child on a free loopback port, with pg_stat_statements if installed."""

    processes: Processes = field(kw_only=True)
    proc: subprocess.Popen | None = None
    stat_statements: bool = False

    def app_url(self, database: str) -> str:
        """The app's own role, under row-level security: what gunicorn and Celery connect as."""
        return as_role(self.url(database), APP_ROLE)

    def start(self) -> None:
        self.stat_statements = has_pg_stat_statements(self.bindir)
        if not self.stat_statements:
            log(f"pg_stat_statements is not installed for {self.bindir}: queries per request will be 'unavailable'")
        try:
            self.initdb(log)
        except subprocess.CalledProcessError as exc:
            raise RuntimeError(f"initdb failed: {exc.stderr or exc.stdout}") from exc
        preload = "pg_stat_statements" if self.stat_statements else ""
        self.include_conf("bench.conf", BENCH_CONF.format(preload=preload))
        self.port = free_port()
        self.proc = self.processes.start(
            "postgres",
            [str(self.bindir / "postgres"), "-D", str(self.datadir), "-p", str(self.port)],
            env={"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8"},
            log_path=self.datadir.parent / f"{self.datadir.name}.log",
            stop_signal=signal.SIGINT,  # "fast" shutdown; SIGTERM would wait for clients to leave
            user=self.user,
            cwd=self.datadir,
        )
        wait_for_port(self.port, timeout=60, proc=self.proc, what="PostgreSQL")
        self.wait_ready()
        if self.stat_statements:
            self.execute("postgres", "CREATE EXTENSION IF NOT EXISTS pg_stat_statements")

    def _chown(self, path: Path) -> None:
        super()._chown(path)
        if self.user:
            path.chmod(0o700 if path.is_dir() else 0o600)

    def stop(self) -> None:
        if self.proc is not None:
            self.processes.stop(self.proc, timeout=60)
            self.proc = None
