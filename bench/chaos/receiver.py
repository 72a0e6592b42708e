"""The chaos suite's webhook receiver (F9): what a partner's system runs, on loopback, in the harness's process.

Each POST is verified with the `standardwebhooks` library (signature by the endpoint's secret, timestamp
tolerance), as a receiver must; a request that fails verification is counted (`bad_signatures`) and refused
with 400. A verified one is recorded by its `webhook-id` **when it is accepted**, before the answer is written
(as a receiver commits the event, then answers 2xx): the same id seen twice is a duplicate, which a real
receiver deduplicates on `webhook-id`. The faults:

- `stop()` / `start()` again on the **same port**: connections refused, then back.
- `unavailable = True`: every delivery is answered `503` with `Retry-After` (not recorded: nothing was kept).
- `hold = s`: each accepted delivery waits `s` seconds before its `200`, so that deliveries are in flight
  (recorded here, unanswered to the worker) when the worker is killed; `in_flight()` lists their ids.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        receiver = self.server.receiver
        length = min(int(self.headers.get("Content-Length") or 0), 1_000_000)
        body = self.rfile.read(length)
        event_id = self.headers.get("webhook-id", "")
        if len(body) < length:  # the sender died while writing it (a SIGKILL): nothing to keep, nobody to answer
            receiver._count("truncated")
            return
        try:
            Webhook(receiver.secret).verify(body, {name: self.headers.get(name, "") for name in HEADERS})
        except WebhookVerificationError:
            receiver._count("bad_signatures")
            self._answer(400)
            return
        if receiver.unavailable:
            receiver._count("answered_503")
            self._answer(503, {"Retry-After": str(receiver.retry_after)})
            return
        hold = receiver._accept(event_id)
        try:
            if hold:
                time.sleep(hold)
            self._answer(200)
        finally:
            receiver._answered(event_id)

    def _answer(self, status: int, headers: dict[str, str] | None = None) -> None:
        with contextlib.suppress(OSError):  # the worker may be dead (SIGKILLed mid-delivery): nobody reads it
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - http.server's signature
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, receiver: WebhookReceiver, address: tuple[str, int]) -> None:
        super().__init__(address, _Handler)
        self.receiver = receiver

    def handle_error(self, request, client_address) -> None:
        pass  # a worker killed mid-delivery leaves a reset connection behind: expected here


class WebhookReceiver:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.secret = ""
        self.unavailable = False
        self.retry_after = 5
        self.hold = 0.0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.reset()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/chaos/webhooks"

    def start(self) -> WebhookReceiver:
        if self._server is not None:
            raise RuntimeError("the receiver is already running")
        self._server = _Server(self, (self.host, self.port))
        self.port = self._server.server_address[1]  # a restart comes back on the same port
        self._thread = threading.Thread(target=self._server.serve_forever, name="webhook-receiver", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()  # the port refuses connections from now on
        self._server = None

    @property
    def running(self) -> bool:
        return self._server is not None

    def reset(self) -> None:
        with self._lock:
            self.seen: Counter[str] = Counter()
            self.first_seen: dict[str, float] = {}
            self.counts: Counter[str] = Counter()
            self._in_flight: Counter[str] = Counter()

    def _count(self, what: str) -> None:
        with self._lock:
            self.counts[what] += 1

    def _accept(self, event_id: str) -> float:
        with self._lock:
            self.seen[event_id] += 1
            self.first_seen.setdefault(event_id, time.monotonic())
            self._in_flight[event_id] += 1
            self.counts["accepted"] += 1
            return self.hold

    def _answered(self, event_id: str) -> None:
        with self._lock:
            self._in_flight[event_id] -= 1
            if self._in_flight[event_id] <= 0:
                del self._in_flight[event_id]

    def in_flight(self) -> set[str]:
        """Deliveries recorded and not answered yet."""
        with self._lock:
            return set(self._in_flight)

    def snapshot(self) -> tuple[dict[str, int], dict[str, int]]:
        """(deliveries per webhook-id, the other counters)."""
        with self._lock:
            return dict(self.seen), dict(self.counts)
