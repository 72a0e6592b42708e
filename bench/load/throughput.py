"""Closed-loop maximum throughput with wrk (`wrk -t2 -c16 --latency`), and its output parsed."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

LUA = Path(__file__).resolve().parent / "wrk"
THREADS = 2
CONNECTIONS = 16

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is not installed: apt-get install -y wrk")
    return found


def _duration_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text.strip())
    if not match:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


@dataclass
class WrkResult:
    requests: int = 0
    seconds: float = 0.0
    rps: float = 0.0
    non_2xx_3xx: int = 0
    socket_errors: dict[str, int] = field(default_factory=dict)
    latency_ms: dict[str, float] = field(default_factory=dict)  # "50" "75" "90" "99"
    pool: list[dict[str, float]] = field(default_factory=list)  # pool.lua, per thread: counts, start and end times
    checks: list[dict] = field(default_factory=list)  # per thread: answered, bad (not the page asked for), first bad
    output: str = ""

    @property
    def errors(self) -> int:
        return self.non_2xx_3xx + sum(self.socket_errors.values())

    @property
    def unexpected(self) -> int:
        """Answers that were not the page asked for (a GET's 200, a POST's redirect to its page), 3xx included."""
        return sum(check["bad"] for check in self.checks)

    @property
    def first_unexpected(self) -> tuple[int, str] | None:
        for check in self.checks:
            if check["bad"]:
                return check["first_bad"], check["location"]
        return None


def parse(output: str) -> WrkResult:
    result = WrkResult(output=output)
    if match := re.search(r"(\d+) requests in ([\d.]+\w+),", output):
        result.requests = int(match.group(1))
        result.seconds = _duration_ms(match.group(2)) / 1000
    if match := re.search(r"Requests/sec:\s+([\d.]+)", output):
        result.rps = float(match.group(1))
    if match := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output):
        result.non_2xx_3xx = int(match.group(1))
    if match := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output):
        result.socket_errors = dict(zip(("connect", "read", "write", "timeout"), map(int, match.groups()), strict=True))
    for percent, value in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+\w+)\s*$", output, re.MULTILINE):
        result.latency_ms[percent] = round(_duration_ms(value), 3)
    for thread, answered, bad, first_bad, location in re.findall(
        r"^CHECK thread=(\d+) answered=(\d+) bad=(\d+) first_bad=(\d+) location=(.*)$", output, re.MULTILINE
    ):
        result.checks.append({"thread": int(thread), "answered": int(answered), "bad": int(bad),
                              "first_bad": int(first_bad), "location": location.strip()})  # fmt: skip
    for line in re.findall(r"^POOL (.*)$", output, re.MULTILINE):
        result.pool.append({key: float(value) for key, value in (item.split("=") for item in line.split())})
    return result


def run_get(
    port: int, path: str, *, cookie: str, seconds: float, timeout_s: int = 10, authorization: str = "",
    content_type: str = "",
) -> WrkResult:  # fmt: skip
    """`seconds` of GET `path` as fast as 16 connections go, with the principal's session cookie or (the API) its
    `Authorization` header; an answer is as asked if it is a 200 (and its Content-Type starts with `content_type`)."""
    return _run(port, seconds, LUA / "get.lua", [path, cookie, authorization, content_type], timeout_s)


def run_pool(
    port: int, pool_file: Path, *, cookie: str, csrf: str, body: str, seconds: float, filler: str, expect_redirect: str,
    timeout_s: int = 10,
) -> WrkResult:  # fmt: skip
    """`seconds` of POSTs, each to the next unused path of `pool_file`; ends early when the pool runs out. A POST
    is answered as asked only by a redirect to `expect_redirect`."""
    args = [str(pool_file), str(THREADS), cookie, csrf, body, filler, expect_redirect]
    return _run(port, seconds, LUA / "pool.lua", args, timeout_s)


def _run(port: int, seconds: float, script: Path, args: list[str], timeout_s: int) -> WrkResult:
    argv = [
        wrk_binary(), f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s", f"--timeout={timeout_s}s",
        "--latency", "-s", str(script), f"http://127.0.0.1:{port}/", "--", *args,
    ]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 120, check=False)  # noqa: S603
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    return parse(done.stdout)
