"""`make run`'s webhook receiver verifies each delivery's signature, refuses a forged one and marks a replay."""

from __future__ import annotations

import base64
import threading
import urllib.error
import urllib.request
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer

import pytest
from standardwebhooks.webhooks import Webhook

from demo import receiver

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()


@pytest.fixture
def running(tmp_path, monkeypatch):
    (tmp_path / "demo-webhook-secret").write_text(SECRET)
    monkeypatch.setattr(receiver, "SECRET_FILE", tmp_path / "demo-webhook-secret")
    receiver.received.clear()
    receiver.seen.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), receiver.Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _signed(body: bytes, event_id: str, secret: str = SECRET) -> dict[str, str]:
    now = datetime.now(UTC)
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(event_id, now, body.decode()),
        "Content-Type": "application/json",
    }


def test_a_signed_delivery_is_kept_a_forged_one_refused_a_replay_marked(running):
    body = b'{"type": "test-created", "data": {"resource": "test"}}'

    assert _post(running, body, _signed(body, "evt_1")) == 200
    forged = "whsec_" + base64.b64encode(b"another-secret-another-secret-12").decode()
    assert _post(running, body, _signed(body, "evt_2", forged)) == 400
    assert _post(running, body, _signed(body, "evt_1")) == 200

    page = urllib.request.urlopen(running, timeout=5).read().decode()  # noqa: S310
    assert page.count("test-created") == 2
    assert [item["duplicate"] for item in receiver.received] == [True, False]
