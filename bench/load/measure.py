"""One measurement of one endpoint: a closed-loop wrk run (GET, or POST through a slice of its single-use pool),
the DB-truth pass (sequential requests between a reset and a read of pg_stat_statements), and the checks that
every answer was the page asked for. Each leaves the server idle for the next.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from bench.load import client, loadgen, pgstats, throughput
from bench.load.endpoints import HELLO_PATH, Endpoint
from bench.load.serving import Server

LOAD_PCT = 60  # the latency runs and the hold: this share of each endpoint's measured maximum


def wrk(server: Server, endpoint: Endpoint, seconds: float, *, tag: str, budget: int | None = None) -> dict:
    try:
        return _wrk(server, endpoint, seconds, tag=tag, budget=budget)
    finally:
        server.quiesce()


def _wrk(server: Server, endpoint: Endpoint, seconds: float, *, tag: str, budget: int | None = None) -> dict:
    if endpoint.pool is None:
        result = throughput.run_get(
            server.port, endpoint.path, cookie=endpoint.cookie, seconds=seconds,
            authorization=endpoint.authorization(seconds), content_type=endpoint.content_type or "",
        )  # fmt: skip
        check_wrk(endpoint, result, "GET", endpoint.path, tag)
        return {"rps": result.rps, "requests": result.requests, "seconds": result.seconds,
                "errors": result.errors, "latency_ms": result.latency_ms}  # fmt: skip
    take = min(budget or len(endpoint.pool.remaining), len(endpoint.pool.remaining))
    if take == 0:
        return {"rps": None, "requests": 0, "seconds": 0, "errors": 0, "note": "pool used up"}
    pool_file, lines = endpoint.pool.write_slice(take, f"{endpoint.name}-{tag}")
    requested = seconds
    if endpoint.last_rps:  # wrk sleeps its full -d even when the slice ran out early: don't wait for nothing
        seconds = min(seconds, max(2.0, 1.5 * take / endpoint.last_rps))
    result = throughput.run_pool(
        server.port, pool_file, cookie=endpoint.cookie, csrf=endpoint.principal.csrftoken,
        body=urlencode(endpoint.form), seconds=seconds, filler=HELLO_PATH, expect_redirect=endpoint.expect_redirect,
    )  # fmt: skip
    spent = endpoint.pool.consume(lines, result.pool, throughput.THREADS)
    check_wrk(endpoint, result, "POST", lines[0].rstrip("/").rsplit("/", 1)[0] + "/… (single-use)", tag)
    pool_file.unlink(missing_ok=True)
    answered = int(sum(row["ok"] + row["bad"] for row in result.pool))
    bad = int(sum(row["bad"] for row in result.pool))
    statuses = sorted({int(row["first_bad"]) for row in result.pool if row["first_bad"]})
    # Threads that used up their slice stopped early and noted when; wrk's own duration is the full -d.
    ended = bool(result.pool) and all(row["end"] for row in result.pool)
    starts = [row["start"] for row in result.pool if row["start"]]
    window = max(row["end"] for row in result.pool) - min(starts) if ended and starts else result.seconds
    out = {
        "rps": round(answered / window, 2) if window else None,
        "requests": answered,
        "seconds": round(window, 2),
        "errors": bad + sum(result.socket_errors.values()),
        "pool_spent": spent,
    }
    if statuses:
        out["error_statuses"] = statuses
    if out["rps"]:
        endpoint.last_rps = out["rps"]
    if ended and window < requested * 0.9:
        out["note"] = f"pool slice of {take} used up after {window:.1f}s of {requested:.0f}s"
    return out


def check_wrk(endpoint: Endpoint, result: throughput.WrkResult, method: str, path: str, tag: str) -> None:
    """wrk counts redirects as successes: the Lua scripts count what was not the page asked for; any stops
    the run, naming the first answer."""
    if not result.checks:
        raise RuntimeError(f"{endpoint.name} ({tag}): wrk printed no CHECK lines; the Lua script failed?\n"
                           f"{result.output[-2000:]}")  # fmt: skip
    first = result.first_unexpected
    if first is not None:
        status, location = first
        raise client.UnexpectedResponse(
            f"{endpoint.name} ({tag}: {result.unexpected} of {sum(c['answered'] for c in result.checks)} answers "
            "were not the page asked for; the first)", method, path, status, location,
        )  # fmt: skip


def db_truth(server: Server, endpoint: Endpoint, stats: pgstats.StatStatements | None, requests: int) -> dict:
    """`requests` sequential requests between a reset and a read of pg_stat_statements."""
    if endpoint.pool is not None:
        requests = min(requests, 50, len(endpoint.pool.remaining))
    if stats is not None:
        stats.reset()
    errors, statuses, sent = 0, {}, 0
    for _ in range(requests):
        request = endpoint.request()
        if request is None:
            break
        response = client.fetch(server.port, request.method, request.path, headers=request.headers,
                                body=request.body or None)  # fmt: skip
        sent += 1
        statuses[response.status] = statuses.get(response.status, 0) + 1
        errors += response.status >= 400
        endpoint.check("DB-truth pass", request.method, request.path, response.status, response.location,
                       client.content_type(response))  # fmt: skip
    out: dict = {"requests": sent, "errors": errors, "statuses": statuses}
    if stats is not None and sent:
        time.sleep(0.2)  # pg_stat_statements is updated when the statement ends; the response can be quicker
        out |= stats.read(sent)
    return out


def limited(endpoint: Endpoint, limit: int | None):
    """The endpoint's requests, `limit` of them at most (None: as many as it has)."""
    count = {"n": 0}

    def next_request(i: int):
        if limit is not None and count["n"] >= limit:
            return None
        count["n"] += 1
        return endpoint.request(i)

    return next_request


def check_stream(stream: loadgen.Stream, what: str) -> None:
    """Every answer of an open-loop stream was the page asked for; else stop the run, naming the first."""
    if stream.unexpected:
        method, path, status, location = stream.unexpected[0]
        raise client.UnexpectedResponse(
            f"{stream.name} ({what}: {stream.unexpected_count} answers were not the page asked for; the first)",
            method, path, status, location,
        )  # fmt: skip
