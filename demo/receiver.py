"""`make run`'s webhook receiver: what a partner's system would run, on http://127.0.0.1:8001/.

The demo seed registers an endpoint pointing here and writes its signing secret to
`$PARTNERHUB_DATA_DIR/demo-webhook-secret`; each delivery is verified with the `standardwebhooks` library (as a
receiver should: signature, timestamp tolerance), de-duplicated on `webhook-id`, printed, and listed on
http://127.0.0.1:8001/ (newest first). Run as a script (the Procfile's `receiver`): it imports no Django.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import sys
from collections import deque
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("PARTNERHUB_DATA_DIR", ROOT / ".data"))
SECRET_FILE = DATA_DIR / "demo-webhook-secret"
PORT = int(os.environ.get("PARTNERHUB_RECEIVER_PORT", "8001"))

received: deque[dict] = deque(maxlen=200)
seen: set[str] = set()


def verify(body: bytes, headers) -> dict:
    """The event, or WebhookVerificationError: the signature must be by the current secret (or the previous one,
    during a rotation, which the sender signs with too)."""
    secret = SECRET_FILE.read_text().strip() if SECRET_FILE.exists() else ""
    if not secret:
        raise WebhookVerificationError("no secret: run `make seed`")
    wanted = {name: headers.get(name, "") for name in ("webhook-id", "webhook-timestamp", "webhook-signature")}
    return Webhook(secret).verify(body, wanted)


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(min(int(self.headers.get("Content-Length") or 0), 1_000_000))
        event_id = self.headers.get("webhook-id", "")
        try:
            event = verify(body, self.headers)
        except WebhookVerificationError as error:
            self._answer(400, f"signature refused: {error}")
            return
        duplicate = event_id in seen
        seen.add(event_id)
        received.appendleft({"at": datetime.now(UTC).isoformat(timespec="seconds"), "id": event_id,
                             "duplicate": duplicate, "event": event})  # fmt: skip
        print(f"webhook {event_id} {event.get('type')}{' (duplicate, ignored)' if duplicate else ''}", flush=True)
        self._answer(200, "ok")

    def do_GET(self) -> None:  # noqa: N802
        rows = "".join(
            f"<tr><td>{html.escape(item['at'])}</td><td><code>{html.escape(item['id'])}</code></td>"
            f"<td>{html.escape(str(item['event'].get('type')))}</td>"
            f"<td>{'duplicate' if item['duplicate'] else ''}</td>"
            f"<td><pre>{html.escape(json.dumps(item['event'].get('data'), indent=1))}</pre></td></tr>"
            for item in received
        )
        page = (
            "<!doctype html><meta charset=utf-8><title>Webhook receiver</title>"
            "<h1>Webhooks received</h1><p>Verified with the endpoint's secret; newest first.</p>"
            f"<table border=1 cellpadding=4><tr><th>At</th><th>Id</th><th>Type</th><th></th><th>Data</th></tr>{rows}"
            "</table>"
        )
        self._answer(200, page, "text/html; charset=utf-8")

    def _answer(self, status: int, text: str, content_type: str = "text/plain; charset=utf-8") -> None:
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - http.server's signature
        pass


def main() -> int:
    server = ThreadingHTTPServer(("127.0.0.1", PORT), Receiver)
    print(f"Webhook receiver at http://127.0.0.1:{PORT}/", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
