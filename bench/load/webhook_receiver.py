"""The receiver of `make bench-webhooks`: a threaded stdlib HTTP server on 127.0.0.1 that verifies every delivery's
signature with the `standardwebhooks` library (as an integrator's receiver would), counts deliveries per
`webhook-id`, and answers 200 at once. A request whose signature does not verify is answered 401 and counted apart
(the sender then retries it, which the run reports as attempts beyond the first).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


class WebhookReceiver:
    """`secret` may be set after start (the endpoint is created once the server has a URL to register)."""

    def __init__(self, secret: str = "") -> None:
        self.secret = secret
        self.lock = threading.Lock()
        self.ids: Counter[str] = Counter()  # verified deliveries per webhook-id
        self.first_at: dict[str, float] = {}  # webhook-id → time.monotonic() of its first verified delivery
        self.rejected = 0  # requests whose signature did not verify
        self.requests = 0
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    @property
    def unique(self) -> int:
        return len(self.ids)

    def reset(self) -> None:
        with self.lock:
            self.ids.clear()
            self.first_at.clear()
            self.rejected = self.requests = 0

    def verify(self, body: bytes, headers: dict[str, str]) -> str | None:
        """The webhook-id if the signature (and timestamp tolerance) verifies with the endpoint's secret."""
        if not self.secret:
            return None
        try:
            Webhook(self.secret).verify(body, headers)
        except WebhookVerificationError:
            return None
        return headers.get("webhook-id") or None

    def start(self) -> WebhookReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet: thousands of requests
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                event_id = receiver.verify(body, {key.lower(): value for key, value in self.headers.items()})
                now = time.monotonic()
                with receiver.lock:
                    receiver.requests += 1
                    if event_id is None:
                        receiver.rejected += 1
                    else:
                        receiver.ids[event_id] += 1
                        receiver.first_at.setdefault(event_id, now)
                status = 200 if event_id else 401
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 128  # a burst of new connections from the worker's pool

        self.server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, name="webhook-receiver", daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
