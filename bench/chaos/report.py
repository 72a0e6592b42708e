"""The chaos run's report: one row per scenario (emails or webhook events, lost, duplicates, 5xx, result) as a
terminal table, and report.json / report.md with each scenario's details, the settings it ran under and who the
servers ran as.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime
from pathlib import Path

from bench.chaos.config import RUN_SETTINGS
from bench.load.machine import load_average


def write(
    report_json: Path,
    report_md: Path,
    *,
    started: datetime,
    load_start: str,
    args: argparse.Namespace,
    database: dict,
    results: list[dict],
) -> None:
    report = {
        "started_at": started.isoformat(timespec="seconds"),
        "machine": {
            "cores": os.cpu_count(),
            "python": sys.version.split()[0],
            "load_average_start": load_start,
            "load_average_now": load_average(),
        },
        **({"note": args.note} if args.note else {}),
        "settings": {"module": "bench.chaos.settings (partnerhub.settings.production)", **RUN_SETTINGS},
        "database": database,
        "arguments": {k: v for k, v in vars(args).items() if k not in {"report_dir", "note"}},
        "scenarios": results,
        "ok": all(r["pass"] for r in results),
    }
    report_json.parent.mkdir(parents=True, exist_ok=True)
    report_json.write_text(json.dumps(report, indent=2, default=str) + "\n")
    report_md.write_text(markdown(report))


def _row(result: dict) -> list[str]:
    ledger = result.get("ledger") or {}
    http = result.get("http") or {}
    return [
        result["id"],
        result["title"],
        str(ledger.get("expected", "–")),
        str(ledger.get("lost", "–")),
        str(ledger.get("duplicates", "–")),
        str(http.get("5xx", 0)),
        f"{result.get('seconds', 0):.0f}",
        "pass" if result["pass"] else "FAIL",
    ]


HEADERS = ["#", "scenario", "emails/events", "lost", "duplicates", "5xx", "seconds", "result"]


def table(results: list[dict]) -> str:
    rows = [HEADERS] + [_row(r) for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def markdown(report: dict) -> str:
    lines = [
        "# Fault injection: `make chaos`",
        "",
        f"Run started {report['started_at']} on {report['machine']['cores']} cores (Python "
        f"{report['machine']['python']}; load average {report['machine'].get('load_average_start', '?')} at the "
        f"start, {report['machine'].get('load_average_now', '?')} at the end, other work on the machine); "
        "`bench/chaos/run.py`, see bench/chaos/README.md. Settings: "
        + ", ".join(f"`{k}={v}`" for k, v in report["settings"].items())
        + ".",
        "",
        *(_ran_as(report.get("database") or {}), ""),
        *([report["note"], ""] if report.get("note") else []),
        "| " + " | ".join(HEADERS) + " |",
        "|" + "---|" * len(HEADERS),
    ]
    lines += ["| " + " | ".join(_row(r)) + " |" for r in report["scenarios"]]
    lines += ["", "## Details", ""]
    for r in report["scenarios"]:
        lines.append(f"### {r['id']} — {r['title']}: {'pass' if r['pass'] else 'FAIL'}")
        lines.append("")
        if r.get("error"):
            lines.append(f"- error: `{r['error']}`")
        for key in ("load", "criteria"):
            if r.get(key):
                lines.append(f"- {key}: {r[key]}")
        for key, value in r.items():
            if key in {"id", "title", "pass", "load", "criteria", "error"}:
                continue
            lines.append(f"- {key}: `{json.dumps(value, default=str)}`")
        lines.append("")
    lines.append(f"Result: {'PASS' if report['ok'] else 'FAIL'}.")
    return "\n".join(lines) + "\n"


def _ran_as(database: dict) -> str:
    connections = database.get("connections") or {}
    roles = ", ".join(f"`{name}` ({v['connections']} connections, BYPASSRLS {'yes' if v['bypasses_rls'] else 'no'})"
                      for name, v in connections.items())  # fmt: skip
    return (
        f"gunicorn, the Celery worker and beat connected as {roles or '?'}: the app's own role, through row-level "
        f"security; migrations and the seed ran as the owner. Principals signed in with {database.get('sign_in', '?')}."
    )
