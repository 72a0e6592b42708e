"""The machine a harness run measured on, for its report: CPU, memory, kernel, the versions of everything that
served, the commit, and the load average (other work on the machine shows in it).
"""

from __future__ import annotations

import contextlib
import os
import platform
import subprocess
from pathlib import Path

from bench.load import redis_server, throughput
from bench.load.stack import ROOT


def redis_version(url: str) -> str:
    with contextlib.suppress(Exception):
        info = redis_server.redis_command(url, "INFO", "server").decode()
        for line in info.splitlines():
            if line.startswith("redis_version:"):
                return line.split(":", 1)[1].strip()
    return "?"


def load_average() -> str:
    with contextlib.suppress(OSError):
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return "?"


def environment() -> dict:
    from importlib.metadata import version

    def first(path: str, key: str) -> str:
        with contextlib.suppress(OSError):
            for line in Path(path).read_text().splitlines():
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
        return "?"

    mem_kib = first("/proc/meminfo", "MemTotal").split()[0]
    commit = "?"
    with contextlib.suppress(Exception):
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,  # noqa: S607
                                check=True).stdout.strip()  # fmt: skip
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,  # noqa: S607
                               capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
        commit += " (with uncommitted changes)" if dirty else ""
    wrk_version = subprocess.run([throughput.wrk_binary(), "-v"], capture_output=True, text=True, check=False)  # noqa: S603
    return {
        "load_average": load_average(),
        "cpu_model": first("/proc/cpuinfo", "model name"),
        "cpus": os.cpu_count(),
        "memory_gib": round(int(mem_kib) / 1024 / 1024, 1) if mem_kib.isdigit() else "?",
        "kernel": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "django": version("Django"),
        "gunicorn": version("gunicorn"),
        "psycopg": version("psycopg"),
        "celery": version("celery"),
        "wrk": (wrk_version.stdout + wrk_version.stderr).splitlines()[0].split(" Copyright")[0].strip(),
        "commit": commit,
    }
