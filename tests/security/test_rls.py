"""PostgreSQL row-level security, the second layer (partnerhub/core/rls.py, core migrations 0002 and 0004, and
each app's `00NN_row_level_security` migration written with partnerhub/core/rls_migrations.py).

The classification gate fails on any table of the schema that TABLE_CLASSES does not name, and on a named one
whose catalogue state does not match its class; the rest shows what the policies and the signed bypass do
for a connection of the app's own role, which is what the whole suite connects as (tests/conftest.py).
tests/security/test_write_probe.py probes every tenant table's writes.
"""

from __future__ import annotations

import contextlib

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from customers.models import CustomerRelationship
from partnerhub.accounts.models import Membership, Role
from partnerhub.core import rls
from partnerhub.core.models import AuditEvent
from tests.factories import OrganizationFactory

# Tables a tenant owns without naming an organization themselves: they belong to a parent row that does.
CHILD_TABLES = {"customers_orderline", "access_adminroleassignment", "transfers_transferitem"}

TENANT, USER, CATALOGUE, PLATFORM = "tenant", "user", "catalogue", "platform"
_T = (TENANT, "an organization's rows: per-command policies (its app's migration), reads may follow relationships")
# Every table of the schema, with its class and why. tenant: forced RLS and a policy for each of SELECT,
# INSERT, UPDATE and DELETE (no FOR ALL). user: identity rows, forced RLS (the accounts migration of issue
# 15's identity work). catalogue: global reference data, readable by the app's role, naming no organization
# nor user. platform: forced RLS whose every policy is the verified bypass alone (staff, tasks).
TABLE_CLASSES: dict[str, tuple[str, str]] = {
    "access_adminrelationship": _T, "access_adminroleassignment": _T, "access_licenseassignment": _T,
    "accounts_membership": _T, "accounts_userinvitation": _T,
    "agreements_agreementacceptance": _T, "agreements_customeragreementacceptance": _T,
    "agreements_signaturerequest": _T,
    "core_auditevent": _T, "core_notification": _T, "core_outboundemail": _T,
    "customers_customer": _T, "customers_customerinvitation": _T, "customers_customerrelationship": _T,
    "customers_customersearchword": _T,  # the search words of a partner's own relationships (customers 0007)
    "customers_exportjob": _T, "customers_order": _T, "customers_orderline": _T,
    "customers_ordernumbersequence": _T, "customers_subscription": _T,
    "customers_subscriptionterm": _T,  # a subscription's terms, for billing: its seller, reseller and customer
    "enrollment_partnerid": _T, "enrollment_programenrollment": _T, "enrollment_verificationcase": _T,
    "enrollment_verificationdocument": _T,
    "relationships_listingchangerequest": _T, "relationships_partnerrelationship": _T,
    "relationships_partnershipinvitation": _T, "relationships_providerlisting": _T,
    "transfers_transfer": _T, "transfers_transferitem": _T,  # transfers: the three parties read and write
    # billing: the issuer and the recipient of a pair read its rows; only the platform writes charges,
    # invoices and payments; price rules and tax rates are the issuer's alone
    "billing_billingprofile": _T, "billing_taxrate": _T, "billing_pricerule": _T, "billing_invoice": _T,
    "billing_chargeline": _T, "billing_payment": _T,
    "billing_invoicesequence": (PLATFORM, "invoice number series: taken by the billing run and credit notes only"),
    "billing_cycleschedule": (PLATFORM, "when each subscription's next billing cycle starts: the cycle sweep's"),
    "accounts_organization": (USER, "the tenant itself: its people read it, related organizations its name"),
    "accounts_user": (USER, "password hashes: a user's own row and their colleagues'"),
    "accounts_user_groups": (USER, "a user's Django groups (unused by the app's roles)"),
    "accounts_user_user_permissions": (USER, "a user's Django permissions (staff only)"),
    "account_emailaddress": (USER, "a user's addresses"),
    "account_emailconfirmation": (USER, "a user's pending address confirmations (keys)"),
    "mfa_authenticator": (USER, "TOTP secrets and recovery codes"),
    "django_session": (USER, "sessions: who is signed in"),
    "accounts_allowedemaildomain": (CATALOGUE, "the operator's exceptions to the webmail rule, read at sign-up"),
    "agreements_agreementversion": (CATALOGUE, "the published agreement texts every organization signs"),
    "customers_offer": (CATALOGUE, "the offer catalogue every partner sells from"),
    "customers_offerprice": (CATALOGUE, "the catalogue's prices per region"),
    "auth_group": (CATALOGUE, "Django's permission catalogue, written by migrate"),
    "auth_group_permissions": (CATALOGUE, "Django's permission catalogue, written by migrate"),
    "auth_permission": (CATALOGUE, "Django's permission catalogue, written by migrate"),
    "django_content_type": (CATALOGUE, "the model registry, written by migrate"),
    "django_migrations": (CATALOGUE, "the migration history (runserver's check reads it)"),
    "django_celery_beat_clockedschedule": (CATALOGUE, "beat's schedule: written by beat, which runs with no context"),  # noqa: E501
    "django_celery_beat_crontabschedule": (CATALOGUE, "beat's schedule: written by beat, which runs with no context"),  # noqa: E501
    "django_celery_beat_intervalschedule": (CATALOGUE, "beat's schedule: written by beat, which runs with no context"),  # noqa: E501
    "django_celery_beat_periodictask": (CATALOGUE, "beat's schedule: written by beat, which runs with no context"),
    "django_celery_beat_periodictasks": (CATALOGUE, "beat's schedule: written by beat, which runs with no context"),
    "django_celery_beat_solarschedule": (CATALOGUE, "beat's schedule: written by beat, which runs with no context"),
    "django_admin_log": (PLATFORM, "staff's admin history, naming tenants' objects: written under the staff bypass"),
    "api_apiclient": _T, "api_apicall": _T, "api_idempotencyrecord": _T, "api_apilimit": _T,
    "api_webhookendpoint": _T, "api_webhookevent": _T, "api_webhookdelivery": _T, "api_webhookattempt": _T,
    **dict.fromkeys(
        ["oauth2_provider_application", "oauth2_provider_accesstoken", "oauth2_provider_refreshtoken",
         "oauth2_provider_grant", "oauth2_provider_idtoken", "oauth2_provider_devicegrant"],
        (PLATFORM, "OAuth clients' hashed secrets and tokens' checksums: the token endpoint and authentication only"),
    ),
}  # fmt: skip

ORGANIZATION_COLUMNS = """
    SELECT DISTINCT c.conrelid::regclass::text
    FROM pg_constraint c
    JOIN pg_namespace n ON n.oid = (SELECT relnamespace FROM pg_class WHERE oid = c.conrelid)
    WHERE c.contype = 'f' AND c.confrelid = 'accounts_organization'::regclass AND n.nspname = current_schema()
"""


def _tenant_tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(ORGANIZATION_COLUMNS)
        return sorted({row[0] for row in cursor.fetchall()} | CHILD_TABLES)


@contextlib.contextmanager
def no_context():
    """This connection as a request with no context at all (the test's own platform context set aside)."""
    rls._suspend_system()
    try:
        yield
    finally:
        rls._resume_system("tests")


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 - a catalogue name
        return cursor.fetchone()[0]


def _catalogue_state() -> dict[str, dict]:
    """Per table of the schema: RLS enabled/forced, its policies' commands and expressions, the app role's
    SELECT privilege and whether a column points at an organization or a user."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                   COALESCE((SELECT array_agg(p.polcmd::text ORDER BY p.polcmd) FROM pg_policy p WHERE p.polrelid = c.oid), '{}'),
                   COALESCE((SELECT array_agg(pg_get_expr(p.polqual, p.polrelid) || ' / ' || COALESCE(pg_get_expr(p.polwithcheck, p.polrelid), ''))
                             FROM pg_policy p WHERE p.polrelid = c.oid), '{}'),
                   has_table_privilege(%s, c.oid, 'SELECT'),
                   EXISTS (SELECT 1 FROM pg_constraint f WHERE f.conrelid = c.oid AND f.contype = 'f'
                           AND f.confrelid IN ('accounts_organization'::regclass, 'accounts_user'::regclass))
            FROM pg_class c JOIN pg_tables t ON t.tablename = c.relname AND t.schemaname = current_schema()
            WHERE c.relnamespace = current_schema()::regnamespace
            """,  # noqa: E501
            [settings.DATABASE_APP_ROLE],
        )
        return {
            name: {"enabled": enabled, "forced": forced, "commands": sorted(commands), "policies": policies,
                   "app_reads": app_reads, "owned": owned}
            for name, enabled, forced, commands, policies, app_reads, owned in cursor.fetchall()
        }  # fmt: skip


def _mismatch(kind: str, state: dict) -> str:
    """What is wrong with a table of this class, or ""."""
    rls_on = state["enabled"] and state["forced"]
    if kind == TENANT:
        # r = SELECT, a = INSERT, w = UPDATE, d = DELETE; "*" (FOR ALL) would let whatever reads also write
        if not rls_on or set(state["commands"]) != {"a", "d", "r", "w"}:
            return f"needs forced RLS and one policy per command, has {state}"
    elif kind == USER:
        if not rls_on or not state["commands"]:
            return f"identity rows need forced RLS and policies, has {state}"
    elif kind == CATALOGUE:
        if not state["app_reads"] or state["owned"]:
            return f"catalogue: the app reads it and it names no organization or user, has {state}"
    elif kind == PLATFORM:
        bypass = "(SELECTpartnerhub_bypass()ASpartnerhub_bypass)"
        bypass_only = all("".join(policy.split()) == f"{bypass}/{bypass}" for policy in state["policies"])
        if not rls_on or not state["policies"] or not bypass_only:
            return f"platform: forced RLS, every policy the bypass alone, has {state}"
    else:
        return f"unknown class {kind}"
    return ""


@pytest.mark.django_db
def test_every_table_of_the_schema_is_classified_and_matches_its_class():
    state = _catalogue_state()

    assert sorted(set(state) - set(TABLE_CLASSES)) == []  # classify a new table here, with one line why
    assert sorted(set(TABLE_CLASSES) - set(state)) == []  # a table that no longer exists
    wrong = {table: _mismatch(kind, state[table]) for table, (kind, _) in TABLE_CLASSES.items() if kind != USER}
    assert {table: why for table, why in wrong.items() if why} == {}


@pytest.mark.django_db
def test_identity_tables_have_forced_row_level_security():
    """The identity tables' policies come with issue 15's accounts migration (another branch): this test
    fails until that is merged."""
    state = _catalogue_state()
    wrong = {
        table: _mismatch(USER, state[table])
        for table, (kind, _) in TABLE_CLASSES.items()
        if kind == USER and table in state
    }  # noqa: E501
    assert {table: why for table, why in wrong.items() if why} == {}


def test_every_tenant_table_declares_its_policies_in_its_own_apps_migrations():
    """A tenant table's policies are declared with rls_migrations.TenantPolicies by the app that owns the table
    (core keeps its own tables and django_admin_log), and nothing else is declared a tenant table; the identity
    tables' (allauth's, mfa's and the sessions' included) with CommandPolicies by accounts."""
    from django.apps import apps
    from django.db.migrations.loader import MigrationLoader

    from partnerhub.core.rls_migrations import CommandPolicies, PlatformOnly, TenantPolicies

    owner = {model._meta.db_table: model._meta.app_label for model in apps.get_models(include_auto_created=True)}
    declared: dict[str, set[str]] = {}
    identity: dict[str, set[str]] = {}
    for (app_label, _), migration in MigrationLoader(None, ignore_no_migrations=True).disk_migrations.items():
        for operation in migration.operations:
            if isinstance(operation, TenantPolicies):
                declared.setdefault(operation.table, set()).add(app_label)
            elif isinstance(operation, CommandPolicies):
                identity.setdefault(operation.table, set()).add(app_label)
            elif isinstance(operation, PlatformOnly):
                assert TABLE_CLASSES[operation.table][0] == PLATFORM
    tenant_tables = {table for table, (kind, _) in TABLE_CLASSES.items() if kind == TENANT}
    identity_tables = {table for table, (kind, _) in TABLE_CLASSES.items() if kind == USER}

    assert set(declared) == tenant_tables
    assert {table: apps_ for table, apps_ in declared.items() if apps_ != {owner[table]}} == {}
    assert identity == dict.fromkeys(identity_tables, {"accounts"})


def test_the_migration_helper_writes_per_command_policies_and_never_writes_through_a_relationship():
    from partnerhub.core.rls_migrations import TenantPolicies

    read = "organization_id = (SELECT partnerhub_org()) OR partnerhub_related(organization_id)"
    operation = TenantPolicies("t", read=read, write="organization_id = (SELECT partnerhub_org())")
    sql = operation.forwards_sql(lambda name: name)

    assert f"FOR SELECT USING ((SELECT partnerhub_bypass()) OR ({read}))" in sql
    assert all(f"CREATE POLICY tenant_{c.lower()} ON t FOR {c}" in sql for c in ("INSERT", "UPDATE", "DELETE"))
    assert all(f"DROP POLICY IF EXISTS {name} ON t;" in sql for name in ("tenant_isolation", "tenant_read"))
    assert sql.count("partnerhub_related") == 1  # in the read policy only
    assert "DISABLE ROW LEVEL SECURITY" in operation.backwards_sql(lambda name: name)
    with pytest.raises(ValueError, match="related organizations read, never write"):
        TenantPolicies("t", read="true", write="true", update=("true", "partnerhub_related(organization_id)"))


@pytest.mark.django_db
def test_no_write_policy_follows_relationships():
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, p.polname FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
            WHERE p.polcmd <> 'r' AND (COALESCE(pg_get_expr(p.polqual, p.polrelid), '') || COALESCE(pg_get_expr(p.polwithcheck, p.polrelid), '')) LIKE '%%partnerhub_related%%'
            """  # noqa: E501
        )
        assert cursor.fetchall() == []


@pytest.mark.django_db
def test_every_table_that_names_an_organization_has_forced_row_level_security_and_a_policy():
    tables = _tenant_tables()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                   (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)
            FROM pg_class c WHERE c.oid = ANY(%s::regclass[])
            """,
            [tables],
        )
        rows = {name: (enabled, forced, policies) for name, enabled, forced, policies in cursor.fetchall()}

    assert len(tables) >= 20  # noqa: PLR2004 - the gate is looking at the real schema
    unprotected = [table for table in tables if rows[table] != (True, True, rows[table][2]) or not rows[table][2]]
    assert unprotected == []


@pytest.mark.django_db
def test_the_app_connects_as_a_role_that_owns_nothing_and_bypasses_nothing():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        user, superuser, bypass = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tableowner = current_user"
        )
        owned = cursor.fetchone()[0]

    assert (user, superuser, bypass, owned) == (settings.DATABASE_APP_ROLE, False, False, 0)


@pytest.mark.django_db
def test_without_a_context_every_tenant_table_reads_empty(world_of_two):
    tables = _tenant_tables()
    assert all(_count(table) for table in ("accounts_membership", "core_auditevent", "customers_customerrelationship"))

    with no_context():
        counts = {table: _count(table) for table in tables}

    assert counts == dict.fromkeys(tables, 0)


@pytest.mark.django_db
def test_without_a_context_nothing_can_be_written_either(world_of_two):
    a, _ = world_of_two

    with no_context(), pytest.raises(Exception, match="row-level security"), transaction.atomic():
        AuditEvent.objects.create(code="partnerhub.test.forged", organization=a["organization"])


@pytest.mark.django_db
def test_one_connection_serving_a_then_b_shows_b_only_its_own_rows(world_of_two):
    a, b = world_of_two

    with no_context():
        with rls.acting_as(user=a["user"], organization=a["organization"]):
            seen_by_a = set(CustomerRelationship.objects.values_list("customer_name", flat=True))
        with rls.acting_as(user=b["user"], organization=b["organization"]):
            seen_by_b = set(CustomerRelationship.objects.values_list("customer_name", flat=True))

    assert seen_by_a == {"Customer of A"}
    assert seen_by_b == {"Customer of B"}


@pytest.mark.django_db
def test_naming_an_organization_the_user_holds_no_seat_in_opens_nothing(world_of_two):
    a, b = world_of_two

    with no_context(), rls.acting_as(user=a["user"], organization=b["organization"]):
        names = list(CustomerRelationship.objects.values_list("customer_name", flat=True))
        members = list(Membership.objects.values_list("organization_id", flat=True))

    assert names == []
    assert members == [a["organization"].pk]  # the user's own seat, nothing of B


@pytest.mark.django_db
def test_a_seat_removed_closes_the_organization_at_once(world_of_two):
    a, _ = world_of_two
    Membership.objects.filter(user=a["user"], organization=a["organization"]).delete()

    with no_context(), rls.acting_as(user=a["user"], organization=a["organization"]):
        names = list(CustomerRelationship.objects.values_list("customer_name", flat=True))

    assert names == []


@pytest.mark.django_db
def test_the_platform_bypass_is_explicit_and_ends_with_its_block(world_of_two):
    with no_context():
        with rls.elevated("test:explicit"):
            inside = CustomerRelationship.objects.count()
        outside = CustomerRelationship.objects.count()

    assert (inside, outside) == (2, 0)


@pytest.mark.django_db
def test_staff_in_the_admin_get_an_audited_bypass(client, world_of_two, django_user_model, caplog):
    staff = django_user_model.objects.create_user(email="ops@partnerhub.example", password="x", is_staff=True)
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)

    with caplog.at_level("INFO", logger="partnerhub.security"):
        response = client.get("/admin/customers/customerrelationship/")

    assert response.status_code == 200
    assert "Customer of A" in response.content.decode()
    assert "Customer of B" in response.content.decode()
    assert f"staff row-level security bypass: user={staff.pk} GET /admin/customers/customerrelationship/" in caplog.text


@pytest.fixture
def world_of_two(make_member):
    """Two providers, each with one customer, a member and an audit event."""
    tenants = []
    for name in ("A", "B"):
        organization = OrganizationFactory(legal_name=f"Provider {name}")
        member = make_member(organization, Role.GLOBAL_ADMIN)
        customer = OrganizationFactory(kind="customer", legal_name=f"Customer of {name} Inc.")
        CustomerRelationship.objects.create(
            partner=organization, customer=customer, kind="direct", customer_name=f"Customer of {name}"
        )
        AuditEvent.objects.create(code="partnerhub.test.seen", organization=organization)
        tenants.append({"organization": organization, "user": member.user})
    return tenants


# --- the signed bypass: what the app's role cannot do ------------------------------------------------------


def _denied(sql: str, params=()) -> str:
    """The error `sql` raises as the app's role (in a savepoint), or "" if it ran."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError as error:
        return str(error)
    return ""


@pytest.mark.django_db
def test_the_app_role_cannot_read_the_keys_nor_change_what_checks_them():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_userbyid(proowner) FROM pg_proc WHERE proname = 'partnerhub_bypass'")
        (owner,) = cursor.fetchone()

    assert "permission denied for schema" in _denied("SELECT * FROM partnerhub_private.context_key")
    replace = _denied(
        "CREATE OR REPLACE FUNCTION partnerhub_bypass() RETURNS boolean LANGUAGE sql AS $$ SELECT true $$"
    )
    assert "must be owner" in replace or "permission denied for schema" in replace
    assert "must be owner" in _denied("ALTER FUNCTION partnerhub_bypass() SECURITY INVOKER")
    assert "permission denied" in _denied(f"SET ROLE {connection.ops.quote_name(owner)}")
    assert "permission denied" in _denied(f"SET SESSION AUTHORIZATION {connection.ops.quote_name(owner)}")
    # no object of its own in the app's schema (a function shadowing ours), nor in the private one
    assert "permission denied for schema" in _denied(
        "CREATE FUNCTION partnerhub_org2() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$"
    )  # noqa: E501
    assert "permission denied for schema" in _denied("CREATE TABLE partnerhub_private.context_key2 (k bytea)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT has_schema_privilege(current_user, current_schema(), 'CREATE')")
        assert cursor.fetchone() == (False,)


@pytest.mark.django_db
def test_every_security_definer_function_pins_its_search_path():
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT p.proname, p.proconfig FROM pg_proc p
            WHERE p.prosecdef AND p.pronamespace IN (current_schema()::regnamespace, 'partnerhub_private'::regnamespace)
            """  # noqa: E501
        )
        functions = dict(cursor.fetchall())

    assert {"partnerhub_bypass", "partnerhub_org", "partnerhub_related"} <= set(functions)
    unpinned = {
        name: config
        for name, config in functions.items()
        if not any(setting.startswith("search_path=") and setting.endswith("pg_temp") for setting in config or [])
    }
    assert unpinned == {}


def _reads_with(bypass: str) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('partnerhub.bypass', %s, true), set_config('partnerhub.user_id', '', true),"
            " set_config('partnerhub.org_id', '', true)",
            [bypass],
        )
        cursor.execute("SELECT count(*) FROM core_auditevent")
        count = cursor.fetchone()[0]
        transaction.set_rollback(True)
    return count


@pytest.mark.django_db
def test_only_a_value_signed_for_this_connection_with_a_stored_key_is_the_platform(world_of_two, settings):
    signed = rls.sign("test:signed")
    reason, _, signature = signed.rpartition(":")

    assert _reads_with(signed) == 2  # noqa: PLR2004 - A's and B's audit events
    assert _reads_with("test:signed") == 0
    assert _reads_with(f"{reason}:{'0' * 64}") == 0
    assert _reads_with(f"test:other:{signature}") == 0  # the signature of another reason
    settings.RLS_CONTEXT_KEY = "a key the database was never given"
    assert _reads_with(rls.sign("test:signed")) == 0


@pytest.mark.django_db
def test_a_fallback_key_stored_by_the_owner_keeps_verifying_during_a_rotation(world_of_two, settings):
    """Rotation: the database holds current + previous; a process still signing with the previous verifies."""
    import psycopg

    from tests.deploy.support import owner_url

    old = "the previous context key"
    settings.RLS_CONTEXT_KEY = old
    before = _reads_with(rls.sign("test:rotation"))
    ipad, opad = rls.padded_keys(old.encode())
    dbname = connection.settings_dict["NAME"]
    with psycopg.connect(owner_url(), dbname=dbname, autocommit=True) as owner:
        owner.execute("INSERT INTO partnerhub_private.context_key (k_ipad, k_opad) VALUES (%s, %s)", [ipad, opad])
        try:
            during = _reads_with(rls.sign("test:rotation"))
        finally:
            owner.execute("DELETE FROM partnerhub_private.context_key WHERE k_ipad = %s", [ipad])
    after = _reads_with(rls.sign("test:rotation"))

    assert (before, during, after) == (0, 2, 0)


@pytest.mark.django_db
def test_the_keys_are_synchronised_only_by_the_owner():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="does not own the schema partnerhub_private"):
        call_command("rls_sync_keys")


def test_a_new_tables_policies_are_per_command_and_never_write_through_a_relationship():
    from partnerhub.core.rls_migrations import ForAllPolicy, TenantPolicies

    read = "organization_id = (SELECT partnerhub_org()) OR partnerhub_related(organization_id)"
    sql = TenantPolicies("t", read=read, write="organization_id = (SELECT partnerhub_org())").forwards_sql(str)

    assert f"FOR SELECT USING ((SELECT partnerhub_bypass()) OR ({read}))" in sql
    assert all(
        f"CREATE POLICY tenant_{command.lower()} ON t FOR {command}" in sql
        for command in ("INSERT", "UPDATE", "DELETE")
    )  # noqa: E501
    assert sql.count("partnerhub_related") == 1  # in the read policy only
    with pytest.raises(ValueError, match="related organizations read, never write"):
        TenantPolicies("t", read="true", write="partnerhub_related(organization_id)")
    # the form of the migrations written before core 0004 still builds (one FOR ALL policy, replaced by 0004)
    assert "CREATE POLICY tenant_isolation ON t USING" in ForAllPolicy("t", "true").forwards_sql(str)
