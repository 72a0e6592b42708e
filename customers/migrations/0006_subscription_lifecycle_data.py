# ruff: noqa: S608 - SQL built from the migration's own constants
"""Existing subscriptions get the lifecycle's columns: their offer's term, the default billing frequency of
that term (P1M monthly, P1Y annual), a current term that began at purchase (so the cancellation window is
the one they had) and kept its term end (what the customer was told), and a purchase row in
customers_subscriptionterm for billing. Offers sell their one term; order lines get their term's default
frequency. Then the term-order constraint, and row-level security of the new table."""

from django.db import migrations, models

from partnerhub.core.rls_migrations import A, TenantPolicies

FORWARDS = """
UPDATE customers_offer SET terms = ARRAY[term]::varchar(3)[] WHERE terms = '{}';
UPDATE customers_orderline SET billing_frequency = CASE term WHEN 'P1M' THEN 'monthly' WHEN 'P1Y' THEN 'annual'
    ELSE 'triennial' END;
UPDATE customers_subscription s SET term = o.term,
    billing_frequency = CASE o.term WHEN 'P1M' THEN 'monthly' WHEN 'P1Y' THEN 'annual' ELSE 'triennial' END,
    term_started_at = s.created_at,
    last_increase_at = GREATEST(s.last_increase_at, s.created_at),
    term_start = LEAST((s.created_at AT TIME ZONE 'UTC')::date, s.term_end)
  FROM customers_offer o WHERE o.id = s.offer_id;
INSERT INTO customers_subscriptionterm (subscription_id, customer_id, partner_id, reseller_id, kind, start, "end",
    term, billing_frequency, quantity, unit_price, currency, credit, created_at)
  SELECT s.id, s.customer_id, s.partner_id, s.reseller_id, 'purchase', s.term_start, s.term_end, s.term,
    s.billing_frequency, s.quantity, s.unit_price, s.currency, 0, s.created_at
  FROM customers_subscription s
  ON CONFLICT DO NOTHING;
"""


class Migration(migrations.Migration):
    dependencies = [("customers", "0005_subscription_lifecycle")]

    operations = [
        migrations.RunSQL(FORWARDS, migrations.RunSQL.noop),
        migrations.AddConstraint(
            model_name="subscription",
            constraint=models.CheckConstraint(
                condition=models.Q(("term_end__gte", models.F("term_start"))), name="subscription_term_order"
            ),
        ),
        # A term is read by the subscription's parties, as the subscription is; written by its seller or
        # reseller of record (renewals run as the platform).
        TenantPolicies(
            "customers_subscriptionterm",
            read=f"{A} IN (customer_id, partner_id, reseller_id)",
            write=f"{A} IN (partner_id, reseller_id)",
        ),
    ]
