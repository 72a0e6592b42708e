"""F9, webhooks: the Celery worker SIGKILLed mid-delivery, then the receiver down for minutes and answering 503 for
a while, as the provider's events are written; after each fault the deliveries recover (leases, retries, the
sweep). The ledger compares the events owed to the endpoint with the `webhook-id`s the receiver verified and kept.
"""

from __future__ import annotations

import signal
import time
from collections import Counter

from bench.chaos.config import RUN_SETTINGS, Failure
from bench.chaos.harness import Harness
from bench.chaos.stack import log


def _wait(what: str, condition, timeout: float, step: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise Failure(f"F9: {what} after {timeout:.0f} s")
        time.sleep(step)


class WebhookLedger:
    """The endpoint's deliveries (as the tables' owner) against what the receiver kept."""

    def __init__(self, h: Harness, endpoint: int) -> None:
        self.h, self.endpoint = h, endpoint

    def rows(self) -> list[tuple]:
        return self.h.sql(
            "SELECT e.event_id, d.status, d.attempts, d.next_attempt_at IS NULL FROM api_webhookdelivery d "
            "JOIN api_webhookevent e ON e.id = d.event_id WHERE d.endpoint_id = %s ORDER BY d.id",
            [self.endpoint],
        )

    def delivered(self) -> int:
        seen, _ = self.h.receiver.snapshot()
        return len(seen)

    def read(self, killed_in_flight: set[str]) -> dict:
        rows = self.rows()
        seen, counts = self.h.receiver.snapshot()
        expected = {event_id for event_id, *_ in rows}
        duplicated = {event_id for event_id, count in seen.items() if count > 1 and event_id in expected}
        statuses = Counter(status for _, status, *_ in rows)
        attempts = Counter(attempts for _, _, attempts, _ in rows)
        outcomes = self.h.sql(
            "SELECT CASE WHEN a.status_code BETWEEN 200 AND 299 THEN 'ok' WHEN a.status_code IS NULL THEN 'error' "
            "ELSE a.status_code::text END, count(*) FROM api_webhookattempt a JOIN api_webhookdelivery d "
            "ON d.id = a.delivery_id WHERE d.endpoint_id = %s GROUP BY 1",
            [self.endpoint],
        )
        endpoint_active = self.h.sql("SELECT is_active FROM api_webhookendpoint WHERE id = %s", [self.endpoint])
        lost = sorted(expected - set(seen))
        return {
            "expected": len(expected),
            "delivered_unique": len(expected & set(seen)),
            "lost": len(lost),
            "lost_sample": lost[:5],
            "duplicates": sum(seen[event_id] - 1 for event_id in duplicated),
            "duplicated_ids": len(duplicated),
            "duplicated_outside_kills": len(duplicated - killed_in_flight),
            "unexpected_ids": sum(1 for event_id in seen if event_id not in expected),
            "rows": dict(statuses),
            "parked": sum(1 for _, status, _, parked in rows if status == "pending" and parked),
            "attempts": {str(k): v for k, v in sorted(attempts.items())},
            "max_attempts": max(attempts, default=0),
            "attempt_outcomes": dict(outcomes),  # ok, error (connection refused), 503 …; a killed one left none
            "endpoint_active": bool(endpoint_active and endpoint_active[0][0]),
            "receiver": counts,
        }

    def wait_drained(self, killed: set[str], *, timeout: float, expect: int) -> tuple[dict, float | None]:
        started = time.monotonic()
        while True:
            ledger = self.read(killed)
            if ledger["expected"] >= expect and ledger["lost"] == 0 and set(ledger["rows"]) == {"delivered"}:
                return ledger, time.monotonic() - started
            if time.monotonic() - started > timeout:
                log(f"F9: not drained after {timeout:.0f} s: {ledger}")
                return ledger, None
            time.sleep(0.5)


def f9_webhooks(h: Harness) -> dict:
    a, receiver = h.args, h.receiver
    n, kills, outage, unavailable = a.f9_events, a.f9_kills, a.f9_outage, a.f9_unavailable
    receiver.reset()
    made = h.fixture("webhook-endpoint", "--provider", h.provider.email, "--url", receiver.url)
    endpoint, receiver.secret = made["endpoint"], made["secret"]
    ledger = WebhookLedger(h, endpoint)
    log(f"F9: endpoint {endpoint} → {receiver.url}; {n} events over {a.f9_produce:.0f} s")
    producer = h.webhook_producer(endpoint, n, a.f9_produce, "f9")

    # 1. The worker SIGKILLed while deliveries are in flight: the receiver has kept them and holds its answer.
    killed_in_flight: set[str] = set()
    for kill in range(kills):
        _wait("too few deliveries", lambda k=kill: ledger.delivered() >= max(1, n * (k + 1) // (3 * kills)), 300)
        receiver.hold = a.f9_hold
        _wait("no delivery in flight", lambda: receiver.in_flight(), 60, step=0.01)
        in_flight = receiver.in_flight()  # kept by the receiver, its answer held: at most these come twice
        h.services.kill_worker(signal.SIGKILL)
        killed_in_flight |= in_flight
        receiver.hold = 0.0
        log(f"F9: SIGKILLed the worker with {len(in_flight)} deliveries in flight, after {ledger.delivered()}")
        time.sleep(1)
        h.services.start_worker()
    last_kill = time.monotonic()

    # 2. The receiver down (connections refused), then up but answering 503 with Retry-After, then well.
    _wait("too few deliveries", lambda: ledger.delivered() >= n // 2, 300)
    receiver.stop()
    down = time.monotonic()
    log(f"F9: receiver down for {outage:.0f} s after {ledger.delivered()} events")
    time.sleep(outage)
    receiver.unavailable = True
    receiver.start()
    log(f"F9: receiver back, answering 503 for {unavailable:.0f} s")
    time.sleep(unavailable)
    receiver.unavailable = False
    restored = time.monotonic()
    log(f"F9: receiver answering 200 again ({time.monotonic() - down:.0f} s after it went down)")

    created = h.producer_result(producer)
    delays = [float(x) for x in RUN_SETTINGS["WEBHOOK_RETRY_DELAYS"].split(",") if x] or [5, 300, 1800]
    lease = 2 * int(RUN_SETTINGS["WEBHOOK_TIMEOUT_SECONDS"]) + 30
    # The longest wait after the receiver is back: one backoff step beyond the outage, or a killed lease; a sweep.
    budget = max(max(delays) * 1.1, lease) + 3 * int(RUN_SETTINGS["CHAOS_SWEEP_SECONDS"]) + 60
    result, drained = ledger.wait_drained(killed_in_flight, timeout=budget, expect=created["created"])
    recovered = round(time.monotonic() - restored, 1) if drained is not None else None
    bound = len(killed_in_flight)
    ok = (
        drained is not None
        and created["errors"] == 0
        and result["lost"] == 0
        and result["duplicated_outside_kills"] == 0
        and result["duplicates"] <= bound
        and result["unexpected_ids"] == 0
        and result["endpoint_active"]
        and not result["receiver"].get("bad_signatures")
    )
    return {
        "load": f"{n} test-created events over {a.f9_produce:.0f} s to one endpoint; the worker SIGKILLed ×{kills} "
        f"with deliveries in flight, the receiver down {outage:.0f} s then 503 for {unavailable:.0f} s",
        "ledger": result,
        "created": created,
        "killed_in_flight": bound,
        "bounds": {"duplicates_max": bound},
        "recovered_after_receiver_back_s": recovered,
        "drained_after_last_kill_s": round(time.monotonic() - last_kill, 1) if drained is not None else None,
        "pass": ok,
        "criteria": "every event delivered and seen by the receiver (signatures verified), none pending or failed, "
        "the endpoint still enabled; duplicates only of deliveries in flight at a kill (≤ 1 each)",
    }
