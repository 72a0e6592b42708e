"""`manage.py seed_bench --scale 1|10|whale`: load the benchmark world (performance.md §3.2) into an empty,
migrated database with set-based SQL, ANALYZE it, and write the manifest the load-test harness reads."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.urls import reverse
from django.utils.http import urlencode

from bench.seeding.api_clients import api_clients_create
from bench.seeding.plan import SCALES, plan_for
from bench.seeding.principals import BENCH_PASSWORD, BENCH_TOTP_SECRET, principals_create
from bench.seeding.sql import bulk_session, foreign_key_violations
from bench.seeding.world import COUNTED_MODELS, WorldSeeder, table_counts
from partnerhub.accounts.models import Organization
from partnerhub.core import rls

DEFAULT_MANIFEST = settings.BASE_DIR / ".data" / "bench" / "manifest.json"
DEEP_PAGE_FOLLOWS = 39  # page 40 of the whale's customer list
NO_MATCH = "Zyzzyva"  # a word no seeded name or domain has: the search that reads nothing, not everything


class Command(BaseCommand):
    help = (
        "Load the benchmark data set (1x, 10x or the whale tenant) with INSERT ... SELECT generate_series, "
        "ANALYZE it, print the time taken and the row counts, and write the load test's manifest."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--scale", choices=SCALES, default="1", help="1 (the reference set), 10, or whale.")
        parser.add_argument(
            "--factor",
            type=float,
            default=1.0,
            help="Test only: multiply every count (e.g. 0.002), keeping the minimums that make the world usable.",
        )
        parser.add_argument(
            "--manifest",
            type=Path,
            default=DEFAULT_MANIFEST,
            help=f"Where to write the manifest (default {DEFAULT_MANIFEST}).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even though partner organizations exist (nothing is deleted: a second world is added).",
        )

    @rls.system("manage.py seed_bench")  # every tenant's rows, as the platform (a no-op for the owner)
    def handle(self, *args, scale: str, factor: float, manifest: Path, force: bool, **options) -> None:
        if factor <= 0:
            raise CommandError("--factor must be positive.")
        partners = Organization.objects.filter(kind=Organization.Kind.PARTNER)
        run = ""
        if partners.exists():
            if not force:
                raise CommandError(
                    f"The database already has {partners.count()} partner organization(s): seed_bench loads an "
                    "empty, migrated database. Use a fresh database (or --force to add a second world)."
                )
            run = f"x{Organization.objects.order_by('-pk').values_list('pk', flat=True).first()}"
        started = time.monotonic()
        plan = plan_for(scale, factor)
        self.stdout.write(
            f"Seeding scale {scale} (factor {factor:g}): {plan.providers:,} providers, {plan.resellers:,} resellers, "
            f"{plan.customers:,} customers (whale {plan.provider_customers[0]:,}), ~{plan.subscriptions:,} "
            f"subscriptions, {plan.users:,} users, {plan.invitations:,} invitations, accept pool {plan.accept_pool:,}"
        )
        password_hash = make_password(BENCH_PASSWORD)  # once: thousands of users share it
        with self.step("principals"), transaction.atomic():
            principals = principals_create(password_hash=password_hash, run=run)
        with self.step("api clients"), transaction.atomic():
            api = api_clients_create(principals)
        seeder = WorldSeeder(plan=plan, principals=principals, password_hash=password_hash, run=run)
        for name, write in (
            ("partners", seeder.seed_partners),
            ("partnerships", seeder.seed_partnerships),
            ("customers", seeder.seed_customers),
            ("subscriptions", seeder.seed_subscriptions),
            ("invitations", seeder.seed_invitations),
        ):
            with (
                self.step(name),
                transaction.atomic(),
                connection.cursor() as cursor,
                bulk_session(cursor) as unchecked,
            ):
                write(cursor)
        with self.step("analyze"), connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        if unchecked:  # the foreign keys were not checked row by row: check them all at once
            with self.step("check keys"):
                if violations := foreign_key_violations(COUNTED_MODELS):
                    raise CommandError(f"The seed wrote dangling foreign keys: {violations}")
        endpoints = self.endpoints(seeder, manifest)
        # What bench/load/api_endpoints.py's paths are made of: {search_term}, and the bench reseller (a partner
        # of the bench provider) by each key a filter may take: {reseller_id}, {reseller_tenant_id},
        # {reseller_partner_id} (its location partner ID).
        reseller = principals["reseller"]
        api["facts"] = {"search_term": seeder.search_term(), "reseller_id": reseller.organization.pk,
                        "reseller_tenant_id": str(reseller.organization.tenant_id),
                        "reseller_partner_id": reseller.location.number}  # fmt: skip
        with connection.cursor() as cursor:
            seeder.drop_working_tables(cursor)
        seconds = round(time.monotonic() - started, 1)
        counts = {**table_counts(), "accept_pool": plan.accept_pool}
        document = {
            "scale": scale,
            "factor": factor,
            "seconds": seconds,
            "counts": counts,
            "password": BENCH_PASSWORD,
            # Every principal is a Global admin with an authenticator app: the sign-in asks for its code.
            "totp_secret": BENCH_TOTP_SECRET,
            "principals": {
                key: {"email": principal.user.email, "organization_id": principal.organization.pk}
                for key, principal in principals.items()
            },
            "endpoints": endpoints,
            # Each API principal's client (id and secret) and the API budget's figure for the bench tenants.
            "api": api,
        }
        manifest.parent.mkdir(parents=True, exist_ok=True)
        manifest.write_text(json.dumps(document, indent=1) + "\n")
        for table, rows in counts.items():
            self.stdout.write(f"  {table:44} {rows:>12,}")
        self.stdout.write(
            f"  (accept pool: {plan.accept_pool:,} pending partnership links from as many pool providers, "
            "acceptable by the bench reseller)"
        )
        self.stdout.write(self.style.SUCCESS(f"Seeded in {seconds} s; manifest: {manifest.resolve()}"))

    def endpoints(self, seeder: WorldSeeder, manifest: Path) -> list[dict]:  # noqa: C901 - one list
        """The pages the load test requests, with concrete paths into the seeded world."""
        paths_file = manifest.resolve().with_name(f"{manifest.stem}-accept-paths.txt")
        paths_file.parent.mkdir(parents=True, exist_ok=True)
        paths_file.write_text(
            "".join(reverse("relationships:invitation-accept", args=[token]) + "\n" for token in seeder.accept_tokens())
        )
        customers = reverse("customers:customer-list")
        whale = seeder.whale_facts()

        def get(name: str, principal: str | None, path: str, **extra) -> dict:
            return {"name": name, "principal": principal, "method": "GET", "path": path, **extra}

        return [
            get("dashboard", "provider", reverse("core:dashboard")),
            get("customer_list", "provider", customers),
            get("customer_list_whale", "whale", customers),
            get("customer_list_whale_deep", "whale", customers, follow_next=DEEP_PAGE_FOLLOWS),
            get("customer_search", "provider", customers + "?" + urlencode({"q": seeder.search_term()})),
            # The whale's search, filter and pages: none may cost more than a normal tenant's (issue 20).
            get("customer_search_whale", "whale", customers + "?" + urlencode({"q": seeder.search_term("whale")})),
            get("customer_search_whale_none", "whale", customers + "?" + urlencode({"q": NO_MATCH})),
            *(
                [get("customer_list_whale_by_reseller", "whale", customers + f"?reseller={whale['reseller_id']}")]
                if whale["reseller_id"]
                else []
            ),
            get(
                "subscription_list",
                "provider",
                reverse("customers:customer-detail", args=[seeder.subscription_list_tenant()]),
            ),
            *(
                [
                    get(
                        "subscription_list_whale",
                        "whale",
                        reverse("customers:customer-detail", args=[whale["customer_tenant_id"]]),
                    )
                ]
                if whale["customer_tenant_id"]
                else []
            ),
            get("reseller_list", "provider", reverse("relationships:reseller-list")),
            get("reseller_list_whale", "whale", reverse("relationships:reseller-list")),
            get("invitation_landing", None, reverse("relationships:invitation-accept", args=[seeder.landing_token()])),
            {
                "name": "invitation_accept",
                "principal": "reseller",
                "method": "POST",
                "paths_file": str(paths_file),
                "form": {"authorize": "on"},
                "expect_redirect": reverse("relationships:provider-list"),  # accepted: the reseller's providers
            },
            get("enrollment_status", "provider", reverse("enrollment:legal-info")),
        ]

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Time one step of the seed and print it."""
        started = time.monotonic()
        yield
        self.stdout.write(f"  {name:14} {time.monotonic() - started:7.1f} s")
