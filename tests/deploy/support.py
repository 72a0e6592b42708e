"""What the deploy tests share: the test PostgreSQL reached over TCP, throwaway databases, an unprivileged user.

The embedded PostgreSQL listens on a Unix socket in a directory only its own user may enter, and neither an
unprivileged process nor PgBouncer (which refuses to run as root) can open it. `tcp_relay` forwards a port on
loopback to the real server byte for byte, so they reach it as they would reach a managed PostgreSQL.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import selectors
import socket
import stat
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psycopg

UNPRIVILEGED_USER = "nobody"


def owner_url() -> str:
    """The test cluster's owner (superuser or BYPASSRLS), as `make test` and CI export it."""
    url = os.environ.get("DATABASE_OWNER_URL") or os.environ.get("DATABASE_URL")
    assert url, "DATABASE_OWNER_URL is not set: run the tests through `make test` (partnerhub/embedded.py exec)"
    return url


def _target(url: str) -> tuple[int, object]:
    """(address family, address) of the server a postgres:// URL names."""
    parts = urlsplit(url)
    port = parts.port or 5432
    host = parts.hostname or parse_qs(parts.query).get("host", ["/var/run/postgresql"])[0]
    if host.startswith("/"):
        return socket.AF_UNIX, os.path.join(host, f".s.PGSQL.{port}")
    return socket.AF_INET, (host, port)


def _pump(client: socket.socket, family: int, address) -> None:
    with client, socket.socket(family, socket.SOCK_STREAM) as server:
        server.connect(address)
        with selectors.DefaultSelector() as selector:
            selector.register(client, selectors.EVENT_READ, server)
            selector.register(server, selectors.EVENT_READ, client)
            while True:
                for key, _ in selector.select():
                    data = key.fileobj.recv(65536)
                    if not data:
                        return
                    key.data.sendall(data)


@contextlib.contextmanager
def tcp_relay(url: str) -> Iterator[int]:
    """A loopback TCP port that forwards every connection to the server `url` names; yields the port."""
    family, address = _target(url)
    listener = socket.create_server(("127.0.0.1", 0))
    stopping = threading.Event()

    def serve() -> None:
        while not stopping.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=_pump, args=(client, family, address), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stopping.set()
        listener.close()


def url_via(url: str, port: int, *, database: str | None = None, user: str | None = None) -> str:
    """`url` rewritten to reach its server through the relay on `port` (optionally another database or role)."""
    parts = urlsplit(url)
    user = user or parts.username or "postgres"
    password = f":{parts.password}" if parts.password and user == parts.username else ""
    database = database or parts.path.lstrip("/")
    return f"postgres://{user}{password}@127.0.0.1:{port}/{database}"


def libpq_dsn(url: str) -> str:
    """A django-environ style URL as psycopg takes it (postgres:// is accepted, ?host= too)."""
    return url.replace("postgres://", "postgresql://", 1)


@contextlib.contextmanager
def throwaway_database(prefix: str) -> Iterator[str]:
    """A new, empty database created by the owner and dropped afterwards; yields its name."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(libpq_dsn(owner_url()), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(libpq_dsn(owner_url()), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def as_unprivileged(command: list[str], user: str = UNPRIVILEGED_USER) -> list[str]:
    """`command` run as `user` when we are root (CI containers, this machine); as ourselves otherwise, who are
    already unprivileged."""
    if os.geteuid() != 0:
        return command
    return ["setpriv", f"--reuid={user}", f"--regid={pwd.getpwnam(user).pw_gid}", "--clear-groups", "--", *command]


def unprivileged_ids(user: str = UNPRIVILEGED_USER) -> tuple[int, int]:
    if os.geteuid() != 0:
        return os.getuid(), os.getgid()
    entry = pwd.getpwnam(user)
    return entry.pw_uid, entry.pw_gid


def _blocked_ancestor(path: Path) -> Path | None:
    """The first directory above `path` that other users may not enter (a pyenv build under /root), if any."""
    for parent in reversed(path.parents):
        if parent != Path("/") and not parent.stat().st_mode & stat.S_IXOTH:
            return parent
    return None


def unprivileged_command(command: list[str], workdir: Path) -> list[str]:
    """`command` as the unprivileged user, with this virtualenv's interpreter reachable by it.

    When the interpreter lives where that user may not enter (here: a pyenv build under /root, mode 0700), a
    private mount namespace hides that directory behind an empty one that holds only the interpreter's
    subtree: nothing changes outside the command, and everything else stays as unreadable as it is."""
    command = as_unprivileged(command)
    blocked = _blocked_ancestor(Path(os.path.realpath(sys.executable)))
    if os.geteuid() != 0 or blocked is None:
        return command
    child = Path(os.path.realpath(sys.executable)).relative_to(blocked).parts[0]
    stash = workdir / "interpreter"
    stash.mkdir()
    script = (
        'mount --bind "$1/$2" "$3" && mount -t tmpfs -o mode=0755,size=1m partnerhub-test "$1"'
        ' && mkdir "$1/$2" && mount --move "$3" "$1/$2" && shift 3 && exec "$@"'
    )
    return ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script, "sh",
            str(blocked), child, str(stash), *command]  # fmt: skip
