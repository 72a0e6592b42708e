"""`manage.py bench_billing --sizes 1000 10000`: the billing engine on the seeded benchmark world.

For each size, in turn: the next `size` subscriptions with no charge line yet have their purchase rated by the
real rating service (one line per tier), then the real billing run closes one period of every pair holding
them. It reports charge lines rated per second, lines invoiced per second, and the run's peak Python memory
(tracemalloc) with the process's peak RSS: the run streams a pair's lines in batches (billing.services.runs),
so its memory stays flat as the sizes grow. Run it after `seed_bench`, under bench.settings.

`--output bench/load/report-billing.json` also writes the results, the database role they were measured as and
the targets below to that JSON and a Markdown report beside it (.md)."""

from __future__ import annotations

import json
import os
import platform
import resource
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import django
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Exists, Max, OuterRef

from billing.models import BillingProfile, ChargeLine, Invoice
from billing.services import rating, runs
from customers.models import Subscription
from partnerhub.core import rls

FIRST_PERIOD = date(2000, 1, 1)  # each size closes its own period, from its own (distinct) start

# The billing run's targets. A month of the 10x world (~2 million subscriptions, ~3 million charge lines) must be
# invoiced inside a one-hour nightly window: 3,000,000 / 3,600 s is 833 lines/s, so at least 1,000 lines/s. Its
# memory must not grow with a pair's lines: the largest size's run peak at most twice the smallest's.
INVOICED_PER_SECOND = 1000
PEAK_GROWTH = 2.0


class Command(BaseCommand):
    help = "Rate purchases and run billing on the seeded benchmark world; print lines per second and peak memory."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000], help="Subscriptions per round.")
        parser.add_argument("--batch", type=int, default=runs.LINE_BATCH, help="Lines attached per UPDATE.")
        parser.add_argument(
            "--warmup", type=int, default=100,
            help="Subscriptions rated and invoiced first, not reported: the first run's one-time allocations "
            "(lazy imports, caches) would otherwise count as the smallest size's peak.",
        )  # fmt: skip
        parser.add_argument("--output", type=Path, help="Write the results and targets to this JSON file and a .md.")

    @rls.system("manage.py bench_billing")
    def handle(
        self, *args, sizes: list[int], batch: int, warmup: int = 100, output: Path | None = None, **options
    ) -> None:
        if not Subscription.objects.exists():
            raise CommandError("No subscriptions: run `manage.py seed_bench` first (bench/README.md).")
        runs.LINE_BATCH = batch
        self.results = []
        self.stdout.write(f"{'subscriptions':>13} {'lines':>8} {'rated/s':>8} {'invoiced/s':>10} "
                          f"{'invoices':>8} {'run peak (tracemalloc)':>22} {'max RSS':>9}")  # fmt: skip
        if warmup:
            self.round(0, warmup)
        for index, size in enumerate(sizes, start=1):
            result = self.round(index, size)
            self.results.append(result)
            self.stdout.write(
                f"{result['subscriptions']:>13,} {result['lines']:>8,} {result['rated_per_second']:>8,.0f} "
                f"{result['invoiced_per_second']:>10,.0f} {result['invoices']:>8,} "
                f"{result['run_peak_kib']:>18,.0f} KiB {result['max_rss_mib']:>5,.0f} MiB"
            )
        if output is not None:
            report = self.report(batch, warmup)
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(json.dumps(report, indent=2) + "\n")
            output.with_suffix(".md").write_text(markdown(report))

    def report(self, batch: int, warmup: int) -> dict:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user, rolbypassrls FROM pg_roles WHERE rolname = current_user")
            role, bypasses_rls = cursor.fetchone()
            cursor.execute("SHOW server_version")
            (server_version,) = cursor.fetchone()
        # The largest size's peak against the smallest's, both after the warm-up round.
        smallest = min(self.results, key=lambda result: result["subscriptions"])
        largest = max(self.results, key=lambda result: result["subscriptions"])
        growth = largest["run_peak_kib"] / smallest["run_peak_kib"] if smallest["run_peak_kib"] else 0.0
        slowest = min(result["invoiced_per_second"] for result in self.results)
        return {
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "environment": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "Django": django.get_version(),
                "postgresql": server_version,
                "load_average": " ".join(f"{value:.2f}" for value in os.getloadavg()),
            },
            "database_role": {"name": role, "bypasses_rls": bypasses_rls},
            "subscriptions": Subscription.objects.count(),
            "batch": batch,
            "warmup": warmup,
            "results": self.results,
            "targets": [
                {"target": "invoiced lines/s (slowest size)", "measured": round(slowest),
                 "limit": f"≥ {INVOICED_PER_SECOND:,}", "met": slowest >= INVOICED_PER_SECOND},
                {"target": "run peak, largest size / smallest", "measured": round(growth, 2),
                 "limit": f"≤ {PEAK_GROWTH}", "met": 0 < growth <= PEAK_GROWTH},
            ],
        }  # fmt: skip

    def round(self, index: int, size: int) -> dict:
        unrated = Subscription.objects.filter(
            ~Exists(ChargeLine.objects.filter(subscription=OuterRef("pk"))), status="active"
        ).select_related("partner")
        before = ChargeLine.objects.count()
        started = time.perf_counter()
        subscriptions = 0
        for subscription in unrated.order_by("partner_id", "pk")[:size].iterator(chunk_size=500):
            rating.rate(subscription, source=f"bench:purchase:{subscription.pk}",
                        charge_type=ChargeLine.ChargeType.NEW, day=subscription.term_start,
                        quantity=subscription.quantity)  # fmt: skip
            subscriptions += 1
        rated_seconds = time.perf_counter() - started
        lines = ChargeLine.objects.count() - before
        pending = ChargeLine.objects.filter(invoice=None)
        last = pending.aggregate(last=Max("event_on"))["last"] or FIRST_PERIOD
        run_day = max(last, FIRST_PERIOD + timedelta(days=40)) + timedelta(days=1)
        wanted = set(pending.order_by().values_list("issuer_id", "recipient_id").distinct())
        pairs = [pk for pk, issuer, recipient in BillingProfile.objects.values_list("pk", "issuer_id", "recipient_id")
                 if (issuer, recipient) in wanted]  # fmt: skip
        invoiced = pending.count()
        BillingProfile.objects.filter(pk__in=pairs).update(
            period_start=FIRST_PERIOD + timedelta(days=index), next_run_on=run_day, billing_day=1
        )
        invoices_before = Invoice.objects.count()
        tracemalloc.start()
        started = time.perf_counter()
        for pk in pairs:
            runs.billing_run_profile(pk=pk, today=run_day)
        run_seconds = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return {
            "subscriptions": subscriptions,
            "lines": lines,
            "rated_per_second": lines / rated_seconds if rated_seconds else 0.0,
            "invoiced_per_second": invoiced / run_seconds if run_seconds else 0.0,
            "invoices": Invoice.objects.count() - invoices_before,
            "run_peak_kib": peak / 1024,
            "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }


def markdown(report: dict) -> str:
    env = report["environment"]
    role = report["database_role"]
    lines = [
        "# The billing run: charge lines rated and invoiced",
        "",
        f"Measured {report['generated_at']} by `manage.py bench_billing` on {env['cpus']} cores; Python "
        f"{env['python']}, Django {env['Django']}, PostgreSQL {env['postgresql']}; load average at the end "
        f"{env['load_average']}. Database role: `{role['name']}` "
        f"({'bypasses' if role['bypasses_rls'] else 'under'} row-level security). World: "
        f"{report['subscriptions']:,} subscriptions (`seed_bench`); lines attached {report['batch']:,} per UPDATE; "
        f"a warm-up round of {report.get('warmup', 0):,} subscriptions first, not reported.",
        "",
        "Each size rates the purchase of that many subscriptions with no charge line yet (the real rating service, "
        "one line per tier), then runs the billing run of every pair holding them (one invoice per currency and "
        "period). *Rated/s* and *invoiced/s* are charge lines per second; the run's peak is Python's (tracemalloc).",
        "",
        "| subscriptions | lines | rated/s | invoiced/s | invoices | run peak (tracemalloc) | max RSS |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        *(
            f"| {r['subscriptions']:,} | {r['lines']:,} | {r['rated_per_second']:,.0f} | "
            f"{r['invoiced_per_second']:,.0f} | {r['invoices']:,} | {r['run_peak_kib']:,.0f} KiB | "
            f"{r['max_rss_mib']:,.0f} MiB |"
            for r in report["results"]
        ),
        "",
        "| target | measured | limit | |",
        "|---|---:|---|---|",
        *(
            f"| {t['target']} | {t['measured']:,} | {t['limit']} | {'met' if t['met'] else '**missed**'} |"
            for t in report["targets"]
        ),
        "",
    ]
    return "\n".join(lines)
