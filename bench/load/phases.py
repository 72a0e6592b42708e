"""The measurement phases of one scale, in the order they run: warm-up, the DB-truth pass, the throughput rounds
and their comparison with the one-query ceiling, the open-loop latency runs at 60% of each endpoint's maximum;
and the optional sweep that picks the gunicorn worker configuration first.
"""

from __future__ import annotations

import argparse
import random
import statistics

from bench.load import loadgen, measure, pgstats
from bench.load.endpoints import CEILING_PATH, Endpoint, WorkerConfig, sign_in_all
from bench.load.measure import LOAD_PCT
from bench.load.serving import Server
from bench.load.stack import log


def warm_up(server: Server, everything: list[Endpoint], seconds: float) -> None:
    """Every endpoint a share of the warm-up time (each worker loads its templates, fills caches)."""
    share = max(1.0, seconds / len(everything))
    log(f"warm-up: {share:.0f}s per endpoint")
    for endpoint in everything:
        budget = min(200, len(endpoint.pool.remaining) // 20) if endpoint.pool else None
        if budget != 0:
            measure.wrk(server, endpoint, share, tag="warmup", budget=budget)


def db_truth_pass(
    server: Server,
    everything: list[Endpoint],
    stats: pgstats.StatStatements | None,
    requests: int,
    measured: dict[str, dict],
    warnings: list[str],
) -> None:
    """Queries per request from pg_stat_statements, before the pools are drawn down by the throughput rounds."""
    for endpoint in everything:
        truth = measure.db_truth(server, endpoint, stats, requests)
        measured[endpoint.name]["db"] = truth
        measured[endpoint.name]["queries_per_request"] = truth.get("queries_per_request")
        by_kind = truth.get("per_request_by_kind") or {}
        measured[endpoint.name] |= {
            "savepoints_per_request": by_kind.get("savepoint"),
            "health_checks_per_request": by_kind.get("health_check"),
            "transaction_per_request": by_kind.get("transaction"),
            "fk_checks_per_request": by_kind.get("fk_check"),
            "statements_per_request": truth.get("statements_per_request"),
        }
        if truth["statuses"].get(429):
            warnings.append(
                f"{endpoint.name} answered 429 (rate limited per client IP): the app must take the client IP "
                "from X-Forwarded-For under the bench (RATELIMIT_IP_META_KEY, see bench/README.md)"
            )
        log(
            f"DB truth {endpoint.name}: {truth.get('queries_per_request', 'n/a')} queries/request "
            f"(of which {by_kind.get('savepoint', 'n/a')} savepoints; server also ran "
            f"{by_kind.get('health_check', 'n/a')} health check, {by_kind.get('transaction', 'n/a')} BEGIN/COMMIT, "
            f"{by_kind.get('fk_check', 'n/a')} FK checks), errors {truth['errors']} {truth['statuses']}"
        )


def throughput_rounds(
    server: Server, args: argparse.Namespace, everything: list[Endpoint], endpoints: list[Endpoint]
) -> list[dict[str, dict]]:
    """`args.rounds` rounds of wrk, every endpoint in a shuffled order each round."""
    pools = {e.name: e for e in endpoints if e.pool}
    thr_share = 0.5 if args.hold else 0.6
    budgets = {name: int(len(e.pool.remaining) * thr_share / args.rounds) for name, e in pools.items()}
    rng = random.Random(args.seed)  # noqa: S311 - a shuffle, not a secret
    rounds: list[dict[str, dict]] = []
    for number in range(1, args.rounds + 1):
        order = everything[:]
        rng.shuffle(order)
        row = {}
        for endpoint in order:
            row[endpoint.name] = measure.wrk(
                server, endpoint, args.duration, tag=f"r{number}", budget=budgets.get(endpoint.name)
            )
        rounds.append(row)
        summary = ", ".join(f"{e.name} {row[e.name]['rps'] or 0:.0f}" for e in everything)
        log(f"round {number}/{args.rounds} rps: {summary}")
    return rounds


def compare_to_ceiling(
    rounds: list[dict[str, dict]], everything: list[Endpoint], measured: dict[str, dict], warnings: list[str]
) -> None:
    """Each endpoint's median throughput and its ratio to the ceiling's in the same round; round 1 discarded."""
    kept = rounds[1:] if len(rounds) > 1 else rounds
    if len(rounds) == 1:
        warnings.append("one round only: nothing discarded, the warm-up round counts")
    for endpoint in everything:
        entries = [r[endpoint.name] for r in rounds]
        rps = [r[endpoint.name]["rps"] for r in kept if r[endpoint.name]["rps"]]
        ratios = [
            r[endpoint.name]["rps"] / r["ceiling"]["rps"]
            for r in kept
            if r[endpoint.name]["rps"] and r["ceiling"]["rps"]
        ]
        m = measured[endpoint.name]
        m["rounds"] = [{"round": i + 1, **e} for i, e in enumerate(entries)]
        m["rps_median"] = round(statistics.median(rps), 1) if rps else None
        m["ratio_median"] = round(statistics.median(ratios), 3) if ratios else None
        m["ratio_min"] = round(min(ratios), 3) if ratios else None
        m["errors_throughput"] = sum(e["errors"] for e in entries)
        notes = [f"round {i + 1}: {e['note']}" for i, e in enumerate(entries) if e.get("note")]
        if notes:
            warnings.append(f"{endpoint.name}: " + "; ".join(notes))


def latency_runs(
    server: Server,
    args: argparse.Namespace,
    everything: list[Endpoint],
    measured: dict[str, dict],
    warnings: list[str],
) -> None:
    """Latency at a fixed rate: 60% of the endpoint's own median maximum, open loop."""
    for endpoint in everything:
        if endpoint.context_only or not measured[endpoint.name]["rps_median"]:
            continue
        rate = measured[endpoint.name]["rps_median"] * LOAD_PCT / 100
        limit = None
        if endpoint.pool is not None:
            limit = int(len(endpoint.pool.remaining) * (0.6 if args.hold else 1.0))
        endpoint.prepare(args.latency_duration)
        stream = loadgen.Stream(endpoint.name, rate, measure.limited(endpoint, limit), endpoint.accepts)
        loadgen.run([stream], port=server.port, seconds=args.latency_duration)
        server.quiesce()
        measure.check_stream(stream, "latency")
        summary = stream.summary()
        measured[endpoint.name]["latency"] = summary
        measured[endpoint.name] |= {k: summary[k] for k in ("p50_ms", "p95_ms", "p99_ms")}
        if summary["exhausted"]:
            warnings.append(
                f"{endpoint.name}: the pool ran out after {summary['requests']} requests of the latency run"
            )
        log(
            f"latency {endpoint.name} @ {rate:.0f} rps: p50 {summary['p50_ms']} p95 {summary['p95_ms']} "
            f"p99 {summary['p99_ms']} ms, errors {summary['errors']}, "
            f"generator lag p99 {summary['lag_p99_ms']} ms"
        )


def count_errors(everything: list[Endpoint], measured: dict[str, dict]) -> None:
    """Each endpoint's errors over the whole scale: throughput rounds, DB truth and latency."""
    for endpoint in everything:
        m = measured[endpoint.name]
        m["errors"] = (
            (m.get("errors_throughput") or 0)
            + (m.get("db", {}).get("errors") or 0)
            + ((m.get("latency") or {}).get("errors") or 0)
        )


def memory_summary(memory: dict[str, dict]) -> dict:
    """The workers' memory at the start, after the warm-up and at the end."""
    return {
        "start_mib": memory["start"]["rss_mib"],
        "warm_mib": memory["warm"]["rss_mib"],
        "end_mib": memory["end"]["rss_mib"],
        "peak_mib": memory["end"]["peak_mib"],
        "workers": len(memory["end"]["pids"]),
        "workers_replaced": memory["start"]["pids"] != memory["end"]["pids"],
        "samples": memory,
    }


def sweep(
    server: Server, args: argparse.Namespace, database_url: str, manifest: dict
) -> tuple[WorkerConfig, list[dict]]:
    """sync 2/3/4 and gthread 2×4 on the ceiling, once; the best one serves every page (performance.md §3.4)."""
    configs = [
        WorkerConfig("sync", 2),
        WorkerConfig("sync", 3),
        WorkerConfig("sync", 4),
        WorkerConfig("gthread", 2, 4),
    ]
    results = []
    provider = None
    for config in configs:
        server.start_gunicorn(database_url, config, "sweep")
        if provider is None:
            provider = sign_in_all(server.port, {**manifest, "endpoints": []}, args.endpoints)["provider"]
        ceiling = Endpoint("ceiling", principal=provider, path=CEILING_PATH, port=server.port)
        measure.wrk(server, ceiling, 5, tag="sweep-warmup")
        rps = measure.wrk(server, ceiling, args.duration, tag="sweep")["rps"]
        results.append({"config": config.label, "rps": rps})
        log(f"sweep: {config.label}: ceiling {rps:.0f} rps")
    server.stop_gunicorn()
    best = max(zip(configs, results, strict=True), key=lambda pair: pair[1]["rps"] or 0)[0]
    log(f"sweep: keeping {best.label}")
    return best, results
