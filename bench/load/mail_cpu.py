"""Where the CPU went during a `make bench-mail` run (Linux /proc; on other systems these figures are simply left
out): the worker and its pool, this process (the sink), every PostgreSQL and Redis process, and the machine.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu(pid: int, *, reaped_children: bool = False) -> float:
    """CPU seconds (user + system) a process has used so far, with those of the children it has
    reaped if asked (how the postmaster accounts for backends that have exited); 0 when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = [int(field) for field in stat[stat.rindex(")") + 2 :].split()[11:15]]
    return sum(fields if reaped_children else fields[:2]) / TICK


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for children in Path(f"/proc/{current}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                todo.extend(int(child) for child in children.read_text().split())
    return found


def servers_cpu() -> dict[str, float]:
    """CPU seconds of every PostgreSQL and Redis process on the machine (whoever they work for),
    including backends that have exited since."""
    totals = {"postgres": 0.0, "redis": 0.0}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError):
            text = stat.read_text()
            name = text[text.index("(") + 1 : text.rindex(")")]
            kind = "postgres" if name.startswith(("postgres", "postmaster")) else "redis" if "redis" in name else None
            if kind:
                totals[kind] += process_cpu(int(stat.parent.name), reaped_children=True)
    return totals


def machine_busy() -> float:
    """CPU seconds all cores have spent busy since boot."""
    with contextlib.suppress(OSError):
        ticks = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        return (sum(ticks[:8]) - ticks[3] - ticks[4]) / TICK  # all but idle and iowait
    return 0.0


class CpuMeter:
    """CPU used between start() and stop(), by the worker, this process (the sink), the databases
    and everything else on the machine."""

    def __init__(self, worker_pid: int) -> None:
        self.worker_pid = worker_pid

    def _sample(self) -> dict[str, float]:
        return {
            "worker": sum(process_cpu(pid) for pid in descendants(self.worker_pid)),
            "sink": time.process_time(),  # this process: the SMTP sink's thread and a polling loop
            **servers_cpu(),
            "machine": machine_busy(),
        }

    def start(self) -> None:
        self.before = self._sample()

    def stop(self, *, producers: float, emails: int) -> dict[str, float]:
        """CPU milliseconds per email; "other" is what processes outside this benchmark used."""
        after = self._sample()
        used = {key: after[key] - self.before[key] for key in after}
        used["producers"] = producers
        ours = sum(value for key, value in used.items() if key != "machine")
        used["other"] = max(0.0, used.pop("machine") - ours)
        return {key: round(value * 1000 / max(emails, 1), 2) for key, value in used.items()}


def cpu_bound_causes(misses: list[tuple[str, dict, float, float]], *, cores: int, unit: str, rate: str) -> list[str]:
    """Report lines naming the measured cause of each missed throughput target (make bench-mail, bench-webhooks):
    the CPU the benchmark's own processes spent per `unit` (all but *other*) and the rate `cores` idle cores could
    give at that cost. `misses`: (label, CPU ms per unit by process, target per second, measured per second)."""
    if not misses:
        return []
    lines = [
        "",
        "Where a target was missed, the measured cause: the CPU this benchmark's own processes spent per "
        f"{unit} (all but *other*), and the rate {cores} idle cores could give at that cost ({cores} × 1,000 ms "
        f"÷ CPU ms per {unit}); the rest of the gap is *other* work on the cores:",
        "",
    ]
    for label, cpu, target, measured in misses:
        own = sum(value for key, value in cpu.items() if key != "other")
        if own:
            lines.append(
                f"- {label}: {own:.2f} ms of CPU per {unit}, at most {cores * 1000 / own:.0f} {rate} "
                f"(target ≥{target}); measured {measured:.0f} with *other* at {cpu.get('other', 0):.2f} ms per {unit}."
            )
    return lines
