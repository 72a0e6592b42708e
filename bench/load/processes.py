"""The child processes of a harness run: a registry that starts each in its own session and stops it by its pid,
free loopback ports and waiting for a server to listen, and what /proc says of a process (children, memory, CPU).
"""

from __future__ import annotations

import contextlib
import glob
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.load.stack import ROOT, log


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
