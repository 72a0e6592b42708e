"""Fault scenarios of the mail server: F4 the SMTP server down for 90 s, F5 5% of connections dropped after DATA,
before the server's 250. Each returns its result: the ledger, its bounds and whether it passed.
"""

from __future__ import annotations

import time

from bench.chaos.harness import Harness
from bench.chaos.stack import log


def f4_smtp_down(h: Harness) -> dict:
    n, outage = h.scaled(500), 90.0
    since = h.ledger.watermark()
    h.sink.stop()
    stopped = time.monotonic()
    log("F4: SMTP sink stopped")
    made = h.producer_result(h.producer(n, "f4"))
    time.sleep(max(0.0, outage - (time.monotonic() - stopped)))
    h.sink.start()
    back = time.monotonic()
    log("F4: SMTP sink back")
    ledger, drained = h.ledger.wait_drained(since, timeout=420, expect_at_least=made["created"])
    return {
        "load": f"{n} emails while the SMTP server is down {outage:.0f} s",
        "ledger": ledger,
        "created": made,
        "drained_after_smtp_back_s": round(time.monotonic() - back, 1) if drained is not None else None,
        "pass": ledger["lost"] == 0
        and ledger["duplicates"] == 0
        and not ledger["rows"].get("failed")
        and drained is not None,
        "criteria": "all delivered after recovery (backoff), duplicates 0, no row exhausts its attempts",
    }


def f5_smtp_drops(h: Harness) -> dict:
    n = h.scaled(1000)
    since = h.ledger.watermark()
    h.sink.drops = 0
    h.sink.drop_fraction = 0.05
    made = h.producer_result(h.producer(n, "f5"))
    ledger, drained = h.ledger.wait_drained(since, timeout=420, expect_at_least=made["created"])
    h.sink.drop_fraction = 0.0
    return {
        "load": f"{n} emails, 5% of connections dropped after DATA, before 250",
        "ledger": ledger,
        "created": made,
        "bounds": {"duplicates_max": ledger["smtp_drops"]},
        "pass": ledger["lost"] == 0 and ledger["duplicates"] <= ledger["smtp_drops"] and drained is not None,
        "criteria": "lost 0, duplicates ≤ injected drops",
    }
