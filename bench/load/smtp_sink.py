"""An SMTP server that accepts everything and counts it: connections, messages, and deliveries per
idempotency key, with the time of each key's first delivery.

    sink = SmtpSink()          # 127.0.0.1, a free port
    sink.start()               # serves from a thread; sink.port is the real port
    ...                        # point EMAIL_HOST / EMAIL_PORT at it
    sink.keys                  # {idempotency key: deliveries}; more than 1 is a duplicate
    sink.delivered_at          # {idempotency key: time.monotonic() of the first 250}
    sink.stop()

The key is read from `X-PartnerHub-Idempotency-Key`, or failing that from the outbox's
`Message-ID: <key@partnerhub>`; a message carrying neither counts under "" (visible, never lost).
Only the header block is scanned, with a regular expression rather than the email parser, so the
sink stays cheap next to the workers it measures. Used by `bench/load/mail.py` and the HTTP load harness.
"""

from __future__ import annotations

import re
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

_KEY_HEADER = re.compile(rb"^X-PartnerHub-Idempotency-Key:[ \t]*([^\r\n]+?)[ \t]*\r?$", re.IGNORECASE | re.MULTILINE)
_MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*<([^@>\r\n]+)@partnerhub>", re.IGNORECASE | re.MULTILINE)


def idempotency_key(content: bytes) -> str:
    """The outbox key of a raw message ("" when it carries none)."""
    end = content.find(b"\r\n\r\n")
    headers = content if end < 0 else content[:end]
    match = _KEY_HEADER.search(headers) or _MESSAGE_ID.search(headers)
    return match.group(1).decode("ascii", "replace") if match else ""


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        self.sink._record(idempotency_key(envelope.original_content or b""))
        return "250 OK: queued"


class _Controller(Controller):
    """aiosmtpd's threaded controller, binding port 0 to a free port and counting connections."""

    def __init__(self, sink: SmtpSink, *, hostname: str, port: int) -> None:
        super().__init__(_Handler(sink), hostname=hostname, port=port)
        self.sink = sink

    def factory(self) -> SMTP:  # one SMTP protocol instance per accepted connection
        self.sink._connected()
        return SMTP(self.handler, **self.SMTP_kwargs)

    def _create_server(self):
        return self._bind()

    async def _bind(self):
        server = await self.loop.create_server(self._factory_invoker, host=self.hostname, port=self.port)
        self.port = server.sockets[0].getsockname()[1]
        return server


class SmtpSink:
    """A counting SMTP sink on `host`:`port` (0: any free port), served from a background thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self._requested_port = port
        self._controller: _Controller | None = None
        self._lock = threading.Lock()
        self.messages = 0
        self.connections = 0
        self.keys: dict[str, int] = {}
        self.delivered_at: dict[str, float] = {}

    @property
    def port(self) -> int:
        if self._controller is None:
            return self._requested_port
        return self._controller.port

    def start(self) -> SmtpSink:
        if self._controller is not None:
            raise RuntimeError("the sink is already running")
        self._controller = _Controller(self, hostname=self.host, port=self._requested_port)
        self._controller.start()
        self.reset()  # forget the controller's own readiness probe
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def reset(self) -> None:
        """Zero every counter (between runs against the same sink)."""
        with self._lock:
            self.messages = 0
            self.connections = 0
            self.keys = {}
            self.delivered_at = {}

    @property
    def duplicates(self) -> int:
        """Deliveries beyond the first, over all keys."""
        with self._lock:
            return sum(count - 1 for count in self.keys.values() if count > 1)

    def _connected(self) -> None:
        with self._lock:
            self.connections += 1

    def _record(self, key: str) -> None:
        now = time.monotonic()
        with self._lock:
            self.messages += 1
            self.keys[key] = self.keys.get(key, 0) + 1
            self.delivered_at.setdefault(key, now)

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
