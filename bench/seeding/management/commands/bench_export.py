"""`manage.py bench_export --customers 1000000`: the customer CSV export of one large tenant, measured.

It seeds its own tenant (the bench principals, then `--customers` customers of the bench provider written with
set-based SQL: bench/seeding/export_tenant.py; as the tables' owner with `--owner-url`, else as this
command's own role under the platform's context), then exports them the two ways the portal does, as the app's
role under row-level security:

- stream: GET /customers/export/ through the real middleware and view (Django's test client, signed in as the
  provider's Global admin, who has an authenticator), the streaming body read chunk by chunk as a download is.
  The portal streams an export only up to EXPORT_STREAM_MAX_ROWS (10,000): the command raises that limit for
  this pass, to measure the streamed path at every size; the report says what the real limit does with this
  tenant (a larger export is prepared by a worker);
- worker: the background job a larger export becomes (customers.services.exports.export_job_run, what the
  Celery task runs), writing its file to the default storage.

For each pass it reports rows per second and, at each checkpoint (10k, 100k, 1M rows by default), the peak
Python memory so far (tracemalloc, in the traced passes: tracing makes Python several times slower, so the
rates come from the untraced ones) and the process's resident memory. Flat memory: the same peak at every
checkpoint. Run it under bench.settings (bench/README.md).
"""

from __future__ import annotations

import os
import platform
import resource
import subprocess
import time
import tracemalloc
from dataclasses import dataclass, field

import psycopg
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import reverse

from bench.seeding.export_tenant import export_customers_seed
from bench.seeding.principals import BENCH_PASSWORD, principals_create
from bench.seeding.sql import bulk_session
from customers.models import ExportJob
from customers.services.exports import export_job_run
from partnerhub.accounts.models import Organization
from partnerhub.core import rls

PASSES = ("stream", "stream-traced", "worker", "worker-traced")


def rss_bytes() -> int:
    """The process's resident memory now (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def max_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


@dataclass
class Mark:
    rows: int
    seconds: float
    peak: int | None  # tracemalloc's peak so far (traced passes)
    rss: int
    max_rss: int

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


@dataclass
class Pass:
    name: str
    rows: int = 0
    first_byte: float | None = None
    marks: list[Mark] = field(default_factory=list)


class Command(BaseCommand):
    help = "Seed one tenant with N customers and measure its CSV export (streamed and by the worker)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--customers", type=int, default=1_000_000, help="Customers of the exported tenant.")
        parser.add_argument(
            "--checkpoints", type=int, nargs="+", default=[10_000, 100_000, 1_000_000],
            help="Rows at which the streamed passes report memory (the end is always reported).",
        )  # fmt: skip
        parser.add_argument("--passes", nargs="+", choices=PASSES, default=list(PASSES))
        parser.add_argument(
            "--owner-url",
            default="",
            help="Seed as the tables' owner through this URL (same database): faster, indexes rebuilt once.",
        )

    @rls.system("manage.py bench_export")  # the seed and the job rows, as the platform; the exports set their own
    def handle(self, *args, customers: int, checkpoints: list[int], passes: list[str], owner_url: str, **options):
        if customers < 1:
            raise CommandError("--customers must be positive.")
        provider_user, provider = self.seed(customers, owner_url)
        checkpoints = sorted({c for c in checkpoints if c < customers} | {customers})
        self.results: list[Pass] = []
        self.stdout.write(self.environment(customers))
        self.stdout.write(f"limit: {self.limit_check(provider_user, customers)}")
        header = (
            f"{'pass':<14} {'rows':>10} {'seconds':>8} {'rows/s':>8} {'peak (tracemalloc)':>19} "
            f"{'RSS now':>9} {'max RSS':>9}"
        )
        self.stdout.write(header)
        for name in passes:
            traced = name.endswith("-traced")
            if name.startswith("stream"):
                result = self.stream(provider_user, customers, checkpoints, name, traced=traced)
            else:
                result = self.worker(provider_user, provider, customers, name, traced=traced)
            self.results.append(result)
            for mark in result.marks:
                peak = f"{mark.peak / 2**20:,.1f} MiB" if mark.peak is not None else "-"
                self.stdout.write(
                    f"{name:<14} {mark.rows:>10,} {mark.seconds:>8.1f} {mark.rate:>8,.0f} {peak:>19} "
                    f"{mark.rss / 2**20:>5,.0f} MiB {mark.max_rss / 2**20:>5,.0f} MiB"
                )
            if result.first_byte is not None:
                self.stdout.write(f"{name:<14} first chunk after {result.first_byte:.2f} s")

    # --- the tenant ---------------------------------------------------------------------------------------

    def seed(self, customers: int, owner_url: str):
        existing = Organization.objects.filter(kind=Organization.Kind.PARTNER).order_by("-pk").first()
        run = f"e{existing.pk}" if existing else ""  # a second run seeds a tenant of its own
        started = time.perf_counter()
        with transaction.atomic():
            principals = principals_create(password_hash=make_password(BENCH_PASSWORD), run=run)
        provider, reseller = principals["provider"], principals["reseller"]
        kwargs = {"provider_id": provider.organization.pk, "reseller_id": reseller.organization.pk, "n": customers,
                  "tag": run or "0"}  # fmt: skip
        if owner_url:
            with psycopg.connect(owner_url) as owner, owner.transaction(), owner.cursor() as cursor:
                cursor.execute("SELECT current_database()")
                if cursor.fetchone()[0] != connection.settings_dict["NAME"]:
                    raise CommandError("--owner-url names another database than the app's.")
                with bulk_session(cursor):
                    export_customers_seed(cursor, **kwargs)
            with psycopg.connect(owner_url, autocommit=True) as owner:
                for table in ("accounts_organization", "customers_customer", "customers_customerrelationship"):
                    owner.execute(f"ANALYZE {table}")
        else:
            with transaction.atomic(), connection.cursor() as cursor, bulk_session(cursor):
                export_customers_seed(cursor, **kwargs)
        self.seed_seconds = time.perf_counter() - started
        self.stdout.write(f"seeded {customers:,} customers of {provider.organization.legal_name} "
                          f"(id {provider.organization.pk}) in {self.seed_seconds:.1f} s")  # fmt: skip
        return provider.user, provider.organization

    def environment(self, customers: int) -> str:
        try:
            commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,  # noqa: S607
                                    cwd=settings.BASE_DIR, check=False).stdout.strip()  # fmt: skip
        except OSError:
            commit = ""
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user, current_setting('server_version')")
            role, version = cursor.fetchone()
        load = " ".join(f"{value:.2f}" for value in os.getloadavg())
        cursors = "off" if connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS") else "on"
        return (
            f"commit {commit or '?'}; {customers:,} customers; app role {role}; PostgreSQL {version}; Python "
            f"{platform.python_version()}; {os.cpu_count()} CPUs; load average {load}; server-side cursors "
            f"{cursors}; EXPORT_CHUNK_ROWS {settings.EXPORT_CHUNK_ROWS}, EXPORT_TASK_CHUNK_ROWS "
            f"{settings.EXPORT_TASK_CHUNK_ROWS}, EXPORT_STREAM_MAX_ROWS {settings.EXPORT_STREAM_MAX_ROWS}"
        )

    # --- the passes ---------------------------------------------------------------------------------------

    def client(self, user) -> Client:
        """The provider's Global admin, signed in (its authenticator makes the two-step middleware let it by)."""
        client = Client(secure=True)  # production redirects plain HTTP
        client.force_login(user)
        return client

    def limit_check(self, user, customers: int) -> str:
        """What the portal itself does with this tenant's export button."""
        with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
            response = self.client(user).get(reverse("customers:customer-export"))
        if response.status_code != 200:
            raise CommandError(f"The export answered {response.status_code}.")
        if response.streaming:
            for _chunk in response.streaming_content:  # the transaction it holds ends with the body
                pass
            return f"{customers:,} customers are within EXPORT_STREAM_MAX_ROWS: the button streams them"
        return (
            f"{customers:,} customers are above EXPORT_STREAM_MAX_ROWS ({settings.EXPORT_STREAM_MAX_ROWS:,}): the "
            "button offers a prepared export (the worker pass); the stream passes lift the limit"
        )

    def stream(self, user, customers: int, checkpoints: list[int], name: str, *, traced: bool) -> Pass:
        result = Pass(name)
        pending = list(checkpoints)
        client = self.client(user)
        hosts = [*settings.ALLOWED_HOSTS, "testserver"]
        with override_settings(EXPORT_STREAM_MAX_ROWS=customers, ALLOWED_HOSTS=hosts):
            if traced:
                tracemalloc.start()
            try:
                started = time.perf_counter()
                response = client.get(reverse("customers:customer-export"))
                if not response.streaming:
                    raise CommandError(f"The export did not stream (status {response.status_code}).")
                lines = 0
                for chunk in response.streaming_content:
                    if result.first_byte is None:
                        result.first_byte = time.perf_counter() - started
                    lines += chunk.count(b"\n")  # one per record (names hold no line break), the header's too
                    while pending and lines - 1 >= pending[0]:
                        pending.pop(0)
                        result.marks.append(self.mark(lines - 1, started, traced))
                result.rows = lines - 1
            finally:
                if traced:
                    tracemalloc.stop()
        if result.rows != customers:
            raise CommandError(f"The streamed export had {result.rows:,} rows, not {customers:,}.")
        return result

    def worker(self, user, organization, customers: int, name: str, *, traced: bool) -> Pass:
        result = Pass(name)
        job = ExportJob.objects.create(organization=organization, requested_by=user, kind=ExportJob.Kind.CUSTOMERS,
                                       filters={}, filename="customers.csv")  # fmt: skip
        if traced:
            tracemalloc.start()
        try:
            started = time.perf_counter()
            if not export_job_run(job_id=job.pk):
                job.refresh_from_db()
                raise CommandError(f"The export job ended {job.status}: {job.error}")
            result.marks.append(self.mark(customers, started, traced))
        finally:
            if traced:
                tracemalloc.stop()
        job.refresh_from_db()
        result.rows = job.rows_done
        default_storage.delete(job.file.name)
        if result.rows != customers:
            raise CommandError(f"The export job wrote {result.rows:,} rows, not {customers:,}.")
        return result

    @staticmethod
    def mark(rows: int, started: float, traced: bool) -> Mark:
        return Mark(
            rows=rows,
            seconds=time.perf_counter() - started,
            peak=tracemalloc.get_traced_memory()[1] if traced else None,
            rss=rss_bytes(),
            max_rss=max_rss_bytes(),
        )
