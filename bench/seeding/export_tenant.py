"""The tenant `manage.py bench_export` exports: the bench provider with `n` more customers, written set-wise.

The customers are written as `seed_bench` writes them (bench/seeding/customers.py): the customer organization,
its profile and the provider's relationship, with names drawn from the same vocabulary, so the export sorts
and reads rows of a realistic width; every other relationship is associated with the bench reseller (the
export's "Indirect reseller" column). Ids come from the sequences up front, so the three inserts refer to each
other by arithmetic (`generate_series` only, no working table).
"""

# The SQL below is assembled from the models' own table and column names, integers and the vocabulary's word
# lists; the few values from elsewhere are parameters.
# ruff: noqa: S608

from __future__ import annotations

from django.conf import settings

from bench.seeding.sql import deferred_indexes, h, insert_select, pick, reserve_ids
from bench.seeding.vocabulary import ADJECTIVES, COUNTRY, INDUSTRIES, LEGAL_FORMS, MARKET, NOUNS
from customers.models import Customer, CustomerRelationship
from partnerhub.accounts.models import Organization


def export_customers_seed(cursor, *, provider_id: int, reseller_id: int, n: int, tag: str) -> int:
    """Write `n` active customers of the provider, half of them through the reseller; returns `n`.

    `cursor` may be the owner's (indexes are then dropped and rebuilt around the inserts) or the app role's
    under the platform's context (the test suite: indexes stay)."""
    base = reserve_ids(cursor, Organization, n)
    name = (
        f"{pick(ADJECTIVES, h('g.n', 51))} || ' ' || {pick(NOUNS, h('g.n', 52))} || ' ' || "
        f"{pick(INDUSTRIES, h('g.n', 53))} || ' ' || {pick(LEGAL_FORMS, h('g.n', 54))}"
    )
    prefix = f"'x{tag}' || lower({pick(NOUNS, h('g.n', 52))}) || ({base} + g.n - 1)"
    domain = f"{prefix} || '.{settings.CUSTOMER_DOMAIN_SUFFIX}'"
    created_at = f"now() - make_interval(secs => mod({h('g.n', 55)}, 63072000)::float8)"
    source = f"generate_series(1, {int(n)}) AS g(n)"
    with deferred_indexes(cursor, Organization, Customer, CustomerRelationship):
        insert_select(
            cursor,
            Organization,
            {
                "id": f"{base} + g.n - 1",
                "tenant_id": f"md5('bench-export-{tag}-' || ({base} + g.n - 1))::uuid",
                "kind": "'customer'",
                "legal_name": name,
                "country": f"'{COUNTRY}'",
                "address_line1": "'1 Export Way'",
                "city": "'Seattle'",
                "state": "'WA'",
                "postal_code": "'98101'",
                "primary_domain": domain,
                "csp_region": f"'{MARKET.region.value}'",
                "currency": f"'{MARKET.currency}'",
                "created_at": created_at,
            },
            source,
        )
        insert_select(
            cursor,
            Customer,
            {
                "organization": f"{base} + g.n - 1",
                "domain": domain,
                "culture": "'en-US'",
                "language": "'en'",
                "contact_first_name": "'Export'",
                "contact_last_name": "'Contact'",
                "contact_email": "'contact@' || " + domain,
                "created_by_partner": str(int(provider_id)),
            },
            source,
        )
        insert_select(
            cursor,
            CustomerRelationship,
            {
                "customer": f"{base} + g.n - 1",
                "customer_name": name,
                "delegated_admin": "true",
                "status": "'active'",
                "created_at": created_at,
                "partner": str(int(provider_id)),
                "kind": f"'{CustomerRelationship.Kind.INDIRECT_PROVIDER.value}'",
                "reseller": f"CASE WHEN mod(g.n, 2) = 0 THEN {int(reseller_id)} END",
            },
            source,
        )
    return n
