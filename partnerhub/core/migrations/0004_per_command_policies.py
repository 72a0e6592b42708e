# ruff: noqa: S608, E501 - SQL built from this file's own constants; policies read best on one line
"""Row-level security per command, and a platform bypass the database verifies (issue 15).

Core migration 0002 gave every tenant table one `FOR ALL` policy whose WITH CHECK was its USING: whatever a
context could read it could write, `partnerhub_related()` included, and `partnerhub.bypass` was any non-empty
string. This migration replaced that with four policies per table (since issue 16 each app declares its own
tables' policies in its `00NN_row_level_security` migration with partnerhub/core/rls_migrations.py; this one
keeps core's tables and django_admin_log):

- `tenant_read` (SELECT): today's read conditions, relationships included;
- `tenant_insert`, `tenant_update`, `tenant_delete`: the acting organization's own rows only, plus the few
  capability paths the app uses (an invitation opened by its link); never `partnerhub_related()`;

and makes `partnerhub_bypass()` true only for a value `<reason>:<HMAC-SHA256 hex>` signed over
`reason|backend pid|backend start (µs)` with a key stored in `partnerhub_private.context_key`, a schema the
app's role has no USAGE on (partnerhub/core/rls.py signs; `rls.sync_keys()` writes the keys after `migrate`
and `manage.py rls_sync_keys`). The key rows hold the HMAC's padded keys, so the check needs only the
built-in `sha256()`.

Reversible: backwards drops core's policies and puts the free-form bypass back.
"""

from django.conf import settings
from django.db import migrations

from partnerhub.core.rls_migrations import PLATFORM, A, PlatformOnly, TenantPolicies, U

PRIVATE = "partnerhub_private"

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


def backwards(apps, schema_editor):
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
    dependencies = [("core", "0003_outbox_sealed"), ("admin", "0003_logentry_add_action_flag_choices")]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
        # The audit log is the platform's ledger: written only through services.audit_record (rls.elevated).
        TenantPolicies("core_auditevent", read=f"organization_id = {A}", write=PLATFORM),
        TenantPolicies("core_outboundemail", read=f"organization_id = {A}", write=f"organization_id = {A}"),
        # A notification is put under a bell only by the platform (services.notification_create, elevated);
        # its own user marks it read.
        TenantPolicies(
            "core_notification", read=f"user_id = {U} OR organization_id = {A}", write=PLATFORM, update=f"user_id = {U}"
        ),
        # Staff's admin history names tenants' objects: staff in the admin have the verified bypass; no policy
        # for any tenant context.
        PlatformOnly("django_admin_log"),
    ]
