# ruff: noqa: S608, E501 - SQL built from this file's own constants; policies read best on one line
"""Row-level security on the identity tables: users, organizations, email addresses, authenticators, sessions.

Core migration 0002 put every table naming an organization under RLS; these were outside it (docs/identity-rls.md):
any connection of the app role read every password hash and TOTP secret and could rename any organization.

Per command, in the terms of 0002 (S = the signed platform bypass, U = the signed-in user, A = the acting
organization checked against the user's seat, T = the invitation link being opened):

- accounts_user: read your own row, the people you share a seat with, the people of organizations related to the
  acting one (the UI names their admins) and whoever sent the invitation being opened; write your own row only;
  create or delete only as the platform (sign-up, the customer wizard and admin run under `rls.elevated`).
- account_emailaddress, account_emailconfirmation, mfa_authenticator, accounts_user_groups/_user_permissions:
  the row's own user only (no organization sharing: a colleague's second factor is not yours to read).
- accounts_organization: read your seats, the acting one, related ones, those an opened link names and the
  providers the directory lists; update the
  acting one only (its Global admin check stays in Python); create and delete only as the platform.
- django_admin_log: the platform only; its policy is core migration 0004's.
- django_session: no privilege at all for the app role; the session store goes through the SECURITY DEFINER
  functions below, keyed by the session key (the key is the capability, as an invitation token is).
"""

from django.conf import settings
from django.db import migrations

from partnerhub.core.rls_migrations import A, CommandPolicies, U

OWN_USER = f"user_id = {U}"

# table -> {command: (USING, WITH CHECK)}; a command not listed is refused to all but the platform bypass.
POLICIES = {
    "accounts_user": {
        "SELECT": (f"id = {U} OR id = ANY ((SELECT partnerhub_visible_users())::bigint[])", None),
        "UPDATE": (f"id = {U}", f"id = {U}"),
    },
    "accounts_organization": {
        "SELECT": (
            "id = ANY ((SELECT partnerhub_visible_organizations())::bigint[])"
            # the provider directory names every provider with a published listing
            " OR id IN (SELECT l.organization_id FROM relationships_providerlisting l WHERE l.status = 'published')",
            None,
        ),
        # A related organization's row may be locked (accepting a partnership locks both, in id order) but
        # never written: the new row must be the acting organization's.
        "UPDATE": (f"id = {A} OR id = ANY ((SELECT partnerhub_visible_organizations())::bigint[])", f"id = {A}"),
    },
    "account_emailaddress": dict.fromkeys(("SELECT", "INSERT", "UPDATE", "DELETE"), (OWN_USER, OWN_USER)),
    "account_emailconfirmation": {
        command: (own, own)
        for command in ("SELECT", "INSERT", "UPDATE", "DELETE")
        for own in [
            "EXISTS (SELECT 1 FROM account_emailaddress e"
            f" WHERE e.id = account_emailconfirmation.email_address_id AND e.user_id = {U})"
        ]
    },
    "mfa_authenticator": dict.fromkeys(("SELECT", "INSERT", "UPDATE", "DELETE"), (OWN_USER, OWN_USER)),
    "accounts_user_groups": {"SELECT": (OWN_USER, None)},
    "accounts_user_user_permissions": {"SELECT": (OWN_USER, None)},
    "django_session": {},
}


def _functions(schema: str) -> str:
    return f"""
    -- What the identity policies let through, computed once per statement (an InitPlan: `id = ANY ((SELECT …))`)
    -- rather than per row. Owner's rights (memberships and relationships are read without recursing into their
    -- own policies), as partnerhub_related(), whose rule the organizations related to the acting one follow:
    -- partners both ways, the parties of a customer relationship, the parties of the link being opened.
    CREATE OR REPLACE FUNCTION partnerhub_related_organizations() RETURNS SETOF bigint LANGUAGE sql STABLE
        SECURITY DEFINER SET search_path = {schema}, pg_temp
        AS $$
            WITH a AS (SELECT partnerhub_org() AS id, partnerhub_token() AS token)
            SELECT r.reseller_id FROM relationships_partnerrelationship r, a WHERE r.provider_id = a.id
            UNION SELECT r.provider_id FROM relationships_partnerrelationship r, a WHERE r.reseller_id = a.id
            UNION SELECT unnest(ARRAY[c.partner_id, c.customer_id, c.reseller_id])
                FROM customers_customerrelationship c, a WHERE a.id IN (c.partner_id, c.customer_id, c.reseller_id)
            UNION SELECT unnest(ARRAY[i.provider_id, i.reseller_id])
                FROM relationships_partnershipinvitation i, a WHERE i.token_hash = a.token
            UNION SELECT unnest(ARRAY[i.partner_id, i.reseller_id, i.sent_by_id, i.customer_id])
                FROM customers_customerinvitation i, a WHERE i.token_hash = a.token
        $$;
    REVOKE ALL ON FUNCTION partnerhub_related_organizations() FROM PUBLIC;
    -- Organizations: the user's seats, the acting one, related ones, and those an invitation or contact
    -- verification link being opened names.
    CREATE OR REPLACE FUNCTION partnerhub_visible_organizations() RETURNS bigint[] LANGUAGE sql STABLE
        SECURITY DEFINER SET search_path = {schema}, pg_temp
        AS $$
            SELECT COALESCE(array_agg(DISTINCT id) FILTER (WHERE id IS NOT NULL), '{{}}') FROM (
                SELECT partnerhub_org() AS id
                UNION ALL SELECT m.organization_id FROM accounts_membership m WHERE m.user_id = partnerhub_user()
                UNION ALL SELECT partnerhub_related_organizations()
                UNION ALL SELECT i.organization_id FROM accounts_userinvitation i WHERE i.token_hash = partnerhub_token()
                UNION ALL SELECT c.organization_id FROM enrollment_verificationcase c WHERE c.email_token_hash = partnerhub_token()
            ) visible
        $$;
    REVOKE ALL ON FUNCTION partnerhub_visible_organizations() FROM PUBLIC;
    -- People: the user, those they share a seat with, the members of organizations related to the acting one
    -- (the UI names their admins; their memberships are visible too, core 0002) and the sender of the
    -- invitation link being opened.
    CREATE OR REPLACE FUNCTION partnerhub_visible_users() RETURNS bigint[] LANGUAGE sql STABLE
        SECURITY DEFINER SET search_path = {schema}, pg_temp
        AS $$
            SELECT COALESCE(array_agg(DISTINCT id) FILTER (WHERE id IS NOT NULL), '{{}}') FROM (
                SELECT partnerhub_user() AS id
                UNION ALL SELECT theirs.user_id FROM accounts_membership mine
                    JOIN accounts_membership theirs ON theirs.organization_id = mine.organization_id
                    WHERE mine.user_id = partnerhub_user()
                UNION ALL SELECT theirs.user_id FROM accounts_membership theirs
                    WHERE theirs.organization_id IN (SELECT partnerhub_related_organizations())
                UNION ALL SELECT i.invited_by_id FROM accounts_userinvitation i WHERE i.token_hash = partnerhub_token()
            ) visible
        $$;
    REVOKE ALL ON FUNCTION partnerhub_visible_users() FROM PUBLIC;

    -- The user a signed-in session names, read with that user as the context (the row's own-user policy):
    -- what TenantContextMiddleware sets next, in the same statement, so that loading request.user costs one
    -- query and no platform bypass. Invoker's rights: it can do nothing the caller could not do itself.
    CREATE OR REPLACE FUNCTION partnerhub_session_user(uid bigint) RETURNS SETOF accounts_user LANGUAGE plpgsql
        VOLATILE SECURITY INVOKER SET search_path = {schema}, pg_temp
        AS $$
        DECLARE previous text := COALESCE(current_setting('partnerhub.user_id', true), '');
        BEGIN
            PERFORM set_config('partnerhub.user_id', uid::text, true);
            RETURN QUERY SELECT * FROM accounts_user WHERE id = uid;
            PERFORM set_config('partnerhub.user_id', previous, true);
        END
        $$;

    -- Sessions: the app role has no privilege on django_session; whoever holds a key may use that session.
    CREATE OR REPLACE FUNCTION partnerhub_session_load(key text) RETURNS TABLE (session_data text, expire_date timestamptz)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp
        AS $$ SELECT s.session_data, s.expire_date FROM django_session s WHERE s.session_key = key AND s.expire_date > now() $$;
    CREATE OR REPLACE FUNCTION partnerhub_session_exists(key text) RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp
        AS $$ SELECT EXISTS (SELECT 1 FROM django_session s WHERE s.session_key = key) $$;
    -- Creates (must_create) or updates one session; false when the key was taken, or is gone, instead.
    CREATE OR REPLACE FUNCTION partnerhub_session_save(key text, data text, expires timestamptz, must_create boolean)
        RETURNS boolean LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {schema}, pg_temp
        AS $$
        BEGIN
            IF must_create THEN
                INSERT INTO django_session (session_key, session_data, expire_date) VALUES (key, data, expires)
                ON CONFLICT (session_key) DO NOTHING;
            ELSE
                UPDATE django_session SET session_data = data, expire_date = expires WHERE session_key = key;
            END IF;
            RETURN FOUND;
        END
        $$;
    CREATE OR REPLACE FUNCTION partnerhub_session_delete(key text) RETURNS void
        LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = {schema}, pg_temp
        AS $$ DELETE FROM django_session WHERE session_key = key $$;
    CREATE OR REPLACE FUNCTION partnerhub_session_clear_expired() RETURNS bigint
        LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = {schema}, pg_temp
        AS $$ WITH gone AS (DELETE FROM django_session WHERE expire_date < now() RETURNING 1) SELECT count(*) FROM gone $$;
    """


SESSION_FUNCTIONS = (
    "partnerhub_session_load(text)",
    "partnerhub_session_exists(text)",
    "partnerhub_session_save(text, text, timestamptz, boolean)",
    "partnerhub_session_delete(text)",
    "partnerhub_session_clear_expired()",
)


def forwards(apps, schema_editor):
    quote = schema_editor.quote_name
    role = quote(settings.DATABASE_APP_ROLE)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = cursor.fetchone()[0]
    schema_editor.execute(_functions(quote(schema)))
    for function in SESSION_FUNCTIONS:
        schema_editor.execute(
            f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC; GRANT EXECUTE ON FUNCTION {function} TO {role};"
        )
    schema_editor.execute(
        f"GRANT EXECUTE ON FUNCTION partnerhub_visible_users() TO {role};"
        f" GRANT EXECUTE ON FUNCTION partnerhub_visible_organizations() TO {role};"
        f" REVOKE ALL ON TABLE django_session FROM {role};"
    )


def backwards(apps, schema_editor):
    quote = schema_editor.quote_name
    role = quote(settings.DATABASE_APP_ROLE)
    schema_editor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE django_session TO {role};")
    functions = (
        *SESSION_FUNCTIONS,
        "partnerhub_session_user(bigint)",
        "partnerhub_visible_users()",
        "partnerhub_visible_organizations()",
        "partnerhub_related_organizations()",
    )
    schema_editor.execute(" ".join(f"DROP FUNCTION IF EXISTS {function};" for function in functions))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_row_level_security"),
        ("accounts", "0005_encrypt_mfa_secrets"),
        ("account", "0009_emailaddress_unique_primary_email"),
        ("mfa", "0003_authenticator_type_uniq"),
        ("sessions", "0001_initial"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        # the functions and accounts_organization's policy read these apps' tables
        ("enrollment", "0002_global_partner_ids"),
        ("relationships", "0002_partnerships"),
        ("customers", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
        *(CommandPolicies(table, prefix="identity", rules=rules) for table, rules in POLICIES.items()),
    ]
