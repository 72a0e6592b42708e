"""The chaos run's ledger: the outbox rows a scenario created against the idempotency keys the SMTP sink received
(lost, duplicated, still queued), waiting until they are delivered, and the business consistency check (no
half-done partnership accept anywhere).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable

from bench.chaos.config import Failure
from bench.chaos.sink import ChaosSink
from bench.chaos.stack import log


class Ledger:
    def __init__(self, sql: Callable[..., list[tuple]], sink: ChaosSink) -> None:
        self.sql = sql  # a query on the run's database, as the tables' owner
        self.sink = sink

    def watermark(self) -> int:
        return self.sql("SELECT coalesce(max(id), 0) FROM core_outboundemail")[0][0]

    def outbox(self, since: int) -> list[tuple]:
        return self.sql(
            "SELECT id, idempotency_key::text, status, attempts FROM core_outboundemail WHERE id > %s ORDER BY id",
            [since],
        )

    def read(self, since: int) -> dict:
        rows = self.outbox(since)
        expected = {key for _, key, _, _ in rows}
        delivered = self.sink.counts()
        lost = sorted(expected - set(delivered))
        statuses = Counter(status for _, _, status, _ in rows)
        return {
            "expected": len(expected),
            "delivered_unique": len(expected & set(delivered)),
            "lost": len(lost),
            "lost_sample": lost[:5],
            "duplicates": sum(delivered[key] - 1 for key in expected if delivered.get(key, 0) > 1),
            "duplicated_keys": sum(1 for key in expected if delivered.get(key, 0) > 1),
            "unexpected_messages": sum(count for key, count in delivered.items() if key not in expected),
            "rows": dict(statuses),
            "max_attempts": max((attempts for *_, attempts in rows), default=0),
            "smtp_drops": self.sink.drops,
        }

    def wait_drained(self, since: int, *, timeout: float, expect_at_least: int = 0) -> tuple[dict, float | None]:
        """Until every outbox row since `since` was delivered (and none is still queued), or `timeout`."""
        started = time.monotonic()
        while True:
            ledger = self.read(since)
            done = ledger["lost"] == 0 and not ledger["rows"].get("queued") and ledger["expected"] >= expect_at_least
            if done:
                return ledger, time.monotonic() - started
            if time.monotonic() - started > timeout:
                log(f"not drained after {timeout:.0f} s: {ledger}")
                return ledger, None
            time.sleep(1)

    def consistency(self) -> dict:
        """Half-done business changes anywhere in the database (none may exist)."""
        accepted_alone = self.sql(
            "SELECT count(*) FROM relationships_partnershipinvitation i WHERE i.accepted_at IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM relationships_partnerrelationship r WHERE r.invitation_id = i.id)"
        )[0][0]
        relationship_unaccepted = self.sql(
            "SELECT count(*) FROM relationships_partnerrelationship r JOIN relationships_partnershipinvitation i "
            "ON i.id = r.invitation_id WHERE i.accepted_at IS NULL OR i.reseller_id IS DISTINCT FROM r.reseller_id"
        )[0][0]
        return {
            "invitation_accepted_without_relationship": accepted_alone,
            "relationship_without_accepted_invitation": relationship_unaccepted,
        }

    def delivered_since(self, since: int) -> int:
        keys = {key for _, key, _, _ in self.outbox(since)}
        counts = self.sink.counts()
        return sum(1 for key in keys if key in counts)

    def wait_delivered(self, since: int, n: int, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while self.delivered_since(since) < n:
            if time.monotonic() > deadline:
                raise Failure(f"fewer than {n} emails delivered after {timeout:.0f} s")
            time.sleep(0.2)
