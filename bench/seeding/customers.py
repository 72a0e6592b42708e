"""Customers and their subscriptions: steps of the benchmark world (bench/seeding/world.py)."""

# The SQL below is assembled from the models' own table and column names, integers and the vocabulary's word
# lists; the few values from elsewhere are parameters.
# ruff: noqa: S608

from __future__ import annotations

from django.conf import settings

from agreements.models import CustomerAgreementAcceptance
from bench.seeding.plan import SUBSCRIPTION_LIST_SIZE
from bench.seeding.sql import deferred_indexes, h, insert_select, pick, quote, reserve_ids, table, text_array, u
from bench.seeding.vocabulary import (
    ADJECTIVES,
    CITIES,
    COUNTRY,
    FIRST_NAMES,
    INDUSTRIES,
    LAST_NAMES,
    LEGAL_FORMS,
    MARKET,
    NOUNS,
    STREETS,
)
from customers.models import (
    Customer,
    CustomerRelationship,
    CustomerSearchWord,
    Offer,
    Order,
    OrderLine,
    OrderNumberSequence,
    Subscription,
)
from customers.services import offers_for
from partnerhub.accounts.models import Organization


class CustomersStep:
    """WorldSeeder's customers (spread over the providers) and their orders and subscriptions."""

    def seed_customers(self, cursor) -> None:
        """Customers spread over the providers (the whale first), half of them associated with one of their
        provider's resellers: the tenant, its profile, `relate_through`'s rows and the attested customer
        agreement, as `customer_create` writes them."""
        plan = self.plan
        first_n, starts = 1, []
        for n in plan.provider_customers:
            starts.append(first_n)
            first_n += n
        self.subscription_list_n = starts[plan.normal_slot]
        rates = [s / max(n, 1) for s, n in zip(plan.provider_subscriptions, plan.provider_customers, strict=True)]
        cursor.execute("DROP TABLE IF EXISTS bench_alloc")
        cursor.execute(
            "CREATE TEMP TABLE bench_alloc AS SELECT * FROM unnest(%s::int[], %s::bigint[], %s::bigint[], "
            "%s::bigint[], %s::float8[], %s::int[]) AS t(slot, provider_id, first_n, customers, subscription_rate, "
            "resellers)",
            [list(range(plan.providers)), self.slots, starts, plan.provider_customers, rates, self.resellers_per_slot],
        )
        base = reserve_ids(cursor, Organization, plan.customers)
        city = f"mod({h('c.n', 27)}, {len(CITIES)})"
        cursor.execute("DROP TABLE IF EXISTS bench_customer")
        cursor.execute(
            f"""
            CREATE TEMP TABLE bench_customer AS
            SELECT x.*, x.adjective || ' ' || x.noun || ' ' || x.industry || ' ' || x.form AS name,
                   lower(x.adjective || x.noun) || x.org_id AS prefix
            FROM (
                SELECT c.n, {base} + c.n - 1 AS org_id, a.slot, a.provider_id, pa.admin_user_id AS provider_admin_id,
                       pr.reseller_id, rp.location_pid_id AS reseller_pid_id,
                       {pick(ADJECTIVES, h("c.n", 21))} AS adjective, {pick(NOUNS, h("c.n", 22))} AS noun,
                       {pick(INDUSTRIES, h("c.n", 23))} AS industry, {pick(LEGAL_FORMS, h("c.n", 24))} AS form,
                       {pick(FIRST_NAMES, h("c.n", 25))} AS first, {pick(LAST_NAMES, h("c.n", 26))} AS last,
                       (1 + mod({h("c.n", 28)}, 9000)) || ' ' || {pick(STREETS, h("c.n", 29))} || ' Avenue' AS address,
                       ({text_array(c for c, _, _ in CITIES)})[1 + {city}] AS city,
                       ({text_array(s for _, s, _ in CITIES)})[1 + {city}] AS state,
                       ({text_array(p for _, _, p in CITIES)})[1 + {city}]
                           || lpad(mod({h("c.n", 30)}, 100)::text, 2, '0') AS postal_code,
                       now() - make_interval(secs => mod({h("c.n", 31)}, 63072000)::float8) AS created_at,
                       CASE WHEN c.n = {self.subscription_list_n} THEN {SUBSCRIPTION_LIST_SIZE}
                            ELSE floor(2 * a.subscription_rate * {u("c.n", 32)} + {u("c.n", 33)})::int
                       END AS subscriptions
                FROM bench_alloc a
                CROSS JOIN LATERAL generate_series(a.first_n, a.first_n + a.customers - 1) AS c(n)
                JOIN bench_partner pa ON pa.org_id = a.provider_id
                LEFT JOIN bench_pair pr ON pr.provider_id = a.provider_id AND {u("c.n", 34)} < 0.5
                     AND pr.k = mod({h("c.n", 35)}, greatest(a.resellers, 1))
                LEFT JOIN bench_partner rp ON rp.org_id = pr.reseller_id
            ) AS x
            """
        )
        cursor.execute("ALTER TABLE bench_customer ADD PRIMARY KEY (n)")
        cursor.execute("ANALYZE bench_customer")
        with deferred_indexes(cursor, Organization, Customer, CustomerRelationship, CustomerAgreementAcceptance):
            self._write_customers(cursor)

    def _write_customers(self, cursor) -> None:
        email = "lower(c.first) || '.' || lower(c.last) || '@' || c.prefix || '.example'"
        insert_select(
            cursor,
            Organization,
            {
                "id": "c.org_id",
                "tenant_id": "md5('bench-customer-' || c.org_id)::uuid",
                "kind": "'customer'",
                "legal_name": "c.name",
                "country": f"'{COUNTRY}'",
                "address_line1": "c.address",
                "city": "c.city",
                "state": "c.state",
                "postal_code": "c.postal_code",
                "primary_domain": f"c.prefix || '.{settings.CUSTOMER_DOMAIN_SUFFIX}'",
                "csp_region": f"'{MARKET.region.value}'",
                "currency": f"'{MARKET.currency}'",
                "created_at": "c.created_at",
            },
            "bench_customer c ORDER BY c.n",
        )
        insert_select(
            cursor,
            Customer,
            {
                "organization": "c.org_id",
                "domain": f"c.prefix || '.{settings.CUSTOMER_DOMAIN_SUFFIX}'",
                "culture": "'en-US'",
                "language": "'en'",
                "contact_first_name": "c.first",
                "contact_last_name": "c.last",
                "contact_email": email,
                "created_by_partner": "c.provider_id",
            },
            "bench_customer c ORDER BY c.n",
        )
        relationship = {
            "customer": "c.org_id",
            "customer_name": "c.name",
            "customer_domain": f"c.prefix || '.{settings.CUSTOMER_DOMAIN_SUFFIX}'",
            "delegated_admin": "true",
            "status": "'active'",
            "created_at": "c.created_at",
        }
        insert_select(
            cursor,
            CustomerRelationship,
            {
                **relationship,
                "partner": "c.provider_id",
                "kind": f"'{CustomerRelationship.Kind.INDIRECT_PROVIDER.value}'",
                "reseller": "c.reseller_id",
            },
            "bench_customer c ORDER BY c.n",
        )
        insert_select(
            cursor,
            CustomerRelationship,
            {
                **relationship,
                "partner": "c.reseller_id",
                "kind": f"'{CustomerRelationship.Kind.INDIRECT_RESELLER.value}'",
            },
            "bench_customer c WHERE c.reseller_id IS NOT NULL ORDER BY c.n",
        )
        # The search words (customers 0007): the triggers that keep them don't fire under the bulk session's
        # `session_replication_role = replica`, so the step writes them set-based; where the triggers did fire
        # (no superuser), the conflict clause keeps one of each.
        cursor.execute(
            f"""INSERT INTO {table(CustomerSearchWord)} (partner_id, word, relationship_id, customer_id, reseller_id)
                SELECT r.partner_id, w, r.id, r.customer_id, r.reseller_id FROM {table(CustomerRelationship)} r,
                       unnest(customers_search_words(r.customer_name || ' ' || r.customer_domain)) AS w
                ON CONFLICT DO NOTHING"""
        )
        insert_select(
            cursor,
            CustomerAgreementAcceptance,
            {
                "customer": "c.org_id",
                "version": str(self.mca.pk),
                "method": f"'{CustomerAgreementAcceptance.Method.PARTNER_ATTESTED.value}'",
                "partner": "c.provider_id",
                "user": "c.provider_admin_id",
                "first_name": "c.first",
                "last_name": "c.last",
                "email": email,
                "date_agreed": "c.created_at::date",
                "created_at": "c.created_at",
                "document_sha256": quote(self.mca.sha256),
            },
            "bench_customer c ORDER BY c.n",
        )

    # Subscriptions --------------------------------------------------------------------------------------------

    def seed_subscriptions(self, cursor) -> None:
        """One order per customer holding subscriptions, one line and one subscription per offer bought, as
        `order_create_locked` writes them (the reseller's location ID as partner of record)."""
        offers = [
            offer
            for offer in offers_for(country=COUNTRY, region=MARKET.region, currency=MARKET.currency)
            if offer.customer_limit is None
        ]
        offer_ids = "ARRAY[" + ", ".join(str(o.pk) for o in offers) + "]::bigint[]"
        prices = "ARRAY[" + ", ".join(str(o.unit_price) for o in offers) + "]::numeric[]"
        maximums = "ARRAY[" + ", ".join(str(o.maximum_quantity) for o in offers) + "]::int[]"
        terms = text_array(o.term for o in offers)
        days = "ARRAY[" + ", ".join("365" if o.term == Offer.Term.ANNUAL else "30" for o in offers) + "]::int[]"
        offer = f"1 + mod({h('c.n', 41)} + s.k, {len(offers)})"
        line = "y.n * 1000 + y.k"  # one subscription (customer, line) whatever the row order
        cursor.execute("DROP TABLE IF EXISTS bench_sub")
        cursor.execute(
            f"""
            CREATE TEMP TABLE bench_sub AS
            SELECT y.*, ({offer_ids})[y.o] AS offer_id, ({prices})[y.o] AS unit_price, ({terms})[y.o] AS term,
                   least(({maximums})[y.o], 1 + mod({h(line, 42)}, 50)) AS quantity,
                   (y.created_at::date
                       + (floor(extract(epoch FROM now() - y.created_at) / 86400 / ({days})[y.o])::int + 1)
                       * ({days})[y.o]) AS term_end,
                   CASE WHEN y.n = {self.subscription_list_n} OR {u(line, 43)} < 0.9 THEN 'active'
                        WHEN {u(line, 43)} < 0.96 THEN 'suspended' ELSE 'cancelled' END AS status
            FROM (
                SELECT row_number() OVER (ORDER BY c.n, s.k) AS rn, c.n, c.org_id, c.provider_id, c.reseller_id,
                       c.reseller_pid_id, c.created_at + interval '1 hour' AS created_at, s.k, {offer} AS o
                FROM bench_customer c CROSS JOIN LATERAL generate_series(0, c.subscriptions - 1) AS s(k)
                WHERE c.subscriptions > 0
            ) AS y
            """
        )
        cursor.execute("SELECT count(*) FROM bench_sub")
        total = cursor.fetchone()[0]
        order_base = reserve_ids(cursor, Order, self.plan.customers)
        subscription_base = reserve_ids(cursor, Subscription, total)
        with deferred_indexes(cursor, Order, Subscription, OrderLine):
            self._write_orders(cursor, order_base, subscription_base)

    def _write_orders(self, cursor, order_base: int, subscription_base: int) -> None:
        insert_select(
            cursor,
            Order,
            {
                "id": f"{order_base} + c.n - 1",
                "partner": "c.provider_id",
                "number": "row_number() OVER (PARTITION BY c.provider_id ORDER BY c.n)",
                "customer": "c.org_id",
                "idempotency_key": "md5('bench-order-' || c.org_id)::uuid",
                "status": "'completed'",
                "currency": f"'{MARKET.currency}'",
                "created_by": "c.provider_admin_id",
                "created_at": "c.created_at + interval '1 hour'",
            },
            "bench_customer c WHERE c.subscriptions > 0 ORDER BY c.n",
        )
        cursor.execute(  # each provider's order numbers continue after the seeded ones
            f"INSERT INTO {OrderNumberSequence._meta.db_table} (organization_id, last_number)"  # noqa: S608
            f" SELECT partner_id, max(number) FROM {Order._meta.db_table} GROUP BY partner_id"
            " ON CONFLICT (organization_id) DO UPDATE SET last_number = EXCLUDED.last_number"
        )
        subscription_id = f"{subscription_base} + s.rn - 1"
        insert_select(
            cursor,
            Subscription,
            {
                "id": subscription_id,
                "public_id": f"md5('bench-subscription-' || ({subscription_id}))::uuid",
                "customer": "s.org_id",
                "partner": "s.provider_id",
                "offer": "s.offer_id",
                "order": f"{order_base} + s.n - 1",
                "quantity": "s.quantity",
                "status": "s.status",
                "auto_renew": "s.status = 'active'",
                "partner_of_record": "s.reseller_pid_id",
                "reseller": "s.reseller_id",
                "support_contact": "s.provider_id",
                "unit_price": "s.unit_price",
                "currency": f"'{MARKET.currency}'",
                "created_at": "s.created_at",
                "term_end": "s.term_end",
                "last_increase_at": "s.created_at",
                "cancelled_at": "CASE WHEN s.status = 'cancelled' THEN s.created_at + interval '2 days' END",
                "updated_at": "s.created_at",
            },
            "bench_sub s ORDER BY s.rn",
        )
        insert_select(
            cursor,
            OrderLine,
            {
                "order": f"{order_base} + s.n - 1",
                "line_number": "s.k",
                "offer": "s.offer_id",
                "quantity": "s.quantity",
                "term": "s.term",
                "unit_price": "s.unit_price",
                "partner_of_record": "s.reseller_pid_id",
                "subscription": subscription_id,
            },
            "bench_sub s ORDER BY s.rn",
        )
