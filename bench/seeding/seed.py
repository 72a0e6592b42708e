"""The benchmark world of `manage.py seed_bench` (performance.md §3.2).

Three bench principals (a normal indirect provider, the "whale" provider and an indirect reseller) are made
through the same services as the demo seed, so they can really sign in and use every page. Everything else is
written with set-based SQL (`INSERT … SELECT … FROM generate_series`), deterministic (a hash of the series
number, never random()), with ids reserved up front from each table's sequence so that rows can refer to each
other by arithmetic instead of joins. Column lists come from `Model._meta`: a column the models gain later is
filled from its default, or the seed stops and names it (see `insert_select`).
"""

# The SQL below is assembled from the models' own table and column names, integers and this module's word
# lists; the few values from elsewhere are parameters.
# ruff: noqa: S608

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from statistics import NormalDist

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.db import connection, models
from django.db.models import NOT_PROVIDED

from agreements.models import AgreementAcceptance, AgreementType, CustomerAgreementAcceptance
from agreements.selectors import current_version
from customers.models import (
    Customer,
    CustomerInvitation,
    CustomerRelationship,
    Offer,
    OfferPrice,
    Order,
    OrderLine,
    OrderNumberSequence,
    Subscription,
)
from customers.services import offers_for
from demo.customers import seed_offers
from demo.enrollments import authorize_and_associate, enrol, seed_agreements, sign
from enrollment.models import PartnerId, Program, ProgramEnrollment, VerificationCase
from partnerhub.accounts.models import Membership, Organization, Role, User
from partnerhub.accounts.services import organization_create
from partnerhub.core.regions import market_for
from relationships.models import PartnerRelationship, PartnershipInvitation, ProviderListing
from relationships.services import partnership_accept, partnership_invitation_create, provider_listing_publish

BENCH_PASSWORD = "partnerhub-bench"  # noqa: S105 - the load generator's sign-in for bench data, not a secret
# The principals are Global admins, who sign in with two-step verification: each gets an authenticator app with
# this secret (base32), and the harness computes the code from it (RFC 6238, allauth's 30 s / 6 digits).
BENCH_TOTP_SECRET = "PARTNERHUBBENCHTOTPSECRET2345ABC"  # noqa: S105 - bench data only, written to the manifest
SCALES = ("1", "10", "whale")

# The 1× world (performance.md §3.2); "10" multiplies every count by ten.
PARTNERS = 1_000
PROVIDER_SHARE = 0.4  # of the partners; the rest are indirect resellers
CUSTOMERS = 100_000
WHALE_CUSTOMERS = 10_000  # the one huge provider
MEDIAN_CUSTOMERS = 60  # of the other providers (a log-normal spread: a few big, most small)
NORMAL_PROVIDER_CUSTOMERS = 200  # the bench provider is the one closest to this
SUBSCRIPTIONS_PER_CUSTOMER = 2  # 200,000 at 1×
USERS = 5_000
INVITATIONS = 20_000  # partnership and customer invitations
PENDING_INVITATIONS = 1_000
PARTNERSHIP_INVITATION_SHARE = 0.15  # of the invitations that are not partnerships' accepted links
ACCEPT_POOL_MIN = 2_000  # pending links from distinct providers, for the accept POST
SUBSCRIPTION_LIST_SIZE = 40  # the subscription-list customer's active subscriptions (page 1 and a next page)
# "--scale whale": the 1× world with the whale grown to a million customers and ten times its subscriptions.
WHALE_SCALE_CUSTOMERS = 1_000_000
WHALE_SCALE_SUBSCRIPTION_FACTOR = 10

COUNTRY = "US"  # one market, so every provider may partner with every reseller and sell to every customer
MARKET = market_for(COUNTRY)
PHONE = "+14255550100"
USER_AGENT = "PartnerHub bench seed"
ROLES = ["account_admin", "admin_agent", "sales_agent", "helpdesk_agent", "billing_admin", "user_management_admin"]

# Words of the generated names. Each is 3–9 lowercase ASCII letters when lowered, so a domain prefix
# (adjective + noun + id) stays within the 27 characters customers' domains allow.
ADJECTIVES = [
    "Alpine", "Amber", "Atlas", "Azure", "Beacon", "Birch", "Bright", "Cedar", "Cobalt", "Coral", "Crest", "Delta",
    "Ember", "Evergreen", "Falcon", "Fjord", "Golden", "Granite", "Harbor", "Horizon", "Juniper", "Lumen", "Maple",
    "Meridian", "Nimbus", "Northwind", "Pacific", "Pinnacle", "Prairie", "Quartz", "Redwood", "Sable", "Sierra",
    "Silver", "Summit", "Tidal", "Vertex", "Willow", "Zephyr", "Orchard",
]  # fmt: skip
NOUNS = [
    "Anchor", "Arrow", "Bay", "Bridge", "Brook", "Canyon", "Castle", "Circle", "Cliff", "Cove", "Creek", "Field",
    "Forge", "Garden", "Gate", "Glen", "Grove", "Haven", "Hill", "Lake", "Lantern", "Ledge", "Mill", "Mountain",
    "Point", "Port", "Ridge", "River", "Rock", "Shore", "Spring", "Stone", "Tower", "Trail", "Valley", "View",
]  # fmt: skip
INDUSTRIES = [
    "Foods", "Logistics", "Dental", "Legal", "Builders", "Analytics", "Clinics", "Motors", "Media", "Farms",
    "Textiles", "Pharma", "Insurance", "Travel", "Studios", "Hotels", "Robotics", "Energy", "Bakery", "Fitness",
]  # fmt: skip
LEGAL_FORMS = ["Inc.", "LLC", "Corp.", "Ltd", "Group", "Partners"]
RESELLER_KINDS = ["IT Services", "Solutions", "Cloud Consulting", "Systems", "Technologies", "Networks"]
FIRST_NAMES = [
    "Adele", "Alex", "Ben", "Carla", "Diego", "Elena", "Farid", "Grace", "Hana", "Ivan", "Jonas", "Keiko", "Lena",
    "Mateo", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tara", "Umar", "Vera", "Wei", "Yara", "Zoe",
]  # fmt: skip
LAST_NAMES = [
    "Adams", "Baker", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Haddad", "Ito", "Jensen", "Kim", "Lopez",
    "Miller", "Novak", "Okafor", "Patel", "Quist", "Rossi", "Silva", "Tanaka", "Usman", "Varga", "Weber", "Young",
]  # fmt: skip
CITIES = [
    ("Seattle", "WA", "981"), ("Portland", "OR", "972"), ("Austin", "TX", "787"), ("Denver", "CO", "802"),
    ("Chicago", "IL", "606"), ("Boston", "MA", "021"), ("Atlanta", "GA", "303"), ("Phoenix", "AZ", "850"),
    ("Columbus", "OH", "432"), ("Raleigh", "NC", "276"), ("Madison", "WI", "537"), ("Boise", "ID", "837"),
]  # fmt: skip
STREETS = ["Main", "Oak", "Pine", "Market", "Lake", "Hill", "Park", "Cedar", "Elm", "Washington", "Union", "Bay"]
SERVICES = ["technical_training", "marketing", "credit", "presales", "technical_support"]


# --- the plan: how many of everything -------------------------------------------------------------------


@dataclass
class Plan:
    """How many rows of each kind a scale and factor make. Provider slot 0 is the whale."""

    scale: str
    factor: float
    provider_customers: list[int]
    provider_subscriptions: list[int]
    normal_slot: int
    resellers: int  # including the bench reseller
    users: int  # including the three principals
    invitations: int  # partnership (accepted ones included) and customer invitations
    pending_invitations: int
    accept_pool: int

    @property
    def providers(self) -> int:
        return len(self.provider_customers)

    @property
    def customers(self) -> int:
        return sum(self.provider_customers)

    @property
    def subscriptions(self) -> int:
        return sum(self.provider_subscriptions) + SUBSCRIPTION_LIST_SIZE


def spread(total: int, n: int, median: float) -> list[int]:
    """`n` positive counts adding up to `total`, largest first, log-normally spread around `median`:
    deterministic quantiles, not samples, so every run (and every scale) has the same shape."""
    if n <= 0:
        return []
    total = max(total, n)
    mean = total / n
    sigma = math.sqrt(2 * math.log(mean / median)) if mean > median else 0.0
    normal = NormalDist()
    raw = [median * math.exp(sigma * normal.inv_cdf((i + 0.5) / n)) for i in range(n)]
    scale = total / sum(raw)
    raw = [value * scale for value in raw]
    counts = [max(1, int(value)) for value in raw]
    by_remainder = sorted(range(n), key=lambda i: raw[i] - int(raw[i]), reverse=True)
    i = 0
    while sum(counts) < total:
        counts[by_remainder[i % n]] += 1
        i += 1
    while sum(counts) > total:
        counts[counts.index(max(counts))] -= 1
    return sorted(counts, reverse=True)


def plan_for(scale: str, factor: float = 1.0) -> Plan:
    """The counts of a scale ("1", "10", "whale"), every one multiplied by `factor` (tests use ~0.002),
    with the minimums that keep the world usable: three providers, two resellers, the whale the largest."""
    times = 10 if scale == "10" else 1

    def count(base: float, minimum: int) -> int:
        return max(minimum, round(base * times * factor))

    providers = count(PARTNERS * PROVIDER_SHARE, 3)
    resellers = count(PARTNERS * (1 - PROVIDER_SHARE), 2)
    whale = count(WHALE_CUSTOMERS, 1)
    others = spread(max(count(CUSTOMERS, 1) - whale, 2 * (providers - 1)), providers - 1, MEDIAN_CUSTOMERS)
    if whale <= others[0]:  # only at a small factor: the whale must stay the largest
        whale = others[0] * 2
    whale_subscriptions = whale * SUBSCRIPTIONS_PER_CUSTOMER
    if scale == "whale":
        whale_subscriptions *= WHALE_SCALE_SUBSCRIPTION_FACTOR
        whale = max(round(WHALE_SCALE_CUSTOMERS * factor), whale * 10)
    target = NORMAL_PROVIDER_CUSTOMERS * min(1.0, factor)
    normal = 1 + min(range(len(others)), key=lambda i: (abs(others[i] - target), i))
    return Plan(
        scale=scale,
        factor=factor,
        provider_customers=[whale, *others],
        provider_subscriptions=[whale_subscriptions, *(n * SUBSCRIPTIONS_PER_CUSTOMER for n in others)],
        normal_slot=normal,
        resellers=resellers,
        users=count(USERS, 3),
        invitations=count(INVITATIONS, 4),
        pending_invitations=count(PENDING_INVITATIONS, 2),
        accept_pool=max(2, round(max(ACCEPT_POOL_MIN, 2 * PARTNERS * times) * factor)),
    )


# --- SQL helpers -----------------------------------------------------------------------------------------


def h(expr: str, seed: int) -> str:
    """A non-negative bigint hash of an integer expression: the seed's only source of variety."""
    return f"(hashint8extended(({expr})::bigint, {seed}) & 9223372036854775807)"


def u(expr: str, seed: int) -> str:
    """A uniform number in [0, 1) from a hash."""
    return f"({h(expr, seed)}::float8 / 9223372036854775808.0)"


def text_array(words) -> str:
    return "ARRAY[" + ", ".join("'" + str(word).replace("'", "''") + "'" for word in words) + "]::text[]"


def pick(words, index: str) -> str:
    return f"({text_array(words)})[1 + mod({index}, {len(words)})]"


def quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def token_hash(token_sql: str) -> str:
    """SQL for `accounts.models.hash_token` (SHA-256 hex of the UTF-8 token)."""
    return f"encode(sha256(convert_to({token_sql}, 'UTF8')), 'hex')"


def insert_select(cursor, model: type[models.Model], values: dict[str, str], source: str) -> int:
    """INSERT INTO the model's table SELECT the given SQL expressions FROM `source`; returns the row count.

    `values` maps field names to SQL. Every other column takes its database default if it has one, else the
    model's default (computed once), else NULL when nullable, else "" for a text column; a NOT NULL column
    with none of these (a field the models gained since this seed was written) stops the seed and names it.
    """
    fields = model._meta.concrete_fields
    known = {f.name for f in fields} | {f.attname for f in fields}
    if unknown := set(values) - known:
        raise ValueError(f"{model.__name__} has no field(s) {sorted(unknown)}")
    columns, expressions, defaults = [], [], []
    for f in fields:
        if f.name in values or f.attname in values:
            expression = values.get(f.name, values.get(f.attname))
        elif (
            f.primary_key
            and f.get_internal_type() in ("AutoField", "BigAutoField", "SmallAutoField")
            or f.db_default is not NOT_PROVIDED
        ):
            continue
        elif f.has_default() or (f.empty_strings_allowed and not f.null):
            if f.unique:
                raise ValueError(f"{model.__name__}.{f.name} is unique: the seed must give each row its own value")
            expression = f"%s::{f.db_type(connection)}"
            defaults.append(f.get_db_prep_save(f.get_default(), connection))
        elif f.null:
            continue
        else:
            raise ValueError(f"{model.__name__}.{f.name} is NOT NULL without a default: seed_bench must fill it")
        columns.append(connection.ops.quote_name(f.column))
        expressions.append(expression)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(expressions)} FROM {source}"
    )
    cursor.execute(sql, defaults)
    return cursor.rowcount


def reserve_ids(cursor, model: type[models.Model], n: int) -> int:
    """Take `n` consecutive ids from the table's sequence (the rows are then inserted with explicit ids)."""
    if n <= 0:
        return 0
    table = model._meta.db_table
    cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, model._meta.pk.column])
    sequence = cursor.fetchone()[0]
    cursor.execute("SELECT nextval(%s)", [sequence])
    first = cursor.fetchone()[0]
    cursor.execute("SELECT setval(%s, %s)", [sequence, first + n - 1])
    return first


def table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


BULK_SETTINGS = {
    "synchronous_commit": "off",  # a lost seed is simply re-run
    "work_mem": "128MB",
    "maintenance_work_mem": "512MB",  # the index rebuilds of `deferred_indexes`
}


@contextmanager
def bulk_session(cursor) -> Iterator[bool]:
    """Settings for one bulk step, inside its transaction; yields whether foreign-key triggers are off. As a
    superuser the step runs with `session_replication_role = replica`, which skips the row-by-row RI checks
    that otherwise take most of the time (`foreign_key_violations` then checks the result set-wise). The
    settings are put back afterwards, in case the step's transaction is itself part of a larger one (a test)."""
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    unchecked = cursor.fetchone()[0]
    settings_ = {**BULK_SETTINGS, **({"session_replication_role": "replica"} if unchecked else {})}
    for name, value in settings_.items():
        cursor.execute(f"SET LOCAL {name} TO '{value}'")
    yield unchecked
    for name in settings_:
        cursor.execute(f"SET LOCAL {name} TO DEFAULT")


@contextmanager
def deferred_indexes(cursor, *models_: type[models.Model]) -> Iterator[None]:
    """Drop the tables' secondary indexes (not those of primary keys and constraints) and build them again
    afterwards, in the same transaction: a sorted build is far cheaper than a million random inserts.
    Unique indexes are checked when they are rebuilt, so a duplicate still fails the step. Only the tables'
    owner may do this: run as the app's role (the test suite) the indexes stay and the step is slower."""
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    if not cursor.fetchone()[0]:
        yield
        return
    definitions = []
    for model in models_:
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            """,
            [model._meta.db_table],
        )
        definitions += cursor.fetchall()
    for name, _definition in definitions:
        cursor.execute(f"DROP INDEX {name}")  # a regclass name: already quoted where it needs to be
    yield
    for _name, definition in definitions:
        cursor.execute(definition)


def foreign_key_violations(models_) -> dict[str, int]:
    """Rows whose foreign key points nowhere, by `table.column` (empty when the data is sound)."""
    violations = {}
    with connection.cursor() as cursor:
        for model in models_:
            for f in model._meta.concrete_fields:
                if not f.is_relation or f.related_model is None:
                    continue
                parent = f.target_field
                cursor.execute(
                    f"SELECT count(*) FROM {table(model)} c WHERE c.{connection.ops.quote_name(f.column)} IS NOT NULL "
                    f"AND NOT EXISTS (SELECT 1 FROM {table(f.related_model)} p "
                    f"WHERE p.{connection.ops.quote_name(parent.column)} = c.{connection.ops.quote_name(f.column)})"
                )
                if orphans := cursor.fetchone()[0]:
                    violations[f"{model._meta.db_table}.{f.column}"] = orphans
    return violations


# --- the principals ---------------------------------------------------------------------------------------

PRINCIPALS = {
    "provider": {
        "program": Program.INDIRECT_PROVIDER,
        "user": ("pat", "Pat", "Provider"),
        "organization": ("Contoso Bench Distribution Inc.", "bench-contoso", "1 Microsoft Way", "Redmond", "98052"),
    },
    "whale": {
        "program": Program.INDIRECT_PROVIDER,
        "user": ("willa", "Willa", "Whale"),
        "organization": ("Tailspin Bench Distribution Inc.", "bench-tailspin", "400 Broad Street", "Seattle", "98109"),
    },
    "reseller": {
        "program": Program.INDIRECT_RESELLER,
        "user": ("rita", "Rita", "Reseller"),
        "organization": ("Fabrikam Bench Solutions LLC", "bench-fabrikam", "500 Pine Street", "Seattle", "98101"),
    },
}


def operator_email(run: str = "") -> str:
    """The staff user who "reviewed" every bench enrolment."""
    return f"operator{'-' + run if run else ''}@bench.partnerhub.example"


@dataclass
class Principal:
    key: str
    organization: Organization
    user: User
    location: PartnerId


def principals_create(*, password_hash: str, run: str = "") -> dict[str, Principal]:
    """The three organizations the load test signs in as, made exactly like the demo's working partners:
    an authorized enrolment, an associated location partner ID, the partner agreement accepted, a published
    listing for the providers, and an active partnership between the bench provider and the bench reseller.
    `run` (empty on an empty database) keeps the addresses of a second, forced world unique."""
    suffix = f"-{run}" if run else ""
    seed_agreements()
    seed_offers()
    operator, _ = User.objects.get_or_create(
        email=operator_email(run), defaults={"is_staff": True, "first_name": "Bench", "last_name": "Operator"}
    )
    principals = {}
    for key, spec in PRINCIPALS.items():
        local, first, last = spec["user"]
        name, domain, address, city, postal_code = spec["organization"]
        domain = f"{domain}{suffix}.example"
        email = f"{local}.{last.lower()}@{domain}"
        user = User.objects.create_user(email, None, first_name=first, last_name=last)
        user.password = password_hash
        user.save(update_fields=["password"])
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        TOTP.activate(user, BENCH_TOTP_SECRET)  # as the set-up page does: through allauth's MFA adapter
        organization = organization_create(
            user=user, legal_name=name, country=COUNTRY, address_line1=address, city=city, state="WA",
            postal_code=postal_code, primary_domain=domain,
        )  # fmt: skip
        _, case = enrol(organization, spec["program"], first, last, PHONE)
        authorize_and_associate(organization, case, operator)
        sign(organization)
        if spec["program"] == Program.INDIRECT_PROVIDER:
            provider_listing_publish(listing=ProviderListing.objects.get(organization=organization), actor=operator)
        location = PartnerId.objects.get(organization=organization, csp_associated=True)
        principals[key] = Principal(key=key, organization=organization, user=user, location=location)
    provider, reseller = principals["provider"], principals["reseller"]
    invitation, _token = partnership_invitation_create(provider=provider.organization, actor=provider.user)
    partnership_accept(invitation=invitation, reseller=reseller.organization, user=reseller.user)
    return principals


# --- the bulk world -----------------------------------------------------------------------------------------


class WorldSeeder:
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

    # Partners ------------------------------------------------------------------------------------------

    def seed_partners(self, cursor) -> None:
        """Bulk providers and resellers, each with a Global admin, more members, an authorized and active
        enrolment, partner IDs and the partner agreement; then the accept pool's lightweight providers."""
        bulk, pool = self.bulk, self.plan.accept_pool
        org_base = reserve_ids(cursor, Organization, bulk + pool)
        user_base = reserve_ids(cursor, User, self.bulk_users)
        pid_base = reserve_ids(cursor, PartnerId, 2 * bulk + pool)
        city = f"mod({h('g', 5)}, {len(CITIES)})"
        adjective, noun = pick(ADJECTIVES, h("g", 1)), pick(NOUNS, h("g", 2))
        words = f"{adjective} || ' ' || {noun}"
        cursor.execute("DROP TABLE IF EXISTS bench_partner")
        cursor.execute(
            f"""
            CREATE TEMP TABLE bench_partner AS
            SELECT s.*, lower(s.first) || '.' || lower(s.last) || '.' || s.admin_user_id || '@' || s.domain AS email
            FROM (
                SELECT g AS idx, {org_base} + g AS org_id, false AS principal,
                       CASE WHEN g < {self.bulk_providers} THEN 'provider' WHEN g < {bulk} THEN 'reseller'
                            ELSE 'pool' END AS role,
                       CASE WHEN g < {bulk} THEN {user_base} + g END AS admin_user_id,
                       CASE WHEN g < {bulk} THEN {pid_base} + 2 * g + 1 END AS location_pid_id,
                       CASE WHEN g < {bulk} THEN {pid_base} + 2 * g ELSE {pid_base} + {bulk} + g END AS global_pid_id,
                       CASE WHEN g < {self.bulk_providers}
                            THEN {words} || ' Distribution Inc.'
                            WHEN g < {bulk} THEN {words} || ' ' || {pick(RESELLER_KINDS, h("g", 3))} || ' LLC'
                            ELSE {words} || ' Cloud Supply Inc.'
                       END AS name,
                       lower({adjective} || {noun}) || ({org_base} + g) || '.example' AS domain,
                       {pick(FIRST_NAMES, h("g", 6))} AS first, {pick(LAST_NAMES, h("g", 7))} AS last,
                       (1 + mod({h("g", 8)}, 900)) || ' ' || {pick(STREETS, h("g", 9))} || ' Street' AS address,
                       ({text_array(c for c, _, _ in CITIES)})[1 + {city}] AS city,
                       ({text_array(s for _, s, _ in CITIES)})[1 + {city}] AS state,
                       ({text_array(p for _, _, p in CITIES)})[1 + {city}] || lpad(mod({h("g", 10)}, 100)::text, 2, '0')
                           AS postal_code,
                       now() - interval '1 day' * (400 + mod({h("g", 11)}, 1500)::int) AS created_at
                FROM generate_series(0, {bulk + pool - 1}) AS g
            ) AS s
            """
        )
        for principal in self.principals.values():
            organization, user = principal.organization, principal.user
            cursor.execute(
                "INSERT INTO bench_partner (idx, org_id, principal, role, admin_user_id, location_pid_id, name, "
                "domain, first, last, email, created_at) VALUES (-1, %s, true, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [organization.pk, "reseller" if principal.key == "reseller" else "provider", user.pk,
                 principal.location.pk, organization.legal_name, organization.primary_domain, user.first_name,
                 user.last_name, user.email, organization.created_at],
            )  # fmt: skip
        cursor.execute("ANALYZE bench_partner")

        bulk_rows = "bench_partner p WHERE NOT p.principal"
        people = "bench_partner p WHERE NOT p.principal AND p.role <> 'pool'"
        insert_select(
            cursor,
            Organization,
            {
                "id": "p.org_id",
                "tenant_id": "md5('bench-partner-' || p.org_id)::uuid",
                "kind": "'partner'",
                "legal_name": "p.name",
                "country": f"'{COUNTRY}'",
                "address_line1": "p.address",
                "city": "p.city",
                "state": "p.state",
                "postal_code": "p.postal_code",
                "primary_domain": "p.domain",
                "csp_region": f"'{MARKET.region.value}'",
                "currency": f"'{MARKET.currency}'",
                "created_at": "p.created_at",
            },
            bulk_rows,
        )
        # Users: each bulk partner's Global admin, then colleagues spread over the partners.
        insert_select(
            cursor,
            User,
            {
                "id": "p.admin_user_id",
                "password": quote(self.password_hash),
                "email": "p.email",
                "first_name": "p.first",
                "last_name": "p.last",
                "date_joined": "p.created_at",
            },
            people,
        )
        colleagues = self.bulk_users - bulk
        colleague = (
            f"generate_series(0, {colleagues - 1}) AS j JOIN bench_partner p ON NOT p.principal "
            f"AND p.idx = mod(j, {bulk})"
        )
        colleague_first, colleague_last = pick(FIRST_NAMES, h("j", 12)), pick(LAST_NAMES, h("j", 13))
        insert_select(
            cursor,
            User,
            {
                "id": f"{user_base} + {bulk} + j",
                "password": quote(self.password_hash),
                "email": f"lower({colleague_first}) || '.' || lower({colleague_last}) || '.' "
                f"|| ({user_base} + {bulk} + j) || '@' || p.domain",
                "first_name": colleague_first,
                "last_name": colleague_last,
                "date_joined": "p.created_at + interval '1 day' * (1 + mod(j, 300))",
            },
            colleague,
        )
        insert_select(
            cursor,
            EmailAddress,
            {"user": "x.id", "email": "x.email", "verified": "true", "primary": "true"},
            f"{table(User)} x WHERE x.id BETWEEN {user_base} AND {user_base + self.bulk_users - 1}",
        )
        insert_select(
            cursor,
            Membership,
            {
                "organization": "p.org_id",
                "user": "p.admin_user_id",
                "roles": f"ARRAY['{Role.GLOBAL_ADMIN.value}']",
                "created_at": "p.created_at",
            },
            people,
        )
        insert_select(
            cursor,
            Membership,
            {
                "organization": "p.org_id",
                "user": f"{user_base} + {bulk} + j",
                "roles": f"ARRAY[{pick(ROLES, 'j')}]",
                "created_at": "p.created_at + interval '1 day' * (1 + mod(j, 300))",
            },
            colleague,
        )
        # Partner IDs: a global one for everyone; an associated location for providers and resellers.
        address = {
            "country": f"'{COUNTRY}'",
            "address_line1": "p.address",
            "city": "p.city",
            "state": "p.state",
            "postal_code": "p.postal_code",
        }
        sequence = "nextval('enrollment_partner_id_number_seq')"
        insert_select(
            cursor,
            PartnerId,
            {"id": "p.global_pid_id", "organization": "p.org_id", "kind": "'global'", "number": sequence,
             "business_name": "p.name", "created_at": "p.created_at", **address},
            bulk_rows + " ORDER BY p.idx",
        )  # fmt: skip
        insert_select(
            cursor,
            PartnerId,
            {"id": "p.location_pid_id", "organization": "p.org_id", "kind": "'location'", "number": sequence,
             "business_name": "p.name", "contact_name": "p.first || ' ' || p.last", "contact_email": "p.email",
             "csp_associated": "true", "associated_at": "p.created_at + interval '20 days'",
             "created_at": "p.created_at + interval '19 days'", **address},
            people + " ORDER BY p.idx",
        )  # fmt: skip
        # An authorized, active enrolment (the pool's providers too: only an active provider invites).
        insert_select(
            cursor,
            ProgramEnrollment,
            {
                "organization": "p.org_id",
                "program": f"CASE WHEN p.role = 'reseller' THEN '{Program.INDIRECT_RESELLER.value}' "
                f"ELSE '{Program.INDIRECT_PROVIDER.value}' END",
                "status": f"'{ProgramEnrollment.Status.ACTIVE.value}'",
                "enrolled_by": "p.admin_user_id",
                "legal_name": "p.name",
                "address_line1": "p.address",
                "city": "p.city",
                "state": "p.state",
                "postal_code": "p.postal_code",
                "contact_first_name": "p.first",
                "contact_last_name": "p.last",
                "contact_email": "coalesce(p.email, 'legal.desk@' || p.domain)",
                "contact_phone": f"'{PHONE}'",
                "support_email": "'help@' || p.domain",
                "support_phone": f"'{PHONE}'",
                "support_website": "'https://' || p.domain || '/support'",
                "submitted_at": "p.created_at + interval '1 day'",
                "authorized_at": "p.created_at + interval '8 days'",
            },
            bulk_rows,
        )
        operator = User.objects.get(email=operator_email(self.run)).pk
        passed = "'passed'"
        insert_select(
            cursor,
            VerificationCase,
            {
                "enrollment": "e.id",
                "organization": "e.organization_id",
                "status": f"'{VerificationCase.Status.AUTHORIZED.value}'",
                "step": "'decision'",
                "email_status": passed,
                "employment_status": passed,
                "business_status": passed,
                "decision_status": passed,
                "email_passed_at": "e.submitted_at + interval '1 hour'",
                "employment_passed_at": "e.submitted_at + interval '2 days'",
                "business_passed_at": "e.submitted_at + interval '4 days'",
                "contact_email": "e.contact_email",
                "reviewer": str(operator),
                "submitted_at": "e.submitted_at",
                "email_verified_at": "e.submitted_at + interval '1 hour'",
                "sla_due_at": "e.submitted_at + interval '8 days'",
                "decided_at": "e.authorized_at",
            },
            f"{table(ProgramEnrollment)} e JOIN bench_partner p ON p.org_id = e.organization_id "
            "AND NOT p.principal AND p.role <> 'pool'",
        )
        insert_select(
            cursor,
            AgreementAcceptance,
            {
                "organization": "p.org_id",
                "version": str(self.mpa.pk),
                "csp_region": f"'{MARKET.region.value}'",
                "user": "p.admin_user_id",
                "first_name": "coalesce(p.first, 'Legal')",
                "last_name": "coalesce(p.last, 'Desk')",
                "email": "coalesce(p.email, 'legal.desk@' || p.domain)",
                "accepted_at": "p.created_at + interval '21 days'",
                "user_agent": quote(USER_AGENT),
                "document_sha256": quote(self.mpa.sha256),
            },
            bulk_rows,
        )
        insert_select(
            cursor,
            ProviderListing,
            {
                "organization": "p.org_id",
                "status": f"'{ProviderListing.Status.PUBLISHED.value}'",
                "display_name": "p.name",
                "website": "'https://' || p.domain",
                "contact_email": "'help@' || p.domain",
                "description": "p.name || ' distributes cloud subscriptions to resellers across the United States.'",
                "countries": f"ARRAY['{COUNTRY}']",
                "csp_regions": f"ARRAY['{MARKET.region.value}']",
                "services": f"ARRAY[{pick(SERVICES, h('p.idx', 14))}, {pick(SERVICES, h('p.idx', 15))}]",
                "created_at": "p.created_at + interval '8 days'",
                "published_at": "p.created_at + interval '9 days'",
            },
            "bench_partner p WHERE NOT p.principal AND p.role = 'provider'",
        )

    # Partnerships ----------------------------------------------------------------------------------------

    def provider_slots(self) -> list[int]:
        """The provider organization of each slot: the whale in 0, the bench provider in its slot, bulk
        providers in the rest (largest first)."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT org_id FROM bench_partner WHERE role = 'provider' AND NOT principal ORDER BY idx")
            bulk = [row[0] for row in cursor.fetchall()]
        slots = []
        for slot in range(self.plan.providers):
            if slot == 0:
                slots.append(self.principals["whale"].organization.pk)
            elif slot == self.plan.normal_slot:
                slots.append(self.principals["provider"].organization.pk)
            else:
                slots.append(bulk.pop(0))
        return slots

    def seed_partnerships(self, cursor) -> None:
        """Each bulk reseller partners with one to three providers, bigger providers being likelier; every
        partnership comes from an accepted partnership link, as `partnership_accept` writes it."""
        plan, rng = self.plan, random.Random(20240615)  # noqa: S311 - a fixed, reproducible shape
        self.slots = slots = self.provider_slots()
        cursor.execute("SELECT org_id FROM bench_partner WHERE role = 'reseller' AND NOT principal ORDER BY idx")
        resellers = [row[0] for row in cursor.fetchall()]
        weights = [math.sqrt(n) + 1 for n in plan.provider_customers]
        pairs = {(plan.normal_slot, self.principals["reseller"].organization.pk)}
        for index, reseller in enumerate(resellers):
            chosen = set()
            if index == 0:
                chosen.add(0)  # the whale has resellers
            if index == min(1, len(resellers) - 1):
                chosen.add(plan.normal_slot)  # so has the bench provider, besides the bench reseller
            wanted = min(plan.providers, 1 + rng.randrange(3))
            while len(chosen) < wanted:
                chosen.add(rng.choices(range(plan.providers), weights)[0])
            pairs |= {(slot, reseller) for slot in chosen}
        ordered = sorted(pairs)
        self.resellers_per_slot = [0] * plan.providers
        rank = []
        for slot, _reseller in ordered:
            rank.append(self.resellers_per_slot[slot])
            self.resellers_per_slot[slot] += 1
        principal_pair = (plan.normal_slot, self.principals["reseller"].organization.pk)
        bulk_pairs = [pair != principal_pair for pair in ordered]
        self.accepted_partnerships = sum(bulk_pairs)
        invitation_base = reserve_ids(cursor, PartnershipInvitation, self.accepted_partnerships)
        invitation_ids, next_id = [], invitation_base
        for is_bulk in bulk_pairs:
            invitation_ids.append(next_id if is_bulk else None)
            next_id += is_bulk
        cursor.execute("DROP TABLE IF EXISTS bench_pair")
        cursor.execute(
            "CREATE TEMP TABLE bench_pair AS SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::int[], %s::bigint[]) "
            "AS t(provider_id, reseller_id, k, invitation_id)",
            [[slots[slot] for slot, _ in ordered], [r for _, r in ordered], rank, invitation_ids],
        )
        cursor.execute("CREATE INDEX ON bench_pair (provider_id, k)")
        cursor.execute("ANALYZE bench_pair")
        source = (
            "bench_pair x JOIN bench_partner p ON p.org_id = x.provider_id "
            "JOIN bench_partner r ON r.org_id = x.reseller_id WHERE x.invitation_id IS NOT NULL"
        )
        created = (
            f"greatest(p.created_at, r.created_at) + interval '1 day' * (30 + mod({h('x.invitation_id', 16)}, 300))"
        )
        insert_select(
            cursor,
            PartnershipInvitation,
            {
                "id": "x.invitation_id",
                "provider": "x.provider_id",
                "token_hash": token_hash(self.token("partnership-accepted", "x.invitation_id")),
                "created_by": "p.admin_user_id",
                "recipient_email": "r.email",
                "created_at": created,
                "sent_at": created,
                "expires_at": f"{created} + interval '1 day' * ({settings.PARTNERSHIP_INVITATION_TTL_DAYS})",
                "opened_at": f"{created} + interval '3 hours'",
                "accepted_at": f"{created} + interval '1 day'",
                "accepted_by": "r.admin_user_id",
                "reseller": "x.reseller_id",
            },
            source,
        )
        insert_select(
            cursor,
            PartnerRelationship,
            {
                "provider": "x.provider_id",
                "reseller": "x.reseller_id",
                "status": "'active'",
                "admin_access": "true",
                "invitation": "x.invitation_id",
                "created_at": f"{created} + interval '1 day'",
                "created_by": "r.admin_user_id",
            },
            source,
        )

    # Customers --------------------------------------------------------------------------------------------

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

    # Invitations ------------------------------------------------------------------------------------------

    def seed_invitations(self, cursor) -> None:
        """Partnership links and customer invitations in every state (pending ones with deterministic
        tokens: bench-landing-<n>), and the accept pool: one pending link per pool provider."""
        plan = self.plan
        ttl = settings.PARTNERSHIP_INVITATION_TTL_DAYS
        pending_partnership = max(1, plan.pending_invitations // 2)
        pending_customer = max(1, plan.pending_invitations - pending_partnership)
        others = max(plan.invitations - self.accepted_partnerships, 2)
        partnership = max(pending_partnership, round(others * PARTNERSHIP_INVITATION_SHARE))
        customer = max(pending_customer, others - partnership)
        state = (
            f"CASE WHEN i < {pending_partnership} THEN 'pending' WHEN {u('i', 51)} < 0.6 THEN 'expired' "
            "ELSE 'revoked' END"
        )
        slot = f"CASE WHEN i = 0 THEN {plan.normal_slot} ELSE mod({h('i', 54)}, {plan.providers}) END"
        cursor.execute(
            f"""
            CREATE TEMP TABLE bench_partnership_invitation AS
            SELECT i, {state} AS state, a.provider_id, p.admin_user_id,
                   CASE WHEN {state} = 'pending' THEN now() - interval '1 day' * (mod(i, 20))
                        WHEN {state} = 'expired'
                        THEN now() - interval '1 day' * ({ttl} + 10 + mod({h("i", 52)}, 400)::int)
                        ELSE now() - interval '1 day' * (1 + mod({h("i", 52)}, 400)::int) END AS created_at,
                   {u("i", 53)} < 0.5 AS sent
            FROM generate_series(0, {partnership - 1}) AS i
            JOIN bench_alloc a ON a.slot = {slot}
            JOIN bench_partner p ON p.org_id = a.provider_id
            """
        )
        insert_select(
            cursor,
            PartnershipInvitation,
            {
                "provider": "x.provider_id",
                "token_hash": token_hash(
                    f"CASE WHEN x.state = 'pending' THEN {self.token('landing', 'x.i + 1')} "
                    f"ELSE {self.token('partnership', 'x.i')} END"
                ),
                "created_by": "x.admin_user_id",
                "recipient_email": "CASE WHEN x.sent THEN 'partners.desk' || x.i || '@reseller' || x.i || '.example' "
                "ELSE '' END",
                "message": "CASE WHEN x.sent THEN 'We would like to be your indirect provider.' ELSE '' END",
                "created_at": "x.created_at",
                "sent_at": "CASE WHEN x.sent THEN x.created_at END",
                "expires_at": f"x.created_at + interval '1 day' * ({ttl})",
                "opened_at": "CASE WHEN x.sent AND x.state <> 'pending' THEN x.created_at + interval '1 day' END",
                "revoked_at": "CASE WHEN x.state = 'revoked' THEN x.created_at + interval '2 days' END",
            },
            "bench_partnership_invitation x ORDER BY x.i",
        )
        cursor.execute("DROP TABLE bench_partnership_invitation")

        customer_ttl = settings.CUSTOMER_INVITATION_TTL_DAYS
        state = (
            f"CASE WHEN i < {pending_customer} THEN 'pending' WHEN {u('i', 61)} < 0.6 THEN 'accepted' "
            f"WHEN {u('i', 61)} < 0.85 THEN 'expired' ELSE 'revoked' END"
        )
        three_party = f"(c.reseller_id IS NOT NULL AND {u('i', 62)} < 0.3)"
        cursor.execute(
            f"""
            CREATE TEMP TABLE bench_customer_invitation AS
            SELECT i, {state} AS state, c.org_id, c.provider_id,
                   CASE WHEN {three_party} THEN c.reseller_id END AS reseller_id,
                   CASE WHEN {three_party} THEN c.reseller_id ELSE c.provider_id END AS sent_by,
                   CASE WHEN {three_party} THEN r.admin_user_id ELSE c.provider_admin_id END AS created_by,
                   lower(c.first) || '.' || lower(c.last) || '@' || c.prefix || '.example' AS email,
                   CASE WHEN {state} = 'pending' THEN now() - interval '1 day' * (mod(i, 20))
                        WHEN {state} = 'accepted' THEN c.created_at - interval '3 days'
                        WHEN {state} = 'expired' THEN now() - interval '1 day' * ({customer_ttl} + 10
                             + mod({h("i", 63)}, 400)::int)
                        ELSE now() - interval '1 day' * (1 + mod({h("i", 63)}, 400)::int) END AS created_at
            FROM generate_series(0, {customer - 1}) AS i
            JOIN bench_customer c ON c.n = 1 + mod({h("i", 64)}, {plan.customers})
            LEFT JOIN bench_partner r ON r.org_id = c.reseller_id
            """
        )
        insert_select(
            cursor,
            CustomerInvitation,
            {
                "partner": "x.provider_id",
                "reseller": "x.reseller_id",
                "sent_by": "x.sent_by",
                "delegated_admin": "true",
                "token_hash": token_hash(
                    f"CASE WHEN x.state = 'pending' THEN {self.token('customer-landing', 'x.i + 1')} "
                    f"ELSE {self.token('customer-invitation', 'x.i')} END"
                ),
                "created_by": "x.created_by",
                "recipient_email": "x.email",
                "created_at": "x.created_at",
                "expires_at": f"x.created_at + interval '1 day' * ({customer_ttl})",
                "accepted_at": "CASE WHEN x.state = 'accepted' THEN x.created_at + interval '2 days' END",
                "customer": "CASE WHEN x.state = 'accepted' THEN x.org_id END",
                "revoked_at": "CASE WHEN x.state = 'revoked' THEN x.created_at + interval '2 days' END",
            },
            "bench_customer_invitation x ORDER BY x.i",
        )
        cursor.execute("DROP TABLE bench_customer_invitation")

        insert_select(
            cursor,
            PartnershipInvitation,
            {
                "provider": "p.org_id",
                "token_hash": token_hash(self.token("accept", f"p.idx - {self.bulk} + 1")),
                "created_at": "now() - interval '1 day'",
                "expires_at": f"now() + interval '1 day' * ({ttl - 1})",
            },
            "bench_partner p WHERE p.role = 'pool' ORDER BY p.idx",
        )

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

    def search_term(self) -> str:
        """A word of the bench provider's customer names that the list's search matches a few (~5) times."""
        provider = self.principals["provider"].organization.pk
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
