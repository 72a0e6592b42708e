"""The chaos run's own HTTP traffic: requests as a signed-in principal from ever-changing client addresses, each
checked to be the page asked for, with every 5xx and every unexpected answer recorded for the scenario's verdict.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from urllib.parse import urlencode, urlparse

from bench.chaos.stack import log
from bench.load import client


class Http:
    """The harness's own requests: signed-in principals, a fresh X-Forwarded-For per request (the app reads
    the client IP from it, so the per-IP limits see many visitors), and a record of every 5xx with its time."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.lock = threading.Lock()
        self.tolerate_5xx = False  # F6 only: a database restart may cost 5xx, within its window (its criterion)
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.statuses, self.errors, self.server_errors = Counter(), Counter(), []
            self.unexpected: list[dict] = []  # answers that are not the page asked for: the first few
            self.unexpected_count = 0

    def request(
        self, principal: client.Principal | None, method: str, path: str, form: dict | None = None,
        *, redirect_to: str | None = None,
    ):  # fmt: skip
        """One request; its answer must be the page asked for: a GET's 200, a POST's redirect to `redirect_to`
        (a path prefix). Anything else is recorded as unexpected and fails the scenario (a 5xx in F6 is counted
        against F6's own window instead). A connection error (a killed worker) returns None."""
        headers = {"X-Forwarded-For": f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(256)}"}  # noqa: S311
        body = None
        if principal is not None:
            headers |= principal.headers(self.port)
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            response = client.fetch(self.port, method, path, headers=headers, body=body, timeout=30)
        except OSError as exc:
            with self.lock:
                self.errors[type(exc).__name__] += 1
            return None
        if redirect_to is None:
            asked_for = response.status == 200
        else:
            asked_for = response.status in (302, 303) and urlparse(response.location).path.startswith(redirect_to)
        with self.lock:
            self.statuses[response.status] += 1
            if response.status >= 500:
                self.server_errors.append(time.monotonic())
            if not asked_for and not (self.tolerate_5xx and response.status >= 500):
                self.unexpected_count += 1
                if len(self.unexpected) < 5:
                    self.unexpected.append(
                        {"method": method, "path": path, "status": response.status, "location": response.location}
                    )
                log(f"UNEXPECTED: {method} {path} answered {response.status} {response.location}".rstrip())
        return response

    @property
    def count_5xx(self) -> int:
        return len(self.server_errors)

    def summary(self) -> dict:
        window = self.server_errors[-1] - self.server_errors[0] if self.server_errors else 0.0
        return {
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "connection_errors": dict(self.errors),
            "5xx": self.count_5xx,
            "5xx_window_s": round(window, 2),
            "unexpected": self.unexpected_count,
            "unexpected_sample": list(self.unexpected),
        }
