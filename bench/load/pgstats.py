"""Server-side truth from pg_stat_statements: what one request of a page costs the database.

Django counts the statements its cursor runs. The server sees more, and each kind is reported on its own:
- `health_check`: CONN_HEALTH_CHECKS runs `SELECT 1` on a reused connection before a request's first query;
- `transaction`: the BEGIN/COMMIT psycopg sends around `atomic()`;
- `fk_check`: Django's foreign keys are DEFERRABLE INITIALLY DEFERRED, so PostgreSQL checks them at COMMIT with
  `SELECT 1 FROM ONLY … FOR KEY SHARE` — outside any statement, so pg_stat_statements lists them as top level;
- `session_setup`: SET/SHOW when a connection is opened (rare with persistent connections).
`queries_per_request` = `query` + `savepoint` is what the test suite's `django_assert_num_queries` counts;
`statements_per_request` is every statement the server ran.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEALTH = re.compile(r"^\s*select\s+(\$\d+|1)\s*;?\s*$", re.IGNORECASE)
_TRANSACTION = re.compile(r"^\s*(begin|commit|rollback|start\s+transaction|end)\b(?!.*\bto\s+savepoint)", re.I)
_SETUP = re.compile(r"^\s*(set|show|reset|discard|deallocate)\b", re.IGNORECASE)
_SAVEPOINT = re.compile(r"^\s*(savepoint|release\s+savepoint|rollback\s+to\s+savepoint)\b", re.IGNORECASE)
_FK_CHECK = re.compile(
    r"^\s*select\s+(1|\$\d+)\s+from\s+only\s+\S+\s+x\s+where\b.*\bfor\s+key\s+share\s+of\s+x", re.I | re.S
)
KINDS = ("query", "savepoint", "health_check", "transaction", "fk_check", "session_setup")


def classify(query: str) -> str:
    for kind, pattern in (
        ("health_check", _HEALTH),
        ("savepoint", _SAVEPOINT),
        ("transaction", _TRANSACTION),
        ("fk_check", _FK_CHECK),
        ("session_setup", _SETUP),
    ):
        if pattern.match(query):
            return kind
    return "query"


@dataclass
class StatStatements:
    """pg_stat_statements of one database, read over a separate connection (`admin_url`)."""

    admin_url: str
    database: str

    def _connect(self):
        import psycopg

        return psycopg.connect(self.admin_url, autocommit=True, connect_timeout=5)

    def available(self) -> bool:
        try:
            with self._connect() as conn:
                conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
                conn.execute("SELECT count(*) FROM pg_stat_statements").fetchone()
        except Exception:
            return False
        return True

    def reset(self) -> None:
        with self._connect() as conn:
            conn.execute("SELECT pg_stat_statements_reset()")

    def read(self, requests: int) -> dict:
        """Calls per request by kind, and each statement's calls, mean time and rows, busiest first."""
        with self._connect() as conn:
            rows = conn.execute(
                """
                SELECT s.query, sum(s.calls)::bigint, sum(s.total_exec_time), sum(s.rows)::bigint
                FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
                WHERE d.datname = %s AND s.query NOT ILIKE %s
                GROUP BY s.query ORDER BY 2 DESC, 3 DESC
                """,
                (self.database, "%pg_stat_statements%"),
            ).fetchall()
        totals: dict[str, int] = dict.fromkeys(KINDS, 0)
        statements = []
        for query, calls, total_ms, nrows in rows:
            kind = classify(query)
            totals[kind] += calls
            statements.append(
                {
                    "kind": kind,
                    "query": re.sub(r"\s+", " ", query)[:400],
                    "calls": int(calls),
                    "calls_per_request": round(calls / requests, 3),
                    "mean_exec_time_ms": round(total_ms / calls, 4) if calls else None,
                    "rows_per_call": round(nrows / calls, 2) if calls else None,
                }
            )
        per = {kind: round(count / requests, 3) for kind, count in totals.items()}
        return {
            "requests": requests,
            "queries_per_request": round((totals["query"] + totals["savepoint"]) / requests, 3),
            "statements_per_request": round(sum(totals.values()) / requests, 3),
            "per_request_by_kind": per,
            "health_checks_per_request": per["health_check"],
            "transaction_statements_per_request": per["transaction"],
            "db_time_ms_per_request": round(sum(s["mean_exec_time_ms"] * s["calls"] for s in statements) / requests, 3)
            if statements
            else 0.0,
            "statements": statements[:40],
        }
