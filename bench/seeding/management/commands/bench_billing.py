"""`manage.py bench_billing --sizes 1000 10000`: the billing engine on the seeded benchmark world.

For each size, in turn: the next `size` subscriptions with no charge line yet have their purchase rated by the
real rating service (one line per tier), then the real billing run closes one period of every pair holding
them. It reports charge lines rated per second, lines invoiced per second, and the run's peak Python memory
(tracemalloc) with the process's peak RSS: the run streams a pair's lines in batches (billing.services.runs),
so its memory stays flat as the sizes grow. Run it after `seed_bench`, under bench.settings."""

from __future__ import annotations

import resource
import time
import tracemalloc
from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Exists, Max, OuterRef

from billing.models import BillingProfile, ChargeLine, Invoice
from billing.services import rating, runs
from customers.models import Subscription
from partnerhub.core import rls

FIRST_PERIOD = date(2000, 1, 1)  # each size closes its own period, from its own (distinct) start


class Command(BaseCommand):
    help = "Rate purchases and run billing on the seeded benchmark world; print lines per second and peak memory."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000], help="Subscriptions per round.")
        parser.add_argument("--batch", type=int, default=runs.LINE_BATCH, help="Lines attached per UPDATE.")

    @rls.system("manage.py bench_billing")
    def handle(self, *args, sizes: list[int], batch: int, **options) -> None:
        if not Subscription.objects.exists():
            raise CommandError("No subscriptions: run `manage.py seed_bench` first (bench/README.md).")
        runs.LINE_BATCH = batch
        self.results = []
        self.stdout.write(f"{'subscriptions':>13} {'lines':>8} {'rated/s':>8} {'invoiced/s':>10} "
                          f"{'invoices':>8} {'run peak (tracemalloc)':>22} {'max RSS':>9}")  # fmt: skip
        for index, size in enumerate(sizes):
            result = self.round(index, size)
            self.results.append(result)
            self.stdout.write(
                f"{result['subscriptions']:>13,} {result['lines']:>8,} {result['rated_per_second']:>8,.0f} "
                f"{result['invoiced_per_second']:>10,.0f} {result['invoices']:>8,} "
                f"{result['run_peak_kib']:>18,.0f} KiB {result['max_rss_mib']:>5,.0f} MiB"
            )

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
