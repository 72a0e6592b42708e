# ruff: noqa: S608, E501 - SQL built from this file's own constants; policies read best on one line
"""Row-level security: the app's role and the functions every policy calls (partnerhub/core/rls.py explains the
context). Each app declares its own tables' policies in its `00NN_row_level_security` migration, with the
operations of partnerhub/core/rls_migrations.py (issue 16; databases migrated before that got the same
policies here and in 0004, and the apps' migrations re-declare them unchanged).

`partnerhub_related()` reads relationships' and customers' tables, which need not exist yet: its body is
resolved when it is first called (`check_function_bodies` off, as pg_restore creates functions), which is
after the apps' migrations, whose policies call it.

Runs as the owner of the tables (`DATABASE_OWNER_URL`), who must be a superuser or have BYPASSRLS: the
acting-organization check reads memberships as the owner. It creates the app's role (`DATABASE_APP_ROLE`,
login, no password: the embedded server and the test cluster trust local connections; anywhere else create
it first, with a password) when it is missing, and grants it the data, never the tables.
"""

from django.conf import settings
from django.db import migrations

def _functions(schema: str) -> str:
    return f"""
    SET LOCAL check_function_bodies = off;
    CREATE OR REPLACE FUNCTION partnerhub_user() RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE
        AS $$ SELECT NULLIF(current_setting('partnerhub.user_id', true), '')::bigint $$;
    CREATE OR REPLACE FUNCTION partnerhub_token() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE
        AS $$ SELECT NULLIF(current_setting('partnerhub.token_hash', true), '') $$;
    CREATE OR REPLACE FUNCTION partnerhub_bypass() RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE
        AS $$ SELECT COALESCE(current_setting('partnerhub.bypass', true), '') <> '' $$;
    -- The organization the context names, only while the context's user holds a seat in it. Runs as the
    -- owner (SECURITY DEFINER) so that reading memberships does not recurse into their own policy.
    CREATE OR REPLACE FUNCTION partnerhub_org() RETURNS bigint LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = {schema}, pg_temp
        AS $$
            SELECT m.organization_id FROM accounts_membership m
            WHERE m.user_id = NULLIF(current_setting('partnerhub.user_id', true), '')::bigint
              AND m.organization_id = NULLIF(current_setting('partnerhub.org_id', true), '')::bigint
        $$;
    REVOKE ALL ON FUNCTION partnerhub_org() FROM PUBLIC;
    -- Whether an organization is visible to the acting one: partners both ways, the parties of a customer
    -- relationship, and the parties of the invitation link being opened. Owner's rights, as above.
    CREATE OR REPLACE FUNCTION partnerhub_related(other bigint) RETURNS boolean LANGUAGE sql STABLE
        SECURITY DEFINER SET search_path = {schema}, pg_temp COST 1000
        AS $$
            WITH acting AS (SELECT partnerhub_org() AS id, NULLIF(current_setting('partnerhub.token_hash', true), '') AS token)
            SELECT EXISTS (
                SELECT 1 FROM relationships_partnerrelationship r, acting a
                WHERE (r.provider_id = a.id AND r.reseller_id = other) OR (r.reseller_id = a.id AND r.provider_id = other)
            ) OR EXISTS (
                SELECT 1 FROM customers_customerrelationship c, acting a
                WHERE (c.partner_id = a.id AND (c.customer_id = other OR c.reseller_id = other))
                   OR (c.customer_id = a.id AND (c.partner_id = other OR c.reseller_id = other))
                   OR (c.reseller_id = a.id AND (c.partner_id = other OR c.customer_id = other))
            ) OR EXISTS (
                SELECT 1 FROM relationships_partnershipinvitation i, acting a
                WHERE i.token_hash = a.token AND other IN (i.provider_id, i.reseller_id)
            ) OR EXISTS (
                SELECT 1 FROM customers_customerinvitation i, acting a
                WHERE i.token_hash = a.token AND other IN (i.partner_id, i.reseller_id, i.sent_by_id, i.customer_id)
            )
        $$;
    REVOKE ALL ON FUNCTION partnerhub_related(bigint) FROM PUBLIC;
    SET LOCAL check_function_bodies = on;
    """


def forwards(apps, schema_editor):
    quote = schema_editor.quote_name
    role = settings.DATABASE_APP_ROLE
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_schema(), rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
        schema, owner_bypasses = cursor.fetchone()
        if not owner_bypasses:
            raise RuntimeError(
                "Run migrations as the tables' owner with superuser or BYPASSRLS (DATABASE_OWNER_URL): "
                "the row-level security functions read memberships as the owner."
            )
        cursor.execute(
            """
            DO $$ BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = %s) THEN
                    EXECUTE format('CREATE ROLE %%I LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE', %s);
                END IF;
            EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;  -- a parallel test database made it
            END $$;
            """,
            [role, role],
        )
    schema_editor.execute(_functions(quote(schema)))
    grants = f"""
        GRANT USAGE ON SCHEMA {quote(schema)} TO {quote(role)};
        GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {quote(schema)} TO {quote(role)};
        GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {quote(schema)} TO {quote(role)};
        ALTER DEFAULT PRIVILEGES IN SCHEMA {quote(schema)} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {quote(role)};
        ALTER DEFAULT PRIVILEGES IN SCHEMA {quote(schema)} GRANT USAGE, SELECT ON SEQUENCES TO {quote(role)};
        GRANT EXECUTE ON FUNCTION partnerhub_org() TO {quote(role)};
        GRANT EXECUTE ON FUNCTION partnerhub_related(bigint) TO {quote(role)};
    """  # fmt: skip
    schema_editor.execute(grants)


def backwards(apps, schema_editor):
    schema_editor.execute(
        "DROP FUNCTION IF EXISTS partnerhub_related(bigint); DROP FUNCTION IF EXISTS partnerhub_org(); DROP FUNCTION IF EXISTS partnerhub_user();"
        " DROP FUNCTION IF EXISTS partnerhub_token(); DROP FUNCTION IF EXISTS partnerhub_bypass();"
    )


class Migration(migrations.Migration):
    # partnerhub_org() reads accounts' memberships (core 0001 depends on accounts 0001).
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
