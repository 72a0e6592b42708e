# ruff: noqa: S608 - SQL built from the migration's own constants
"""Customer search that ignores the size of the platform.

The search was `customer_name ILIKE '%q%' OR organization.primary_domain ILIKE '%q%'`: the domain's table
holds every tenant's organizations, so PostgreSQL scanned all of them (1.3 s for the whale at 10×, 12.8 s at
1M customers). Now:

- the relationship row carries the customer's domain (`customer_domain`), filled here for existing rows;
- `customers_customersearchword` holds each word of a relationship's name and domain under its partner,
  `(partner_id, word, relationship_id)`, kept by the triggers below from the rows of each statement;
- a typed word is a range of its index on `(partner_id, word)`, `word >= 'alpine' AND word < 'alpine' || chr(1114111)`, read
  for this tenant only, under row-level security: text comparisons are leakproof, so the app role's query
  uses the index as the superuser's does. (A GIN index on a tsvector is not used by the app role: `@@` is not
  leakproof. The embedded server ships no contrib extension, so no pg_trgm either.)

The words are those of the `simple` text-search configuration (lower-cased, not stemmed: names and domains are
not prose), with `.`, `@`, `_`, `/` and `-` read as spaces, so that a domain's labels are words too. A search
matches when each typed word starts a word of the name or domain, in any order.

The words table follows its relationship: deleted with it (a foreign key ON DELETE CASCADE, which row-level
security does not restrict), visible to the partner whose list it indexes, written by whoever may write the
relationship (the triggers run in the statement's own context).
"""

from django.db import migrations, models

from partnerhub.core.rls_migrations import A, TenantPolicies

WORDS = r"""
CREATE OR REPLACE FUNCTION customers_search_words(body text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
  SELECT coalesce(array_agg(DISTINCT t.lexeme), '{}')
  FROM unnest(to_tsvector('simple'::regconfig, regexp_replace(body, '[.@_/-]+', ' ', 'g'))) AS t
$$;
"""

TRIGGERS = """
CREATE FUNCTION customers_search_words_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO customers_customersearchword (partner_id, word, relationship_id, customer_id, reseller_id)
    SELECT n.partner_id, w, n.id, n.customer_id, n.reseller_id
    FROM new_rows n, unnest(customers_search_words(n.customer_name || ' ' || n.customer_domain)) AS w
    ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;

-- Only the rows whose parties, name or domain changed (a status change, the usual update, costs one join of
-- the statement's own rows); their words are found by relationship id, on its index.
CREATE FUNCTION customers_search_words_updated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed bigint[];
BEGIN
  SELECT array_agg(n.id) INTO changed
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE (n.partner_id, n.customer_id, n.reseller_id, n.customer_name, n.customer_domain) IS DISTINCT FROM
          (o.partner_id, o.customer_id, o.reseller_id, o.customer_name, o.customer_domain);
  IF changed IS NULL THEN
    RETURN NULL;
  END IF;
  DELETE FROM customers_customersearchword WHERE relationship_id = ANY (changed);
  INSERT INTO customers_customersearchword (partner_id, word, relationship_id, customer_id, reseller_id)
    SELECT n.partner_id, w, n.id, n.customer_id, n.reseller_id
    FROM new_rows n, unnest(customers_search_words(n.customer_name || ' ' || n.customer_domain)) AS w
    WHERE n.id = ANY (changed)
    ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;

CREATE TRIGGER customers_search_words_inserted AFTER INSERT ON customers_customerrelationship
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customers_search_words_inserted();
CREATE TRIGGER customers_search_words_updated AFTER UPDATE ON customers_customerrelationship
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION customers_search_words_updated();

ALTER TABLE customers_customersearchword ADD CONSTRAINT customers_search_word_relationship
  FOREIGN KEY (relationship_id) REFERENCES customers_customerrelationship (id) ON DELETE CASCADE;
"""

DROP_TRIGGERS = """
DROP TRIGGER IF EXISTS customers_search_words_inserted ON customers_customerrelationship;
DROP TRIGGER IF EXISTS customers_search_words_updated ON customers_customerrelationship;
DROP FUNCTION IF EXISTS customers_search_words_inserted();
DROP FUNCTION IF EXISTS customers_search_words_updated();
"""

FILL = """
UPDATE customers_customerrelationship r SET customer_domain = o.primary_domain
  FROM accounts_organization o WHERE o.id = r.customer_id AND r.customer_domain = '';
"""


class Migration(migrations.Migration):
    dependencies = [("customers", "0006_subscription_lifecycle_data"), ("accounts", "0008_membership_is_api_client")]

    operations = [
        migrations.RunSQL(WORDS, "DROP FUNCTION IF EXISTS customers_search_words(text);"),
        migrations.AddField(
            model_name="customerrelationship",
            name="customer_domain",
            field=models.CharField(blank=True, db_default="", default="", max_length=253, verbose_name="primary domain"),
        ),
        migrations.CreateModel(
            name="CustomerSearchWord",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("partner_id", models.BigIntegerField()),
                ("word", models.TextField(db_collation="C")),
                ("relationship_id", models.BigIntegerField()),
                ("customer_id", models.BigIntegerField()),
                ("reseller_id", models.BigIntegerField(null=True)),
            ],
            options={
                "verbose_name": "customer search word",
                "verbose_name_plural": "customer search words",
                "constraints": [
                    models.UniqueConstraint(fields=("relationship_id", "word"), name="customer_search_word_key")
                ],
                "indexes": [
                    models.Index(
                        fields=["partner_id", "word"],
                        include=("relationship_id", "customer_id", "reseller_id"),
                        name="customer_search_word_idx",
                    )
                ],
            },
        ),
        migrations.RunSQL(TRIGGERS, DROP_TRIGGERS),
        # Existing rows: their domains, which the update trigger turns into words.
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        migrations.RunSQL(
            """INSERT INTO customers_customersearchword (partner_id, word, relationship_id, customer_id, reseller_id)
               SELECT r.partner_id, w, r.id, r.customer_id, r.reseller_id FROM customers_customerrelationship r,
                 unnest(customers_search_words(r.customer_name || ' ' || r.customer_domain)) AS w
               ON CONFLICT DO NOTHING;""",
            migrations.RunSQL.noop,
        ),
        # A word is as visible and as writable as its relationship: the same policy, on the copied parties.
        TenantPolicies(
            "customers_customersearchword",
            read=f"{A} IN (partner_id, customer_id, reseller_id)",
            write=f"{A} IN (partner_id, customer_id, reseller_id)",
        ),
        # The list's indexes carry the columns the row-level security policy reads: counts become index-only.
        migrations.RemoveIndex(model_name="customerrelationship", name="customer_rel_partner_idx"),
        migrations.RemoveIndex(model_name="customerrelationship", name="customer_rel_reseller_idx"),
        migrations.AddIndex(
            model_name="customerrelationship",
            index=models.Index(
                fields=["partner", "status", "customer_name", "id"],
                include=("customer", "reseller"),
                name="customer_rel_partner_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="customerrelationship",
            index=models.Index(
                fields=["partner", "reseller", "status", "customer_name", "id"],
                include=("customer",),
                name="customer_rel_reseller_idx",
            ),
        ),
    ]
