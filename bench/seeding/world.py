"""The benchmark world of `manage.py seed_bench` (performance.md §3.2).

Three bench principals (a normal indirect provider, the "whale" provider and an indirect reseller) are made
through the same services as the demo seed, so they can really sign in and use every page. Everything else is
written with set-based SQL (`INSERT … SELECT … FROM generate_series`), deterministic (a hash of the series
number, never random()), with ids reserved up front from each table's sequence so that rows can refer to each
other by arithmetic instead of joins. Column lists come from `Model._meta`: a column the models gain later is
filled from its default, or the seed stops and names it (see `insert_select`).
"""

# The SQL below is assembled from the models' own table and column names, integers and the vocabulary's word
# lists; the few values from elsewhere are parameters.
# ruff: noqa: S608

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.db import connection

from agreements.models import AgreementAcceptance, AgreementType, CustomerAgreementAcceptance
from agreements.selectors import current_version
from bench.seeding.customers import CustomersStep
from bench.seeding.invitations import InvitationsStep
from bench.seeding.partners import PartnersStep
from bench.seeding.partnerships import PartnershipsStep
from bench.seeding.plan import Plan
from bench.seeding.principals import Principal
from bench.seeding.sql import table, text_array
from bench.seeding.vocabulary import ADJECTIVES, NOUNS
from customers.models import (
    Customer,
    CustomerInvitation,
    CustomerRelationship,
    Offer,
    OfferPrice,
    Order,
    OrderLine,
    Subscription,
)
from enrollment.models import PartnerId, ProgramEnrollment, VerificationCase
from partnerhub.accounts.models import Membership, Organization, User
from relationships.models import PartnerRelationship, PartnershipInvitation, ProviderListing


class WorldSeeder(PartnersStep, PartnershipsStep, CustomersStep, InvitationsStep):
    """Writes the bulk rows around the principals, one step per transaction (the command wraps each step).

    Working tables (`bench_*`, temporary) carry what later steps need: every partner's organization, admin
    and location partner ID, the provider slots, the partnerships, the customers and their subscriptions.
    """

    def __init__(self, *, plan: Plan, principals: dict[str, Principal], password_hash: str, run: str = "") -> None:
        self.plan = plan
        self.principals = principals
        self.password_hash = password_hash
        self.run = run
        self.tag = f"{run}-" if run else ""  # keeps tokens unique when --force seeds a second world
        self.bulk_providers = plan.providers - 2
        self.bulk_resellers = plan.resellers - 1
        self.bulk = self.bulk_providers + self.bulk_resellers
        self.bulk_users = max(plan.users - len(principals), self.bulk)
        self.mpa = current_version(type=AgreementType.MPA)
        self.mca = current_version(type=AgreementType.MCA)
        self.subscription_list_n = 0
        self.accepted_partnerships = 0

    def token(self, kind: str, number_sql: str) -> str:
        """SQL for a deterministic plaintext token, e.g. bench-landing-1."""
        return f"'bench-{self.tag}{kind}-' || ({number_sql})"

    def accept_tokens(self) -> list[str]:
        return [f"bench-{self.tag}accept-{n}" for n in range(1, self.plan.accept_pool + 1)]

    def landing_token(self) -> str:
        return f"bench-{self.tag}landing-1"

    def subscription_list_tenant(self) -> str:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT o.tenant_id FROM bench_customer c JOIN {table(Organization)} o ON o.id = c.org_id "
                "WHERE c.n = %s",
                [self.subscription_list_n],
            )
            return str(cursor.fetchone()[0])

    def whale_facts(self) -> dict:
        """What the whale's own pages are asked with: one of its resellers with customers (the reseller filter),
        and the customer with the most subscriptions (the whale's subscription list)."""
        whale = self.principals["whale"].organization.pk
        with connection.cursor() as cursor:
            cursor.execute(
                f"""SELECT r.reseller_id FROM {table(CustomerRelationship)} r
                    WHERE r.partner_id = %s AND r.status = 'active' AND r.reseller_id IS NOT NULL
                    GROUP BY r.reseller_id ORDER BY count(*) DESC, r.reseller_id LIMIT 1""",
                [whale],
            )
            reseller = cursor.fetchone()
            cursor.execute(
                f"""SELECT o.tenant_id FROM {table(Subscription)} s JOIN {table(Organization)} o ON o.id = s.customer_id
                    WHERE s.partner_id = %s GROUP BY o.tenant_id ORDER BY count(*) DESC, o.tenant_id LIMIT 1""",
                [whale],
            )
            customer = cursor.fetchone()
        return {
            "reseller_id": reseller[0] if reseller else None,
            "customer_tenant_id": str(customer[0]) if customer else None,
        }

    def search_term(self, principal: str = "provider") -> str:
        """A word of the principal's customer names that the list's search matches a few (~5) times."""
        provider = self.principals[principal].organization.pk
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                SELECT w.word, count(r.id) AS n
                FROM unnest({text_array(ADJECTIVES + NOUNS)}) AS w(word)
                JOIN {table(CustomerRelationship)} r ON r.partner_id = %s AND r.status = 'active'
                     AND strpos(lower(r.customer_name), lower(w.word)) > 0
                GROUP BY w.word
                ORDER BY (count(r.id) >= 2) DESC, abs(count(r.id) - 5), w.word
                LIMIT 1
                """,
                [provider],
            )
            row = cursor.fetchone()
        return row[0] if row else ADJECTIVES[0]

    def drop_working_tables(self, cursor) -> None:
        for name in ("bench_sub", "bench_customer", "bench_alloc", "bench_pair", "bench_partner"):
            cursor.execute(f"DROP TABLE IF EXISTS {name}")


COUNTED_MODELS = [
    Organization, User, EmailAddress, Membership, ProgramEnrollment, VerificationCase, PartnerId,
    AgreementAcceptance, ProviderListing, PartnerRelationship, PartnershipInvitation, Customer,
    CustomerRelationship, CustomerAgreementAcceptance, Offer, OfferPrice, Order, OrderLine, Subscription,
    CustomerInvitation,
]  # fmt: skip


def table_counts() -> dict[str, int]:
    """Exact row counts of every table the seed writes, by table name."""
    with connection.cursor() as cursor:
        counts = {}
        for model in COUNTED_MODELS:
            cursor.execute(f"SELECT count(*) FROM {table(model)}")
            counts[model._meta.db_table] = cursor.fetchone()[0]
    return counts
