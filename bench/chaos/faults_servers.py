"""Fault scenarios of the servers under the web traffic: F3 Redis down while invitations are made over HTTP (back
empty), F6 `pg_ctl restart -m fast` under load, F7 gunicorn workers SIGKILLed during partnership accepts. Each
returns its result: the ledger, the HTTP answers and whether it passed.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

from bench.chaos.config import ACCEPTED, Failure
from bench.chaos.harness import Harness
from bench.chaos.stack import LOGS, log


def create_invitation_over_http(h: Harness, n: int, tag: str) -> bool:
    """Request a partnership and send it from PartnerHub: two POSTs, as the provider's admin does."""
    created = h.http.request(
        h.provider, "POST", "/partners/resellers/invitations/new/", {}, redirect_to="/partners/resellers/"
    )
    if created is None or created.status != 302 or "/draft/" not in created.location:
        return False
    draft = urlparse(created.location).path
    form = {"email": f"reseller{n}@{tag}.chaos.example", "message": "Hello from the chaos run."}
    sent = h.http.request(h.provider, "POST", draft, form, redirect_to="/partners/resellers/")
    return sent is not None and sent.status == 302 and urlparse(sent.location).path == "/partners/resellers/"


def f3_redis_outage(h: Harness) -> dict:
    n, outage = h.args.f3_invitations, h.args.f3_outage
    since = h.ledger.watermark()
    h.http.reset()
    results: list[bool] = []
    log("F3: stopping Redis")
    h.redis.stop()
    stopped = time.monotonic()
    with ThreadPoolExecutor(1) as pool:  # one session: its drafts must not race each other
        futures = []
        for i in range(n):  # spread over the outage
            futures.append(pool.submit(create_invitation_over_http, h, i, "f3"))
            time.sleep(outage * 0.9 / n)
        results = [future.result() for future in futures]
    time.sleep(max(0.0, outage - (time.monotonic() - stopped)))
    h.redis.start()
    back = time.monotonic()
    log(f"F3: Redis back (empty: {h.redis.dbsize()} keys) after {back - stopped:.0f} s")
    ledger, drained = h.ledger.wait_drained(since, timeout=180, expect_at_least=sum(results))
    failed_publish = count_in_log(LOGS / "gunicorn.log", "could not enqueue email")
    http = h.http.summary()
    ok = all(results) and len(results) == n
    return {
        "load": f"{n} invitations created over HTTP (2 POSTs each) while Redis is down {outage:.0f} s, "
        "then Redis restarted empty",
        "ledger": ledger,
        "http": http,
        "http_success": f"{sum(results)}/{n}",
        "drained_after_redis_back_s": round(time.monotonic() - back, 1) if drained is not None else None,
        "publish_failures_saved_by_outbox": failed_publish,
        "pass": ok
        and ledger["lost"] == 0
        and ledger["duplicates"] == 0
        and drained is not None
        and (time.monotonic() - back) <= 60 + 5
        and http["unexpected"] == 0,
        "criteria": "HTTP success 100%, lost 0, duplicates 0, drained ≤ 60 s after Redis returns",
    }


def capacity(h: Harness, path: str, seconds: float = 5.0) -> float:
    done = 0
    stop = time.monotonic() + seconds

    def loop() -> int:
        count = 0
        while time.monotonic() < stop:
            h.http.request(h.provider, "GET", path)
            count += 1
        return count

    with ThreadPoolExecutor(4) as pool:
        done = sum(pool.map(lambda _: loop(), range(4)))
    return done / seconds


def f6_postgres_restart(h: Harness) -> dict:
    path, seconds = "/customers/", h.args.pg_load_seconds
    h.http.reset()
    h.http.tolerate_5xx = True  # counted against the ≤ 5 s window below instead
    rate = max(2.0, 0.5 * capacity(h, path))
    h.http.reset()
    since = h.ledger.watermark()
    producer = h.producer(h.scaled(1000), "f6")
    log(f"F6: {seconds:.0f} s of GET {path} at {rate:.0f}/s (50% of capacity) with Celery busy")
    restart: dict = {}

    def fault() -> None:
        time.sleep(seconds / 3)
        restart["at"] = time.monotonic()
        restart["seconds"] = round(h.pg.restart_fast(), 2)
        log(f"F6: pg_ctl restart -m fast took {restart['seconds']} s")

    faulter = threading.Thread(target=fault)
    faulter.start()
    start = time.monotonic()
    with ThreadPoolExecutor(16) as pool:
        i = 0
        while (due := start + i / rate) < start + seconds:
            time.sleep(max(0.0, due - time.monotonic()))
            pool.submit(h.http.request, h.provider, "GET", path)
            i += 1
    faulter.join()
    h.http.tolerate_5xx = False
    made = h.producer_result(producer)
    ledger, drained = h.ledger.wait_drained(since, timeout=300, expect_at_least=made["created"])
    http = h.http.summary()
    return {
        "load": f"GET {path} at {rate:.0f} req/s (50% of measured capacity) for {seconds:.0f} s while "
        f"{h.scaled(1000)} emails are queued; pg_ctl restart -m fast after {seconds / 3:.0f} s",
        "ledger": ledger,
        "http": http,
        "created": made,
        "restart_s": restart.get("seconds"),
        "bounds": {"5xx_window_s_max": 5.0, "duplicates_max": 1},
        "pass": restart.get("seconds") is not None
        and ledger["lost"] == 0
        and ledger["duplicates"] <= 1
        and http["5xx_window_s"] <= 5.0
        and drained is not None,
        "criteria": "5xx only inside a ≤ 5 s window, failed tasks retried, lost 0, duplicates ≤ 1 (the one "
        "send whose 'sent' mark the restart may cut off after SMTP's 250)",
    }


def f7_gunicorn_kill(h: Harness) -> dict:
    paths = h.accept_paths[: h.args.f7_accepts]
    max_kills = h.args.f7_kills
    tokens = [p.rstrip("/").rsplit("/", 1)[-1] for p in paths]
    since = h.ledger.watermark()
    h.http.reset()
    kills = 0
    stop = threading.Event()

    def killer() -> None:
        """Ten kills, each of a worker that has served a while, the next only once both are up again."""
        nonlocal kills
        while not stop.is_set() and kills < max_kills:
            time.sleep(random.uniform(0.5, 1.5))  # noqa: S311
            workers = h.services.gunicorn_workers()
            if len(workers) == 2 and not stop.is_set():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(random.choice(workers), signal.SIGKILL)  # noqa: S311
                    kills += 1
                while len(h.services.gunicorn_workers()) < 2 and not stop.is_set():
                    time.sleep(0.1)
                time.sleep(1.0)  # the new worker boots before it can be killed again

    thread = threading.Thread(target=killer)
    thread.start()
    form = {"authorize": "on"}
    with ThreadPoolExecutor(4) as pool:
        responses = list(pool.map(lambda p: h.http.request(h.reseller, "POST", p, form, redirect_to=ACCEPTED),
                                  paths))  # fmt: skip
    stop.set()
    thread.join()
    time.sleep(2)  # requests the harness gave up on may still be in gunicorn's backlog
    h.http.request(None, "GET", "/healthz/")
    states = accept_states(h, tokens)
    half = [state for state in states.values() if state == "half"]
    # Every link left pending must still work: accept it again now that nothing is killed.
    retried = [p for p, t in zip(paths, tokens, strict=True) if states[t] == "pending"]
    for p in retried:
        h.http.request(h.reseller, "POST", p, form, redirect_to=ACCEPTED)
    after = accept_states(h, tokens)
    ledger, drained = h.ledger.wait_drained(since, timeout=180)
    http = h.http.summary()
    return {
        "load": f"{len(paths)} partnership accepts (POST) while gunicorn workers are SIGKILLed ({kills} kills)",
        "ledger": ledger,
        "http": http,
        "first_pass": dict(Counter(states.values())),
        "answered": sum(1 for r in responses if r is not None),
        "after_retry": dict(Counter(after.values())),
        "half_done": len(half) + sum(1 for state in after.values() if state == "half"),
        "pass": not half
        and all(state == "accepted" for state in after.values())
        and ledger["lost"] == 0
        and ledger["duplicates"] == 0
        and http["5xx"] == 0
        and http["unexpected"] == 0,
        "criteria": "each accept fully done (accepted_at and relationship) or fully pending; pending ones "
        "accepted on retry; no 5xx",
    }


def accept_states(h: Harness, tokens: list[str]) -> dict[str, str]:
    import hashlib

    hashes = {hashlib.sha256(token.encode()).hexdigest(): token for token in tokens}
    rows = h.sql(
        "SELECT i.token_hash, i.accepted_at IS NOT NULL, i.reseller_id IS NOT NULL, "
        "EXISTS (SELECT 1 FROM relationships_partnerrelationship r WHERE r.invitation_id = i.id) "
        "FROM relationships_partnershipinvitation i WHERE i.token_hash = ANY(%s)",
        [list(hashes)],
    )
    states = {}
    for token_hash, accepted, reseller, relationship in rows:
        if accepted and reseller and relationship:
            states[hashes[token_hash]] = "accepted"
        elif not (accepted or reseller or relationship):
            states[hashes[token_hash]] = "pending"
        else:
            states[hashes[token_hash]] = "half"
    missing = set(tokens) - set(states)
    if missing:
        raise Failure(f"{len(missing)} accept-pool links are not in the database (token hashing changed?)")
    return states


def count_in_log(path: Path, needle: str) -> int:
    with contextlib.suppress(OSError):
        return path.read_text(errors="replace").count(needle)
    return 0
