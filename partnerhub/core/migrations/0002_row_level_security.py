# ruff: noqa: S608, E501 - SQL built from this file's own constants; policies read best on one line
"""Row-level security on every tenant table (partnerhub/core/rls.py explains the context).

Runs as the owner of the tables (`DATABASE_OWNER_URL`), who must be a superuser or have BYPASSRLS: the
acting-organization check reads memberships as the owner. It creates the app's role (`DATABASE_APP_ROLE`,
login, no password: the embedded server and the test cluster trust local connections; anywhere else create
it first, with a password) when it is missing, and grants it the data, never the tables.
"""

from django.conf import settings
from django.db import migrations

# (the organization) = the acting organization, checked against the user's seat; U = the signed-in user;
# T = the invitation link being opened; S = a platform bypass. Each is read once per statement (InitPlan).
A = "(SELECT partnerhub_org())"
U = "(SELECT partnerhub_user())"
T = "(SELECT partnerhub_token())"
S = "(SELECT partnerhub_bypass())"

POLICIES = {
    "core_auditevent": f"organization_id = {A}",
    "core_outboundemail": f"organization_id = {A}",
    "core_notification": f"user_id = {U} OR organization_id = {A}",
    # Another organization's people are visible once related: its admins are told of a shared step.
    "accounts_membership": f"user_id = {U} OR organization_id = {A} OR partnerhub_related(organization_id)",
    "accounts_userinvitation": f"organization_id = {A} OR token_hash = {T}",
    # Related organizations see each other's partner IDs and program enrolments (eligibility, region).
    "enrollment_partnerid": f"organization_id = {A} OR partnerhub_related(organization_id)",
    "enrollment_programenrollment": (
        f"organization_id = {A} OR partnerhub_related(organization_id)"
        f" OR EXISTS (SELECT 1 FROM enrollment_verificationcase c"
        f" WHERE c.enrollment_id = enrollment_programenrollment.id AND c.email_token_hash = {T})"
    ),
    "enrollment_verificationcase": f"organization_id = {A} OR email_token_hash = {T}",
    "enrollment_verificationdocument": f"organization_id = {A}",
    "agreements_agreementacceptance": f"organization_id = {A} OR partnerhub_related(organization_id)",
    "agreements_signaturerequest": f"organization_id = {A}",
    "agreements_customeragreementacceptance": f"{A} IN (customer_id, partner_id)",
    "relationships_providerlisting": (
        f"organization_id = {A} OR status = 'published' OR partnerhub_related(organization_id)"
    ),
    "relationships_listingchangerequest": f"organization_id = {A}",
    "relationships_partnershipinvitation": f"{A} IN (provider_id, reseller_id) OR token_hash = {T}",
    "relationships_partnerrelationship": (
        f"{A} IN (provider_id, reseller_id)"
        # a customer opening a three-party link sees that the reseller and its provider are partners.
        " OR EXISTS (SELECT 1 FROM customers_customerinvitation i WHERE i.token_hash = "
        f"{T} AND i.partner_id = relationships_partnerrelationship.provider_id"
        " AND i.reseller_id = relationships_partnerrelationship.reseller_id)"
    ),
    "customers_customer": (
        f"organization_id = {A} OR created_by_partner_id = {A}"
        " OR EXISTS (SELECT 1 FROM customers_customerrelationship r"
        f" WHERE r.customer_id = customers_customer.organization_id AND {A} IN (r.partner_id, r.reseller_id))"
    ),
    "customers_customerrelationship": f"{A} IN (partner_id, customer_id, reseller_id)",
    "customers_customerinvitation": f"{A} IN (partner_id, reseller_id, sent_by_id, customer_id) OR token_hash = {T}",
    # An order is also visible through its subscriptions (the reseller of a subscription sees its order).
    "customers_order": (
        f"{A} IN (partner_id, customer_id)"
        " OR EXISTS (SELECT 1 FROM customers_subscription s WHERE s.order_id = customers_order.id)"
    ),
    "customers_subscription": f"{A} IN (customer_id, partner_id, reseller_id, support_contact_id)",
    # Order lines belong to their order: visible when the order is.
    "customers_orderline": "EXISTS (SELECT 1 FROM customers_order o WHERE o.id = customers_orderline.order_id)",
}


def _functions(schema: str) -> str:
    return f"""
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
    for table, condition in POLICIES.items():
        using = f"{S} OR {condition}"
        schema_editor.execute(
            f"""
            ALTER TABLE {quote(table)} ENABLE ROW LEVEL SECURITY;
            ALTER TABLE {quote(table)} FORCE ROW LEVEL SECURITY;
            DROP POLICY IF EXISTS tenant_isolation ON {quote(table)};
            CREATE POLICY tenant_isolation ON {quote(table)} USING ({using}) WITH CHECK ({using});
            """
        )


def backwards(apps, schema_editor):
    quote = schema_editor.quote_name
    for table in POLICIES:
        schema_editor.execute(
            f"DROP POLICY IF EXISTS tenant_isolation ON {quote(table)};"
            f" ALTER TABLE {quote(table)} NO FORCE ROW LEVEL SECURITY;"
            f" ALTER TABLE {quote(table)} DISABLE ROW LEVEL SECURITY;"
        )
    schema_editor.execute(
        "DROP FUNCTION IF EXISTS partnerhub_related(bigint); DROP FUNCTION IF EXISTS partnerhub_org(); DROP FUNCTION IF EXISTS partnerhub_user();"
        " DROP FUNCTION IF EXISTS partnerhub_token(); DROP FUNCTION IF EXISTS partnerhub_bypass();"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("accounts", "0003_user_unread_notifications"),
        ("enrollment", "0002_global_partner_ids"),
        ("agreements", "0002_customeragreementacceptance"),
        ("relationships", "0002_partnerships"),
        ("customers", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
