"""A real HTTP receiver on 127.0.0.1 for the webhook tests: it verifies every request's signature with the
`standardwebhooks` library, as an integrator's receiver would, and answers what the test scripts."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    verified: bool
    path: str

    @property
    def payload(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """`answers` is a list of (status, headers) popped per request; when empty every request gets 204."""

    url: str = ""
    secrets: list[str] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    answers: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    on_request: Callable[[Received], None] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def verified_by(self, secret: str, request: Received) -> bool:
        try:
            Webhook(secret).verify(request.body, request.headers)
        except WebhookVerificationError:
            return False
        return True

    @property
    def delivered(self) -> list[Received]:
        """Requests that verified and were answered 2xx, in arrival order."""
        return [request for request in self.requests if request.verified and getattr(request, "ok", False)]


def start(secrets: list[str] | None = None) -> tuple[Receiver, ThreadingHTTPServer]:
    receiver = Receiver(secrets=list(secrets or []))

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet
            pass

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            headers = {key.lower(): value for key, value in self.headers.items()}
            request = Received(headers=headers, body=body, verified=False, path=self.path)
            request.verified = any(receiver.verified_by(secret, request) for secret in receiver.secrets)
            if receiver.on_request is not None:
                receiver.on_request(request)
            with receiver.lock:
                status, extra = receiver.answers.pop(0) if receiver.answers else (204, {})
                request.ok = 200 <= status < 300  # type: ignore[attr-defined]
                receiver.requests.append(request)
            self.send_response(status)
            for key, value in extra.items():
                self.send_header(key, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver, server
