# ruff: noqa: S608 - every statement is built from catalogue names (quoted) and bound parameters
"""Write probes: what SQL run as the app's role (`partnerhub_app`) can write, context by context.

The statements are generated from the catalogue (columns, unique indexes, foreign keys), not written per
table, so a new tenant table is probed as soon as tests/security/test_rls.py classifies it. Every statement
runs in a savepoint that is rolled back, with its context set transaction-locally in that savepoint.

The rows probed belong to tenant A's provider (tests/security/world.py). The contexts: A's provider itself
(own), its reseller (a related organization, partner of A), tenant B's provider (foreign), no context, A's
admin with no organization (user only), a forged bypass (`set_config('partnerhub.bypass', 'x', true)`, and
one shaped like a signed value), and a signature made for another connection, replayed on this one. Only the
own context may write; platform ledgers refuse it too.
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass

import pytest
from django.db import DatabaseError, IntegrityError, connection, connections, transaction

from agreements.models import SignatureRequest
from partnerhub.core import rls
from partnerhub.core.models import Notification
from relationships.models import ListingChangeRequest
from tests.security.test_rls import TABLE_CLASSES
from tests.security.world import build_world

pytestmark = pytest.mark.django_db

COMMANDS = ("INSERT", "UPDATE", "DELETE")
_CONTEXT = (
    "SELECT set_config('partnerhub.user_id', %s, true), set_config('partnerhub.org_id', %s, true),"
    " set_config('partnerhub.token_hash', '', true), set_config('partnerhub.bypass', %s, true)"
)
# Commands only the platform (the verified bypass) performs on these tables, own context included.
PLATFORM_ONLY = {
    ("core_auditevent", "INSERT"), ("core_auditevent", "UPDATE"), ("core_auditevent", "DELETE"),
    ("core_notification", "INSERT"), ("core_notification", "DELETE"),
    ("api_apilimit", "INSERT"), ("api_apilimit", "UPDATE"), ("api_apilimit", "DELETE"),  # staff set the budget
    # billing: charges, invoices and payments are written by billing's services (elevated) alone
    *((table, command) for table in ("billing_chargeline", "billing_invoice", "billing_payment")
      for command in ("INSERT", "UPDATE", "DELETE")),
}  # fmt: skip
# Commands a user may perform on their own rows whatever the organization: marking their notification read.
USER_OWN = {("core_notification", "UPDATE")}
ROWS_PER_TABLE = 6


@dataclass(frozen=True)
class Context:
    name: str
    user_id: int | None = None
    organization_id: int | None = None
    bypass: str = ""

    def values(self) -> list[str]:
        return ["" if self.user_id is None else str(self.user_id),
                "" if self.organization_id is None else str(self.organization_id), self.bypass]  # fmt: skip


def refused_by_rls(error: Exception) -> bool:
    return "row-level security" in str(error)


def attempt(context: Context, sql: str, params=()) -> int | None:
    """Rows `sql` wrote as the app's role in `context` (rolled back), or None: row-level security refused it.

    An integrity error counts as written: PostgreSQL checks an INSERT's row-level security before its
    constraints, so a unique or NOT NULL violation means the policy let the row through."""
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(_CONTEXT, context.values())
                cursor.execute(sql, params)
                written = cursor.rowcount
            transaction.set_rollback(True)
    except IntegrityError as error:
        if refused_by_rls(error):
            return None
        return 1
    except DatabaseError as error:
        if refused_by_rls(error):
            return None
        raise
    return written


# --- the catalogue ------------------------------------------------------------------------------------------


def _query(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def columns(table: str) -> list[tuple[str, str, int | None]]:
    """(name, type, character maximum length) of the columns an INSERT names: identity columns left out."""
    return _query(
        """
        SELECT a.attname, format_type(a.atttypid, a.atttypmod), information_schema._pg_char_max_length(a.atttypid, a.atttypmod)
        FROM pg_attribute a
        WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
          AND a.attidentity = '' AND COALESCE(pg_get_expr((SELECT d.adbin FROM pg_attrdef d WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum), a.attrelid), '') NOT LIKE 'nextval(%%'
        ORDER BY a.attnum
        """,  # noqa: E501
        [table],
    )


def primary_key(table: str) -> str:
    ((name,),) = _query(
        """
        SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
        WHERE i.indrelid = %s::regclass AND i.indisprimary
        """,
        [table],
    )
    return name


def unique_columns(table: str) -> set[str]:
    rows = _query(
        """
        SELECT a.attname FROM pg_index i
        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
        WHERE i.indrelid = %s::regclass AND i.indisunique AND NOT i.indisprimary
        """,
        [table],
    )
    return {name for (name,) in rows}


def foreign_keys(table: str) -> list[tuple[str, str]]:
    """(column, referenced table) of the table's single-column foreign keys."""
    return _query(
        """
        SELECT a.attname, c.confrelid::regclass::text FROM pg_constraint c
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        WHERE c.contype = 'f' AND c.conrelid = %s::regclass AND array_length(c.conkey, 1) = 1
        ORDER BY a.attnum
        """,
        [table],
    )


def organizations_sql(table: str) -> str:
    """SELECT id, the row as JSON and the organizations it names (directly, or through its parent row)."""
    quote = connection.ops.quote_name
    key = quote(primary_key(table))
    own = [column for column, target in foreign_keys(table) if target == "accounts_organization"]
    if own:
        named = ", ".join(f"t.{quote(column)}" for column in own)
        return f"SELECT t.{key}, row_to_json(t)::text, ARRAY[{named}]::bigint[] FROM {quote(table)} t ORDER BY 1"
    for column, parent in foreign_keys(table):
        parent_own = [c for c, target in foreign_keys(parent) if target == "accounts_organization"]
        if parent_own:
            named = ", ".join(f"p.{quote(c)}" for c in parent_own)
            return (
                f"SELECT t.{key}, row_to_json(t)::text, ARRAY[{named}]::bigint[] FROM {quote(table)} t"
                f" JOIN {quote(parent)} p ON p.{quote(primary_key(parent))} = t.{quote(column)} ORDER BY 1"
            )
    raise AssertionError(f"{table} names no organization, directly or through a parent: how is it a tenant table?")


def insert_statement(table: str, row: dict) -> tuple[str, list]:
    """A copy of `row` with a new id; unique text and integer columns get fresh values."""
    quote = connection.ops.quote_name
    row = dict(row)
    unique = unique_columns(table)
    fks = {column for column, _ in foreign_keys(table)}
    for name, type_, length in columns(table):
        if name not in unique or name in fks or row.get(name) is None:
            continue
        if type_.startswith(("character", "text")):
            row[name] = uuid.uuid4().hex[: length or 32]
        elif type_ in {"integer", "bigint", "smallint"}:
            row[name] = row[name] + 1_000_000 if type_ != "smallint" else row[name] + 10_000
    names = ", ".join(quote(name) for name, _, _ in columns(table))
    return (
        f"INSERT INTO {quote(table)} ({names})"
        f" SELECT {names} FROM json_populate_record(NULL::{quote(table)}, %s::json)",
        [json.dumps(row)],
    )


def update_statement(table: str, row_id: int) -> tuple[str, list]:
    quote = connection.ops.quote_name
    key = quote(primary_key(table))
    first = quote(next(name for name, _, _ in columns(table) if quote(name) != key))
    return f"UPDATE {quote(table)} SET {first} = {first} WHERE {key} = %s", [row_id]


def delete_statement(table: str, row_id: int) -> tuple[str, list]:
    quote = connection.ops.quote_name
    return f"DELETE FROM {quote(table)} WHERE {quote(primary_key(table))} = %s", [row_id]


def tenant_tables() -> list[str]:
    return sorted(table for table, (kind, _) in TABLE_CLASSES.items() if kind == "tenant")


# --- the world and its contexts ------------------------------------------------------------------------------


def replayed_signature() -> str:
    """A bypass signed with the real key, for another connection of the same role: what SQL as the app's role
    could read from pg_stat_activity's query text, replayed here."""
    other = connections.create_connection("default")
    try:
        other.ensure_connection()
        return rls.sign("tests", other)
    finally:
        other.close()


def contexts(world) -> list[Context]:
    a, b = world.tenants["a"], world.tenants["b"]
    return [
        Context("own", a.users["global_admin"].pk, a.provider.pk),
        Context("related", a.users["reseller"].pk, a.reseller.pk),
        Context("foreign", b.users["global_admin"].pk, b.provider.pk),
        Context("none"),
        Context("user only", a.users["global_admin"].pk),
        Context("forged bypass", bypass="x"),
        Context("forged signature", a.users["global_admin"].pk, bypass=f"staff:1:{secrets.token_hex(32)}"),
        Context("replayed signature", bypass=replayed_signature()),
    ]


@pytest.fixture
def world():
    built = build_world()
    a = built.tenants["a"]
    # The tenant tables the isolation world leaves empty: a colleague's request for the agreement, a request
    # to change the provider's listing.
    SignatureRequest.objects.create(organization=a.provider, requested_by=a.users["limited"])
    ListingChangeRequest.objects.create(
        listing=a.objects["listing"], organization=a.provider, requested_by=a.users["global_admin"], message="x"
    )
    return built


def _probe_rows(table: str, owner: int) -> list[tuple[int, dict, set[int]]]:
    rows = _query(organizations_sql(table))
    return [(row_id, json.loads(data), set(orgs) - {None}) for row_id, data, orgs in rows if owner in orgs]


def _allowed(context: Context, own: Context, table: str, command: str, row: dict) -> bool:
    if (table, command) in PLATFORM_ONLY:
        return False
    if (table, command) in USER_OWN:
        return context.user_id is not None and row.get("user_id") == context.user_id
    return context == own


def test_only_the_owning_organization_writes_its_rows(world):
    """The matrix: every tenant table × INSERT/UPDATE/DELETE × eight contexts, over A's provider's rows."""
    a = world.tenants["a"]
    probes = contexts(world)
    own = probes[0]
    wrong, written_own, statements = [], set(), 0
    tables = tenant_tables()
    for table in tables:
        rows = _probe_rows(table, a.provider.pk)[:ROWS_PER_TABLE]
        assert rows, f"the world has no row of {table} for A's provider: the probe would prove nothing"
        for context in probes:
            for row_id, row, organizations in rows:
                if context.organization_id in organizations and context != own:
                    continue  # a row the context's organization is a party to is its own row too
                for command in COMMANDS:
                    if command == "INSERT":
                        sql, params = insert_statement(table, row)
                    elif command == "UPDATE":
                        sql, params = update_statement(table, row_id)
                    else:
                        sql, params = delete_statement(table, row_id)
                    written = bool(attempt(context, sql, params))
                    statements += 1
                    allowed = _allowed(context, own, table, command, row)
                    if written and not allowed:
                        wrong.append(f"{context.name}: {command} {table} #{row_id} was written")
                    if written and context == own:
                        written_own.add((table, command))
    size = f"{len(tables)} tables x {len(COMMANDS)} commands x {len(probes)} contexts, {statements} statements"
    print(f"write-probe matrix: {size}")  # noqa: T201 - the size, for the report (pytest -s)

    assert wrong == []
    # The own context really writes (a policy refusing everything would pass the line above).
    expected_own = {(t, c) for t in tables for c in COMMANDS if (t, c) not in PLATFORM_ONLY}
    assert expected_own - written_own == set()


# --- the findings of issue 15, by name --------------------------------------------------------------------


def _membership_grant(user_id: int, organization_id: int) -> tuple[str, list]:
    return (
        "INSERT INTO accounts_membership (roles, created_at, user_id, organization_id)"
        " VALUES (ARRAY['global_admin'], now(), %s, %s)",
        [user_id, organization_id],
    )


def test_a_user_cannot_give_themselves_a_seat_in_another_organization(world):
    a, b = world.tenants["a"], world.tenants["b"]
    user = a.users["global_admin"]
    sql, params = _membership_grant(user.pk, b.provider.pk)

    # with only the user set (the finding), and acting for their own organization
    assert attempt(Context("user only", user.pk), sql, params) is None
    assert attempt(Context("own", user.pk, a.provider.pk), sql, params) is None
    # and had it been written, naming B would still open nothing: one savepoint, insert then look
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(_CONTEXT, Context("user only", user.pk).values())
            with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
                cursor.execute(sql, params)
            cursor.execute(_CONTEXT, Context("claims B", user.pk, b.provider.pk).values())
            cursor.execute("SELECT count(*) FROM core_auditevent")
            assert cursor.fetchone()[0] == 0
        transaction.set_rollback(True)


def test_a_reseller_reads_but_cannot_write_its_providers_rows(world):
    a = world.tenants["a"]
    reseller = Context("related", a.users["reseller"].pk, a.reseller.pk)
    provider = a.provider.pk
    tables = (
        "accounts_membership",
        "enrollment_programenrollment",
        "enrollment_partnerid",
        "agreements_agreementacceptance",
    )

    visible = {}
    for table in tables:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(_CONTEXT, reseller.values())
                cursor.execute(f"SELECT count(*) FROM {table} WHERE organization_id = %s", [provider])
                visible[table] = cursor.fetchone()[0]
            transaction.set_rollback(True)
    assert all(visible.values()), visible  # related organizations do read each other's rows

    for table in tables:
        assert attempt(reseller, *update_statement_where(table, provider)) == 0, table
        assert attempt(reseller, f"DELETE FROM {table} WHERE organization_id = %s", [provider]) == 0, table
    assert attempt(reseller, *_membership_grant(a.users["reseller"].pk, provider)) is None


def update_statement_where(table: str, organization_id: int) -> tuple[str, list]:
    first = connection.ops.quote_name(columns(table)[0][0])
    return f"UPDATE {table} SET {first} = {first} WHERE organization_id = %s", [organization_id]


def test_a_published_listing_is_written_by_its_provider_only(world):
    a = world.tenants["a"]
    listing = a.objects["listing"]
    listing.status = "published"
    listing.save(update_fields=["status"])
    listings = _query(organizations_sql("relationships_providerlisting"))
    (row,) = [json.loads(data) for key, data, _ in listings if key == listing.pk]
    evil = "UPDATE relationships_providerlisting SET website = 'https://evil.example' WHERE organization_id = %s"

    b = world.tenants["b"]
    for context in (Context("none"), Context("foreign", b.users["global_admin"].pk, b.provider.pk)):
        assert attempt(context, evil, [a.provider.pk]) == 0
        assert attempt(context, *insert_statement("relationships_providerlisting", row)) is None
    assert attempt(Context("own", a.users["global_admin"].pk, a.provider.pk), evil, [a.provider.pk]) == 1


def test_a_tenant_cannot_put_a_notification_under_anyones_bell(world):
    a, b = world.tenants["a"], world.tenants["b"]
    own = Context("own", a.users["global_admin"].pk, a.provider.pk)
    sql = (
        "INSERT INTO core_notification (user_id, organization_id, title, body, url, created_at)"
        " VALUES (%s, %s, 'Reset your password', '', 'https://evil.example', now())"
    )

    assert attempt(own, sql, [b.users["global_admin"].pk, a.provider.pk]) is None  # the finding
    assert attempt(own, sql, [a.users["limited"].pk, a.provider.pk]) is None  # a colleague's bell
    assert attempt(own, sql, [a.users["global_admin"].pk, a.provider.pk]) is None  # even one's own
    # marking read: one's own notifications only, not a colleague's
    mine = Notification.objects.filter(organization=a.provider, user=a.users["global_admin"]).count()
    theirs = Notification.objects.filter(organization=a.provider).exclude(user=a.users["global_admin"]).count()
    mark = "UPDATE core_notification SET read_at = now() WHERE organization_id = %s"
    assert (mine, theirs) >= (1, 1)
    assert attempt(own, mark, [a.provider.pk]) == mine


def test_a_forged_or_replayed_bypass_opens_nothing(world):
    a = world.tenants["a"]
    for bypass in ("x", f"tests:{'0' * 64}", replayed_signature()):
        context = Context("forged", bypass=bypass)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(_CONTEXT, context.values())
                cursor.execute("SELECT count(*) FROM accounts_membership")
                assert cursor.fetchone()[0] == 0, bypass
            transaction.set_rollback(True)
        assert attempt(context, f"DELETE FROM accounts_membership WHERE organization_id = {a.provider.pk}") == 0
    # the same reason signed for this connection is the platform
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(_CONTEXT, Context("platform", bypass=rls.sign("tests")).values())
            cursor.execute("SELECT count(DISTINCT organization_id) FROM accounts_membership")
            assert cursor.fetchone()[0] >= 5  # noqa: PLR2004 - A, B and C's organizations
        transaction.set_rollback(True)
