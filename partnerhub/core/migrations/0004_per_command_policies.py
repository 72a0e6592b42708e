# ruff: noqa: S608, E501 - SQL built from this file's own constants; policies read best on one line
"""Row-level security per command, and a platform bypass the database verifies (issue 15).

Core migration 0002 gave every tenant table one `FOR ALL` policy whose WITH CHECK was its USING: whatever a
context could read it could write, `partnerhub_related()` included, and `partnerhub.bypass` was any non-empty
string. This migration replaces that with four policies per table:

- `tenant_read` (SELECT): today's read conditions, relationships included;
- `tenant_insert`, `tenant_update`, `tenant_delete`: the acting organization's own rows only, plus the few
  capability paths the app uses (an invitation opened by its link); never `partnerhub_related()`;

and makes `partnerhub_bypass()` true only for a value `<reason>:<HMAC-SHA256 hex>` signed over
`reason|backend pid|backend start (µs)` with a key stored in `partnerhub_private.context_key`, a schema the
app's role has no USAGE on (partnerhub/core/rls.py signs; `rls.sync_keys()` writes the keys after `migrate`
and `manage.py rls_sync_keys`). The key rows hold the HMAC's padded keys, so the check needs only the
built-in `sha256()`.

Reversible: backwards puts 0002's `FOR ALL` policies and the free-form bypass back.
"""

import importlib

from django.conf import settings
from django.db import migrations

A = "(SELECT partnerhub_org())"
U = "(SELECT partnerhub_user())"
T = "(SELECT partnerhub_token())"
S = "(SELECT partnerhub_bypass())"
PLATFORM = "false"  # only the platform (the verified bypass) writes

# table -> {"read": …, "write": …} and optional per-command overrides: "insert" (WITH CHECK), "update"
# (USING and WITH CHECK, or a pair), "delete" (USING). Each condition is OR-ed with the bypass.
POLICIES = {
    # The audit log is the platform's ledger: written only through services.audit_record (rls.elevated).
    "core_auditevent": {"read": f"organization_id = {A}", "write": PLATFORM},
    "core_outboundemail": {"read": f"organization_id = {A}", "write": f"organization_id = {A}"},
    # A notification is put under a bell only by the platform (services.notification_create, elevated);
    # its own user marks it read.
    "core_notification": {
        "read": f"user_id = {U} OR organization_id = {A}",
        "write": PLATFORM,
        "update": f"user_id = {U}",
    },
    # Seats are written by the organization they are in, never by the user they seat.
    "accounts_membership": {
        "read": f"user_id = {U} OR organization_id = {A} OR partnerhub_related(organization_id)",
        "write": f"organization_id = {A}",
    },
    "accounts_userinvitation": {
        "read": f"organization_id = {A} OR token_hash = {T}",
        "write": f"organization_id = {A}",
        # the invitation opened by its link may be marked accepted (and nothing else by the link)
        "update": (
            f"organization_id = {A} OR token_hash = {T}",
            f"organization_id = {A} OR (token_hash = {T} AND accepted_at IS NOT NULL)",
        ),
    },
    "enrollment_partnerid": {
        "read": f"organization_id = {A} OR partnerhub_related(organization_id)",
        "write": f"organization_id = {A}",
    },
    "enrollment_programenrollment": {
        "read": (
            f"organization_id = {A} OR partnerhub_related(organization_id)"
            f" OR EXISTS (SELECT 1 FROM enrollment_verificationcase c"
            f" WHERE c.enrollment_id = enrollment_programenrollment.id AND c.email_token_hash = {T})"
        ),
        "write": f"organization_id = {A}",
    },
    "enrollment_verificationcase": {
        "read": f"organization_id = {A} OR email_token_hash = {T}",
        "write": f"organization_id = {A}",
    },
    "enrollment_verificationdocument": {"read": f"organization_id = {A}", "write": f"organization_id = {A}"},
    "agreements_agreementacceptance": {
        "read": f"organization_id = {A} OR partnerhub_related(organization_id)",
        "write": f"organization_id = {A}",
    },
    "agreements_signaturerequest": {"read": f"organization_id = {A}", "write": f"organization_id = {A}"},
    # Two parties: the customer accepts its partner's agreement; the partner records it.
    "agreements_customeragreementacceptance": {
        "read": f"{A} IN (customer_id, partner_id)",
        "write": f"{A} IN (customer_id, partner_id)",
    },
    "relationships_providerlisting": {
        "read": f"organization_id = {A} OR status = 'published' OR partnerhub_related(organization_id)",
        "write": f"organization_id = {A}",
    },
    "relationships_listingchangerequest": {"read": f"organization_id = {A}", "write": f"organization_id = {A}"},
    # The provider sends it; the reseller it names accepts it; the link marks it opened.
    "relationships_partnershipinvitation": {
        "read": f"{A} IN (provider_id, reseller_id) OR token_hash = {T}",
        "write": f"{A} IN (provider_id, reseller_id)",
        "insert": f"provider_id = {A}",
        "update": (
            f"{A} IN (provider_id, reseller_id) OR token_hash = {T}",
            f"{A} IN (provider_id, reseller_id) OR (token_hash = {T} AND opened_at IS NOT NULL)",
        ),
    },
    # A partnership is created by one of its two parties (the reseller accepting, the provider ending it).
    "relationships_partnerrelationship": {
        "read": (
            f"{A} IN (provider_id, reseller_id)"
            " OR EXISTS (SELECT 1 FROM customers_customerinvitation i WHERE i.token_hash = "
            f"{T} AND i.partner_id = relationships_partnerrelationship.provider_id"
            " AND i.reseller_id = relationships_partnerrelationship.reseller_id)"
        ),
        "write": f"{A} IN (provider_id, reseller_id)",
    },
    "customers_customer": {
        "read": (
            f"organization_id = {A} OR created_by_partner_id = {A}"
            " OR EXISTS (SELECT 1 FROM customers_customerrelationship r"
            f" WHERE r.customer_id = customers_customer.organization_id AND {A} IN (r.partner_id, r.reseller_id))"
        ),
        "write": f"organization_id = {A} OR created_by_partner_id = {A}",
    },
    "customers_customerrelationship": {
        "read": f"{A} IN (partner_id, customer_id, reseller_id)",
        "write": f"{A} IN (partner_id, customer_id, reseller_id)",
    },
    "customers_customerinvitation": {
        "read": f"{A} IN (partner_id, reseller_id, sent_by_id, customer_id) OR token_hash = {T}",
        "write": f"{A} IN (partner_id, reseller_id, sent_by_id)",
    },
    "customers_order": {
        "read": (
            f"{A} IN (partner_id, customer_id)"
            " OR EXISTS (SELECT 1 FROM customers_subscription s WHERE s.order_id = customers_order.id)"
        ),
        "write": f"{A} IN (partner_id, customer_id)",
    },
    "customers_subscription": {
        "read": f"{A} IN (customer_id, partner_id, reseller_id, support_contact_id)",
        "write": f"{A} IN (customer_id, partner_id, reseller_id)",
    },
    "customers_orderline": {
        "read": "EXISTS (SELECT 1 FROM customers_order o WHERE o.id = customers_orderline.order_id)",
        "write": (
            "EXISTS (SELECT 1 FROM customers_order o WHERE o.id = customers_orderline.order_id"
            f" AND {A} IN (o.partner_id, o.customer_id))"
        ),
    },
    # Tables added after core 0002 with rls.policy_operation (customers 0002, 0003).
    "customers_ordernumbersequence": {"read": f"organization_id = {A}", "write": f"organization_id = {A}"},
    "customers_exportjob": {"read": f"organization_id = {A}", "write": f"organization_id = {A}"},
}

# What backwards puts back: 0002's single policy (and the customers tables' policy_operation one).
_OLD_CUSTOMERS = {
    "customers_ordernumbersequence": f"organization_id = {A}",
    "customers_exportjob": f"organization_id = {A}",
}

PRIVATE = "partnerhub_private"

# Tables only the platform reaches: staff in the admin (django_admin_log names tenants' objects), under the
# verified bypass; no policy for any tenant context.
PLATFORM_TABLES = ("django_admin_log",)

# True only when partnerhub.bypass is `<reason>:<64 hex>` and the hex is HMAC-SHA256(key, reason|pid|start)
# for a stored key, this backend's pid and its start time in microseconds since the epoch. Runs as the
# owner (SECURITY DEFINER) to read the key table; search_path pinned to pg_catalog so that nothing the
# caller creates (pg_temp is searched last and never for functions) can stand in for what it calls.
BYPASS_FUNCTION = f"""
CREATE OR REPLACE FUNCTION partnerhub_bypass() RETURNS boolean LANGUAGE plpgsql STABLE SECURITY DEFINER
    PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp
    AS $$
    DECLARE
        value text := pg_catalog.current_setting('partnerhub.bypass', true);
        body bytea;
    BEGIN
        -- a tenant context (no bypass) returns at once: one InitPlan of ~10 µs per table per statement
        IF value IS NULL OR pg_catalog.length(value) <= 65
           OR pg_catalog.substr(value, pg_catalog.length(value) - 64, 1) <> ':' THEN
            RETURN false;
        END IF;
        SELECT pg_catalog.convert_to(
                   pg_catalog.left(value, -65) || '|' || pg_catalog.pg_backend_pid()::text || '|'
                   || (EXTRACT(epoch FROM a.backend_start) * 1000000)::bigint::text, 'UTF8')
          INTO body
          FROM pg_catalog.pg_stat_get_activity(pg_catalog.pg_backend_pid()) a;
        IF body IS NULL THEN
            RETURN false;
        END IF;
        RETURN EXISTS (
            SELECT 1 FROM {PRIVATE}.context_key k
            WHERE pg_catalog.encode(pg_catalog.sha256(k.k_opad || pg_catalog.sha256(k.k_ipad || body)), 'hex')
                  = pg_catalog.right(value, 64)
        );
    END
    $$;
REVOKE ALL ON FUNCTION partnerhub_bypass() FROM PUBLIC;
"""


def policy_sql(table: str, spec: dict, quote) -> str:
    """The four policies of one table (rls.policy_operation builds the same for later migrations)."""
    write = spec["write"]
    insert = spec.get("insert", write)
    update = spec.get("update", write)
    update_using, update_check = update if isinstance(update, tuple) else (update, update)
    delete = spec.get("delete", write)
    name = quote(table)

    def guarded(condition: str) -> str:
        return f"{S} OR ({condition})"

    return (
        f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY; ALTER TABLE {name} FORCE ROW LEVEL SECURITY;"
        f" DROP POLICY IF EXISTS tenant_isolation ON {name}; DROP POLICY IF EXISTS tenant_read ON {name};"
        f" DROP POLICY IF EXISTS tenant_insert ON {name}; DROP POLICY IF EXISTS tenant_update ON {name};"
        f" DROP POLICY IF EXISTS tenant_delete ON {name};"
        f" CREATE POLICY tenant_read ON {name} FOR SELECT USING ({guarded(spec['read'])});"
        f" CREATE POLICY tenant_insert ON {name} FOR INSERT WITH CHECK ({guarded(insert)});"
        f" CREATE POLICY tenant_update ON {name} FOR UPDATE USING ({guarded(update_using)}) WITH CHECK ({guarded(update_check)});"
        f" CREATE POLICY tenant_delete ON {name} FOR DELETE USING ({guarded(delete)});"
    )


def _old_policies() -> dict[str, str]:
    initial = importlib.import_module("partnerhub.core.migrations.0002_row_level_security")
    return {**initial.POLICIES, **_OLD_CUSTOMERS}


def forwards(apps, schema_editor):
    quote = schema_editor.quote_name
    role = quote(settings.DATABASE_APP_ROLE)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = quote(cursor.fetchone()[0])
    schema_editor.execute(
        f"""
        CREATE SCHEMA IF NOT EXISTS {PRIVATE};
        REVOKE ALL ON SCHEMA {PRIVATE} FROM PUBLIC;
        REVOKE ALL ON SCHEMA {PRIVATE} FROM {role};
        CREATE TABLE IF NOT EXISTS {PRIVATE}.context_key (
            id smallint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            k_ipad bytea NOT NULL UNIQUE CHECK (length(k_ipad) = 64),
            k_opad bytea NOT NULL CHECK (length(k_opad) = 64),
            created_at timestamptz NOT NULL DEFAULT now()
        );
        REVOKE ALL ON {PRIVATE}.context_key FROM PUBLIC;
        -- Nobody but the owner may create objects in the app's schema (PostgreSQL 15 already revokes
        -- CREATE from PUBLIC; older servers and hand-made grants do not).
        REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC;
        REVOKE CREATE ON SCHEMA {schema} FROM {role};
        """
    )
    schema_editor.execute(BYPASS_FUNCTION)
    schema_editor.execute(f"GRANT EXECUTE ON FUNCTION partnerhub_bypass() TO {role};")
    for table, spec in POLICIES.items():
        schema_editor.execute(policy_sql(table, spec, quote))
    for table in PLATFORM_TABLES:
        name = quote(table)
        schema_editor.execute(
            f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY; ALTER TABLE {name} FORCE ROW LEVEL SECURITY;"
            f" DROP POLICY IF EXISTS platform_only ON {name};"
            f" CREATE POLICY platform_only ON {name} USING ({S}) WITH CHECK ({S});"
        )


def backwards(apps, schema_editor):
    quote = schema_editor.quote_name
    for table in PLATFORM_TABLES:
        name = quote(table)
        schema_editor.execute(
            f"DROP POLICY IF EXISTS platform_only ON {name}; ALTER TABLE {name} NO FORCE ROW LEVEL SECURITY;"
            f" ALTER TABLE {name} DISABLE ROW LEVEL SECURITY;"
        )
    for table, condition in _old_policies().items():
        name = quote(table)
        using = f"{S} OR {condition}"
        schema_editor.execute(
            f"DROP POLICY IF EXISTS tenant_read ON {name}; DROP POLICY IF EXISTS tenant_insert ON {name};"
            f" DROP POLICY IF EXISTS tenant_update ON {name}; DROP POLICY IF EXISTS tenant_delete ON {name};"
            f" DROP POLICY IF EXISTS tenant_isolation ON {name};"
            f" CREATE POLICY tenant_isolation ON {name} USING ({using}) WITH CHECK ({using});"
        )
    # CREATE OR REPLACE cannot drop SECURITY DEFINER / the pinned search_path: recreate the function
    # (the policies depend on it, so replace its body in place instead).
    schema_editor.execute(
        """
        ALTER FUNCTION partnerhub_bypass() SECURITY INVOKER;
        ALTER FUNCTION partnerhub_bypass() RESET search_path;
        ALTER FUNCTION partnerhub_bypass() PARALLEL SAFE;
        CREATE OR REPLACE FUNCTION partnerhub_bypass() RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE
            AS $$ SELECT COALESCE(current_setting('partnerhub.bypass', true), '') <> '' $$;
        GRANT EXECUTE ON FUNCTION partnerhub_bypass() TO PUBLIC;
        """
    )
    schema_editor.execute(f"DROP SCHEMA IF EXISTS {PRIVATE} CASCADE;")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_outbox_sealed"),
        ("accounts", "0004_user_recovery_email"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("agreements", "0003_acceptance_deadline"),
        ("customers", "0003_exportjob"),
        ("enrollment", "0004_enrollment_suspension"),
        ("relationships", "0002_partnerships"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
