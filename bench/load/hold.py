"""The held load (`--hold`): every page at once, together at 60% of capacity, for minutes, while a Celery worker
sends invitation emails to an SMTP sink; then the workers' memory growth and the mail delivered, lost or
duplicated.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import time
from pathlib import Path

from bench.load import loadgen, redis_server
from bench.load.endpoints import TMP, Endpoint
from bench.load.measure import LOAD_PCT, check_stream
from bench.load.serving import LOGS, PYTHON, Server
from bench.load.stack import ROOT, VENV_BIN, log


def hold(
    server: Server,
    args: argparse.Namespace,
    database_url: str,
    manifest: dict,
    everything: list[Endpoint],
    measured: dict,
) -> dict:
    """All pages at once, each at 60%/N of its own max (together 60% of capacity), while a Celery worker sends
    invitation emails to an SMTP sink."""
    sink_cls = _smtp_sink_class()
    sink = sink_cls("127.0.0.1", port=0)
    sink.start()
    worker = None
    out: dict = {"seconds": args.hold, "load_pct": LOAD_PCT}
    try:
        if server.own_redis:
            redis_server.redis_command(server.redis_url, "DEL", "partnerhub")  # tasks queued while nobody consumed
        mail_env = server.app_env(
            database_url,
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(sink.port),
            EMAIL_USE_TLS="False",
        )
        worker = server.processes.start(
            "celery",
            [str(VENV_BIN / "celery"), "-A", "partnerhub", "worker", "-P", "prefork", "-c", "2",
             "--loglevel", "WARNING"],
            env=mail_env, log_path=LOGS / "celery-hold.log",
        )  # fmt: skip
        pages = [e for e in everything if not e.context_only and e.name != "ceiling" and measured[e.name]["rps_median"]]
        streams = [
            loadgen.Stream(
                e.name, measured[e.name]["rps_median"] * LOAD_PCT / 100 / len(pages), e.request, e.accepts
            )  # fmt: skip
            for e in pages
        ]
        for endpoint in pages:
            endpoint.prepare(args.hold)
        out["total_rps"] = round(sum(s.rate for s in streams), 1)
        provider = manifest["principals"]["provider"]
        mail_out = TMP / "hold-mail.json"
        mail_out.unlink(missing_ok=True)
        mailer = server.processes.start(
            "hold-mail",
            [PYTHON, str(ROOT / "bench" / "load" / "hold_mail.py"), "--email", provider["email"], "--count",
             str(args.hold_emails), "--out", str(mail_out)]
            + (["--organization", str(provider["organization_id"])] if provider.get("organization_id") else []),
            env=mail_env, log_path=LOGS / "hold-mail.log",
        )  # fmt: skip
        rss_start = server.memory()
        samples = [{"t": 0, "rss_mib": rss_start["rss_mib"]}]
        started = time.monotonic()

        def sample() -> None:
            samples.append({"t": round(time.monotonic() - started), "rss_mib": server.memory()["rss_mib"]})

        log(f"hold: {args.hold}s at {out['total_rps']} rps over {len(streams)} pages, {args.hold_emails} emails")
        loadgen.run(streams, port=server.port, seconds=args.hold, every=(10, sample))
        rss_end = server.memory()
        out["streams"] = {s.name: s.summary() for s in streams}
        out["errors"] = sum(s["errors"] for s in out["streams"].values())
        out["served_rps"] = round(sum(s["achieved_rps"] for s in out["streams"].values()), 1)
        worst = max(out["streams"].items(), key=lambda item: item[1]["p95_ms"] or 0, default=(None, {}))
        out["worst_p95"] = {"endpoint": worst[0], "p95_ms": worst[1].get("p95_ms")}
        out["rss_start_mib"], out["rss_end_mib"] = rss_start["rss_mib"], rss_end["rss_mib"]
        out["rss_growth_pct"] = (
            round((rss_end["rss_mib"] - rss_start["rss_mib"]) / rss_start["rss_mib"] * 100, 1)
            if rss_start["rss_mib"]
            else None
        )
        out["workers_replaced"] = rss_start["pids"] != rss_end["pids"]
        out["rss_samples"] = samples
        for stream in streams:
            check_stream(stream, "hold")
        mailer.wait(timeout=max(60, args.hold))
        out["mail"] = count_mail(mail_out, sink)
    finally:
        if worker is not None:
            server.processes.stop(worker, timeout=30)
        with contextlib.suppress(Exception):
            sink.stop()
    log(f"hold: errors {out.get('errors')}, RSS growth {out.get('rss_growth_pct')}%, mail {out.get('mail')}")
    return out


def count_mail(mail_out: Path, sink) -> dict:
    """What the held load's mailer queued against what the sink received: delivered, lost, duplicated."""
    if not mail_out.exists():
        return {"error": f"the mailer wrote nothing; see {LOGS / 'hold-mail.log'}"}
    made = json.loads(mail_out.read_text())
    expected = set(made["keys"])
    deadline = time.monotonic() + 120
    last_change, seen = time.monotonic(), -1
    while time.monotonic() < deadline:
        counts = _sink_key_counts(sink)
        delivered = len(expected & set(counts))
        if delivered == len(expected):
            break
        if delivered != seen:
            seen, last_change = delivered, time.monotonic()
        elif time.monotonic() - last_change > 30:
            break  # nothing new for 30 s
        time.sleep(1)
    counts = _sink_key_counts(sink)
    delivered = len(expected & set(counts))
    last = _sink_last_time(sink, expected)
    return {
        "expected": len(expected),
        "delivered": delivered,
        "lost": len(expected) - delivered,
        "duplicated": sum(counts[k] - 1 for k in expected if counts.get(k, 0) > 1),
        "other_messages": sum(v for k, v in counts.items() if k not in expected),
        "seconds": round(last - made["first_insert"], 1) if last else None,
        "mailer_errors": made.get("errors", []),
    }


def _smtp_sink_class():
    try:
        from bench.load.smtp_sink import SmtpSink
    except ImportError as exc:
        raise RuntimeError("bench/load/smtp_sink.py (SmtpSink) is needed for --hold") from exc
    return SmtpSink


def _sink_key_counts(sink) -> dict[str, int]:
    """Idempotency keys the sink received, with how often (whatever shape `keys` has: Counter, dict or list)."""
    keys = sink.keys
    if isinstance(keys, dict):
        return {str(k): int(v) for k, v in keys.items()}
    counts: dict[str, int] = {}
    for key in list(keys):
        counts[str(key)] = counts.get(str(key), 0) + 1
    return counts


def _sink_last_time(sink, keys: set[str]) -> float | None:
    """Wall-clock time of the last first-delivery among `keys` (the sink records time.monotonic())."""
    delivered_at = getattr(sink, "delivered_at", None) or {}
    times = [t for k, t in delivered_at.items() if k in keys]
    if not times:
        return None
    return time.time() - (time.monotonic() - max(times))
