"""Open-loop load at a constant rate, with latency measured from each request's *intended* send time.

wrk (closed loop) measures the maximum; a closed loop under-reports latency because a slow response delays the
requests behind it, which then never see the queue ("coordinated omission"). wrk2 fixes that but is not
packaged by Debian, so this is the same idea in asyncio: request i is due at start + i/rate whatever happened
to the requests before it, and its latency runs from that due time to the last byte of its response. If the
generator itself falls behind (it shares the two cores with the server) the delay counts against the server,
as it must; `lag_p99_ms` reports how late the generator was, so a run where the generator was the bottleneck
can be recognised.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass
class Stream:
    """One endpoint's share of the load: `rate` requests/s, each made by `next_request` (None: nothing left)."""

    name: str
    rate: float
    next_request: Callable[[int], Request | None]
    # Whether (status, Location, Content-Type) is the answer asked for; the others are counted and sampled in
    # `unexpected`.
    accepts: Callable[[int, str, str], bool] | None = None
    unexpected: list[tuple[str, str, int, str]] = field(default_factory=list)  # (method, path, status, location)
    unexpected_count: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    lag_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    failures: Counter = field(default_factory=Counter)  # exceptions and timeouts by type
    sent: int = 0
    exhausted: bool = False
    first_due: float = 0.0
    last_done: float = 0.0

    def summary(self, ok_statuses: tuple[int, ...] = ()) -> dict:
        latencies = sorted(self.latencies_ms)
        errors = sum(count for status, count in self.statuses.items() if status >= 400 and status not in ok_statuses)
        errors += sum(self.failures.values())
        elapsed = max(self.last_done - self.first_due, 1e-9)
        return {
            "target_rps": round(self.rate, 1),
            "achieved_rps": round(len(latencies) / elapsed, 1) if latencies else 0.0,
            "requests": self.sent,
            "completed": len(latencies),
            "p50_ms": percentile(latencies, 50),
            "p95_ms": percentile(latencies, 95),
            "p99_ms": percentile(latencies, 99),
            "max_ms": round(latencies[-1], 2) if latencies else None,
            "errors": errors,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "failures": dict(self.failures),
            "lag_p99_ms": percentile(sorted(self.lag_ms), 99),
            "exhausted": self.exhausted,
            "unexpected": self.unexpected_count,
        }


def percentile(sorted_values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return round(sorted_values[rank - 1], 2)


class _Connections:
    """Keep-alive connections to one server, reused when the server allows (gthread does, sync does not)."""

    def __init__(self, port: int):
        self.port = port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def get(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bool]:
        while self.idle:
            reader, writer = self.idle.pop()
            if not writer.is_closing() and not reader.at_eof():
                return reader, writer, True
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        return reader, writer, False

    def put(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.idle.append((reader, writer))

    def close(self) -> None:
        for _, writer in self.idle:
            writer.close()
        self.idle.clear()


def _encode(port: int, request: Request) -> bytes:
    lines = [f"{request.method} {request.path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{key}: {value}" for key, value in request.headers.items()]
    if request.body or request.method == "POST":
        lines.append(f"Content-Length: {len(request.body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + request.body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool, str, str]:
    """The status, whether the connection may be reused, the Location and the Content-Type; the body is read and
    dropped."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    version, status = lines[0].split(" ", 2)[:2]
    headers = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        if key:
            headers[key.strip().lower()] = value.strip()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.read()  # until the server closes
        return int(status), False, headers.get("location", ""), headers.get("content-type", "")
    keep = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
    return int(status), keep, headers.get("location", ""), headers.get("content-type", "")


async def _exchange(pool: _Connections, port: int, request: Request) -> tuple[int, str, str]:
    payload = _encode(port, request)
    for attempt in (1, 2):
        reader, writer, reused = await pool.get()
        try:
            writer.write(payload)
            await writer.drain()
            status, keep, location, content_type = await _read_response(reader)
        except (ConnectionError, asyncio.IncompleteReadError) as exc:
            writer.close()
            if reused and attempt == 1:
                continue  # the server closed an idle keep-alive connection: one retry on a fresh one
            raise exc from None
        except BaseException:
            writer.close()
            raise
        if keep:
            pool.put(reader, writer)
        else:
            writer.close()
        return status, location, content_type
    raise ConnectionError("unreachable")


async def _drive(stream: Stream, *, port: int, start: float, seconds: float, limit: asyncio.Semaphore, timeout: float):
    loop = asyncio.get_running_loop()
    pool = _Connections(port)
    pending: set[asyncio.Task] = set()
    count = int(stream.rate * seconds)
    stream.first_due = start

    async def one(request: Request, due: float) -> None:
        async with limit:  # waiting for a slot counts: latency runs from `due`
            try:
                status, location, content_type = await asyncio.wait_for(_exchange(pool, port, request), timeout)
            except TimeoutError:
                stream.failures["timeout"] += 1
                return
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                stream.failures[type(exc).__name__] += 1
                return
        now = loop.time()
        if stream.accepts is not None and not stream.accepts(status, location, content_type):
            stream.unexpected_count += 1
            if len(stream.unexpected) < 5:
                stream.unexpected.append((request.method, request.path, status, location))
        stream.statuses[status] += 1
        stream.latencies_ms.append((now - due) * 1000)
        stream.last_done = max(stream.last_done, now)

    for i in range(count):
        due = start + i / stream.rate
        delay = due - loop.time()
        await asyncio.sleep(max(0.0, delay))  # 0 still yields: a late generator must let responses in
        request = stream.next_request(i)
        if request is None:
            stream.exhausted = True
            break
        stream.lag_ms.append(max(0.0, (loop.time() - due) * 1000))
        stream.sent += 1
        task = asyncio.create_task(one(request, due))
        pending.add(task)
        task.add_done_callback(pending.discard)
    if pending:
        await asyncio.gather(*pending)
    pool.close()


async def run_streams(
    streams: list[Stream],
    *,
    port: int,
    seconds: float,
    max_in_flight: int = 400,
    timeout: float = 30,
    every: tuple[float, Callable[[], Awaitable[None] | None]] | None = None,
) -> None:
    """Drive all streams at once for `seconds` (a mixed load), calling `every[1]` each `every[0]` seconds."""
    loop = asyncio.get_running_loop()
    limit = asyncio.Semaphore(max_in_flight)
    start = loop.time() + 0.1
    ticker = None
    if every is not None:
        interval, callback = every

        async def tick() -> None:
            while True:
                await asyncio.sleep(interval)
                result = callback()
                if asyncio.iscoroutine(result):
                    await result

        ticker = asyncio.create_task(tick())
    try:
        await asyncio.gather(
            *(_drive(s, port=port, start=start, seconds=seconds, limit=limit, timeout=timeout) for s in streams)
        )
    finally:
        if ticker is not None:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker


def run(streams: list[Stream], *, port: int, seconds: float, **kwargs) -> None:
    asyncio.run(run_streams(streams, port=port, seconds=seconds, **kwargs))
