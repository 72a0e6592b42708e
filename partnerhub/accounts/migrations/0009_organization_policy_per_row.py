# ruff: noqa: S608 - policy conditions built from the migration's own constants
"""Organizations: the related ones are checked row by row on indexes, not gathered into one array per statement.

0006's read policy was `id = ANY ((SELECT partnerhub_visible_organizations())::bigint[])`: the set of every
organization visible to the acting one, built once per statement, then searched linearly for each row. For a
provider with N customers, each statement that joins an organization first gathered N ids (4.2 s at a million
customers) and then compared every joined row with all of them: the whale's pages paid for its size on every
query, and its export of a million customers never finished (bench/load/report-export.md).

Now the small part stays an array: the acting organization, the user's seats and the parties named by the link
being opened (`partnerhub_own_organizations()`). The rest is the rule itself, asked for the row at hand with an
EXISTS on the relationship tables (under their own row-level security, which is the same rule): partners both
ways, and the parties of a customer relationship the acting organization is a party of. Each arm names the
row's id and the acting organization on the same index, so a check is a few index probes whatever the
tenant's size. Published providers stay visible to everyone (the directory).
"""

from django.conf import settings
from django.db import migrations

from partnerhub.core.rls_migrations import A, CommandPolicies

OWN = "id = ANY ((SELECT partnerhub_own_organizations())::bigint[])"
LISTED = "id IN (SELECT l.organization_id FROM relationships_providerlisting l WHERE l.status = 'published')"
PARTNERS = (
    "EXISTS (SELECT 1 FROM relationships_partnerrelationship r"
    f" WHERE (r.provider_id = {A} AND r.reseller_id = accounts_organization.id)"
    f" OR (r.reseller_id = {A} AND r.provider_id = accounts_organization.id))"
)
# One EXISTS per arm, each an index probe on the row's id (customer_id, partner_id or reseller_id leads an
# index): a single EXISTS with the six arms OR-ed was planned as a sequential scan stopping at its first match,
# a millisecond per organization row at 100,000 relationships. The commonest arm, a partner's own customer,
# comes first.
_ARMS = (
    ("customer_id", "partner_id"),
    ("customer_id", "reseller_id"),
    ("reseller_id", "partner_id"),
    ("partner_id", "reseller_id"),
    ("partner_id", "customer_id"),
    ("reseller_id", "customer_id"),
)
CUSTOMERS = (
    "("
    + " OR ".join(
        f"EXISTS (SELECT 1 FROM customers_customerrelationship c WHERE c.{row} = accounts_organization.id"
        f" AND c.{acting} = {A})"
        for row, acting in _ARMS
    )
    + ")"
)
RULES = {
    "SELECT": (f"{OWN} OR {LISTED} OR {PARTNERS} OR {CUSTOMERS}", None),
    # A related organization's row may be locked (accepting a partnership locks both) but never written.
    "UPDATE": (f"id = {A} OR {OWN} OR {PARTNERS} OR {CUSTOMERS}", f"id = {A}"),
}
PREVIOUS = {
    "SELECT": (
        "id = ANY ((SELECT partnerhub_visible_organizations())::bigint[])"
        " OR id IN (SELECT l.organization_id FROM relationships_providerlisting l WHERE l.status = 'published')",
        None,
    ),
    "UPDATE": (f"id = {A} OR id = ANY ((SELECT partnerhub_visible_organizations())::bigint[])", f"id = {A}"),
}


def _own_function(schema: str) -> str:
    return f"""
    -- The organizations visible to the acting one without asking the relationship tables: itself, the user's
    -- seats, and the parties the link being opened names (owner's rights, as 0006's functions).
    CREATE OR REPLACE FUNCTION partnerhub_own_organizations() RETURNS bigint[] LANGUAGE sql STABLE
        SECURITY DEFINER SET search_path = {schema}, pg_temp
        AS $$
            WITH a AS (SELECT partnerhub_token() AS token)
            SELECT COALESCE(array_agg(DISTINCT id) FILTER (WHERE id IS NOT NULL), '{{}}') FROM (
                SELECT partnerhub_org() AS id
                UNION ALL SELECT m.organization_id FROM accounts_membership m WHERE m.user_id = partnerhub_user()
                UNION ALL SELECT i.organization_id FROM accounts_userinvitation i, a WHERE i.token_hash = a.token
                UNION ALL SELECT c.organization_id FROM enrollment_verificationcase c, a
                    WHERE c.email_token_hash = a.token
                UNION ALL SELECT unnest(ARRAY[i.provider_id, i.reseller_id])
                    FROM relationships_partnershipinvitation i, a WHERE i.token_hash = a.token
                UNION ALL SELECT unnest(ARRAY[i.partner_id, i.reseller_id, i.sent_by_id, i.customer_id])
                    FROM customers_customerinvitation i, a WHERE i.token_hash = a.token
            ) own
        $$;
    REVOKE ALL ON FUNCTION partnerhub_own_organizations() FROM PUBLIC;
    """


def forwards(apps, schema_editor):
    quote = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = cursor.fetchone()[0]
    schema_editor.execute(_own_function(quote(schema)))
    role = quote(settings.DATABASE_APP_ROLE)
    schema_editor.execute(f"GRANT EXECUTE ON FUNCTION partnerhub_own_organizations() TO {role};")


def backwards(apps, schema_editor):
    schema_editor.execute("DROP FUNCTION IF EXISTS partnerhub_own_organizations();")


class _Policies(CommandPolicies):
    """accounts_organization's policies; backwards, 0006's come back."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        CommandPolicies(self.table, prefix=self.prefix, rules=PREVIOUS).database_forwards(
            app_label, schema_editor, from_state, to_state
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_membership_is_api_client"),
        ("relationships", "0003_row_level_security"),
        ("customers", "0007_customer_search"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
        _Policies("accounts_organization", prefix="identity", rules=RULES),
    ]
