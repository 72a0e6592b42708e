"""The chaos suite's SMTP sink: bench/load/smtp_sink.py's counting sink, plus two faults.

- `stop()` / `start()` again on the **same port** (SMTP down: connections refused, then back).
- `drop_fraction = p`: after a message's DATA has been received, with probability p the connection is
  aborted instead of answering `250`. The message is counted as delivered anyway (the worst case: the
  server kept it, the client never heard so), so a retry shows up as a duplicate, bounded by `drops`.
"""

from __future__ import annotations

import random

from bench.load.smtp_sink import SmtpSink, _Controller, _Handler, idempotency_key


class _DroppingHandler(_Handler):
    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        sink: ChaosSink = self.sink
        sink._record(idempotency_key(envelope.original_content or b""))
        if sink.drop_fraction and sink._random.random() < sink.drop_fraction:
            sink._dropped()
            server.transport.abort()  # no 250: the client sees the connection reset
            return "421 dropped"  # written to a closed transport: never sent
        return "250 OK: queued"


class _ChaosController(_Controller):
    def __init__(self, sink: ChaosSink, *, hostname: str, port: int) -> None:
        super().__init__(sink, hostname=hostname, port=port)
        self.handler = _DroppingHandler(sink)


class ChaosSink(SmtpSink):
    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, seed: int = 20260520) -> None:
        super().__init__(host, port)
        self.drop_fraction = 0.0
        self.drops = 0
        self._random = random.Random(seed)  # noqa: S311

    def start(self) -> ChaosSink:
        if self._controller is not None:
            raise RuntimeError("the sink is already running")
        self._controller = _ChaosController(self, hostname=self.host, port=self._requested_port)
        self._controller.start()
        self._requested_port = self._controller.port  # a restart comes back on the same port
        with self._lock:  # forget the controller's own readiness probe, keep what was counted before
            self.connections = max(0, self.connections - 1)
        return self

    @property
    def running(self) -> bool:
        return self._controller is not None

    def reset(self) -> None:
        super().reset()
        with self._lock:
            self.drops = 0

    def _dropped(self) -> None:
        with self._lock:
            self.drops += 1

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self.keys)
