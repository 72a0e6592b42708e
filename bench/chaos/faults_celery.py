"""Fault scenarios of the Celery side: F1 the worker SIGKILLed five times, F2 a warm shutdown (SIGTERM) mid-batch,
F8 beat killed while reminders fall due. Each returns its result: the ledger, its bounds and whether it passed.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time
from collections import Counter

from bench.chaos.config import RUN_SETTINGS, Failure
from bench.chaos.harness import PYTHON, Harness
from bench.chaos.stack import log
from bench.load.stack import ROOT


def f1_worker_sigkill(h: Harness) -> dict:
    n, kills = h.scaled(2000), 5
    since = h.ledger.watermark()
    producer = h.producer(n, "f1")
    points = sorted(random.sample(range(int(n * 0.05), int(n * 0.9)), kills))
    for point in points:
        h.ledger.wait_delivered(since, point)
        h.services.kill_worker(signal.SIGKILL)
        log(f"F1: SIGKILLed the worker after {h.ledger.delivered_since(since)} deliveries")
        time.sleep(1)
        h.services.start_worker()
    last_kill = time.monotonic()
    made = h.producer_result(producer)
    budget = int(RUN_SETTINGS["CHAOS_VISIBILITY_TIMEOUT"]) + 180
    ledger, drained = h.ledger.wait_drained(since, timeout=budget, expect_at_least=made["created"])
    after_kill = time.monotonic() - last_kill
    return {
        "load": f"{n} invitation emails, worker SIGKILLed (parent and pool) ×{kills}",
        "ledger": ledger,
        "created": made,
        "bounds": {"duplicates_max": kills},
        "drained_after_last_kill_s": round(after_kill, 1) if drained is not None else None,
        "pass": ledger["lost"] == 0 and ledger["duplicates"] <= kills and drained is not None,
        "criteria": f"lost 0, duplicates ≤ {kills}, all delivered within visibility_timeout + 3 min",
    }


def f2_worker_sigterm(h: Harness) -> dict:
    n = h.scaled(2000)
    since = h.ledger.watermark()
    producer = h.producer(n, "f2", batch=True)
    h.ledger.wait_delivered(since, int(n * 0.4))
    log(f"F2: SIGTERM to the worker after {h.ledger.delivered_since(since)} deliveries (batches in flight)")
    stopping = time.monotonic()
    h.services.kill_worker(signal.SIGTERM)
    shutdown = time.monotonic() - stopping
    time.sleep(2)
    h.services.start_worker()
    made = h.producer_result(producer)
    ledger, drained = h.ledger.wait_drained(since, timeout=240, expect_at_least=made["created"])
    return {
        "load": f"{n} emails in batches of 50, warm shutdown (SIGTERM) mid-batch, then restart",
        "ledger": ledger,
        "created": made,
        "warm_shutdown_s": round(shutdown, 1),
        "pass": ledger["lost"] == 0 and ledger["duplicates"] == 0 and drained is not None,
        "criteria": "lost 0, duplicates 0",
    }


def f8_beat_outage(h: Harness) -> dict:
    n, outage = 40, h.args.beat_outage
    h.services.kill_beat()
    killed = time.monotonic()
    log(f"F8: beat SIGKILLed; creating {n} verification cases")
    since = h.ledger.watermark()
    proc = subprocess.run(  # noqa: S603
        [PYTHON, str(ROOT / "bench" / "chaos" / "fixtures.py"), "cases", "--count", str(n), "--tag", "f8"],
        env=h.env(h.app_url), cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        raise Failure(f"creating cases failed: {proc.stderr[-2000:]}")
    cases = json.loads(proc.stdout.strip().splitlines()[-1])["cases"]
    # Half overdue already (their reminder was due an hour ago), half falling due during the outage.
    h.sql(
        "UPDATE enrollment_verificationcase SET remind_at = CASE WHEN id %% 2 = 0 "
        "THEN now() - interval '1 hour' ELSE now() + interval '20 seconds' END WHERE id = ANY(%s)",
        [cases],
    )
    time.sleep(max(0.0, outage - (time.monotonic() - killed)))
    reminded_early = h.sql(
        "SELECT count(*) FROM enrollment_verificationcase WHERE id = ANY(%s) AND reminded_at IS NOT NULL", [cases]
    )[0][0]
    h.services.start_beat()
    log(f"F8: beat back after {time.monotonic() - killed:.0f} s")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        left = h.sql(
            "SELECT count(*) FROM enrollment_verificationcase WHERE id = ANY(%s) AND reminded_at IS NULL",
            [cases],
        )[0][0]
        if not left:
            break
        time.sleep(1)
    # Two more sweeps at once, as a second beat or a redelivered message would: nothing may fire again.
    h.send_task("enrollment.tasks.sweep_verification_deadlines_task", copies=2)
    time.sleep(2 * int(RUN_SETTINGS["CHAOS_SWEEP_SECONDS"]))
    reminders = h.sql(
        "SELECT c.id, count(a.id) FROM enrollment_verificationcase c LEFT JOIN core_auditevent a "
        "ON a.code = 'partnerhub.verification.reminder_sent' AND a.object_id = c.id::text "
        "AND a.object_type = 'enrollment.verificationcase' WHERE c.id = ANY(%s) GROUP BY c.id",
        [cases],
    )
    per_case = Counter(count for _, count in reminders)
    reminder_mails = h.sql(
        'SELECT to_, count(*) FROM (SELECT "to" AS to_ FROM core_outboundemail WHERE id > %s '
        "AND subject ILIKE %s) m GROUP BY to_",
        [since, "%Reminder%"],
    )
    mails_per_contact = Counter(count for _, count in reminder_mails)
    ledger, drained = h.ledger.wait_drained(since, timeout=180)
    once = per_case == Counter({1: n}) and mails_per_contact == Counter({1: n})
    return {
        "load": f"{n} verification cases, reminders due (half overdue by 1 h, half falling due), beat killed "
        f"for {outage:.0f} s (sweep every {RUN_SETTINGS['CHAOS_SWEEP_SECONDS']} s), then 2 extra sweeps at once",
        "ledger": ledger,
        "reminded_during_outage": reminded_early,
        "reminder_audits_per_case": {str(k): v for k, v in per_case.items()},
        "reminder_emails_per_contact": {str(k): v for k, v in mails_per_contact.items()},
        "pass": once and reminded_early == 0 and ledger["lost"] == 0 and ledger["duplicates"] == 0,
        "criteria": "every due reminder fires exactly once after beat returns; nothing during the outage",
    }
