# ruff: noqa: S608 - policy conditions built from the helper's constants
"""Row-level security of customers' tables (core migrations 0002/0004 declared it before issue 16; the same
policies, re-declared here by the app that owns the tables; 0002 and 0003's single `FOR ALL` policies are
replaced). Offers and their prices are a catalogue: no policy."""

from django.db import migrations

from partnerhub.core.rls_migrations import A, T, ForAllPolicy, TenantPolicies

# Backwards, 0002 and 0003's single policies come back (forwards they are replaced).
SINGLE_POLICIES = [
    migrations.RunSQL(migrations.RunSQL.noop, ForAllPolicy(table, f"organization_id = {A}").forwards_sql(str))
    for table in ("customers_ordernumbersequence", "customers_exportjob")
]


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_exportjob"), ("core", "0004_per_command_policies")]

    operations = [
        *SINGLE_POLICIES,
        TenantPolicies(
            "customers_customer",
            read=(
                f"organization_id = {A} OR created_by_partner_id = {A}"
                " OR EXISTS (SELECT 1 FROM customers_customerrelationship r"
                f" WHERE r.customer_id = customers_customer.organization_id AND {A} IN (r.partner_id, r.reseller_id))"
            ),
            write=f"organization_id = {A} OR created_by_partner_id = {A}",
        ),
        TenantPolicies(
            "customers_customerrelationship",
            read=f"{A} IN (partner_id, customer_id, reseller_id)",
            write=f"{A} IN (partner_id, customer_id, reseller_id)",
        ),
        TenantPolicies(
            "customers_customerinvitation",
            read=f"{A} IN (partner_id, reseller_id, sent_by_id, customer_id) OR token_hash = {T}",
            write=f"{A} IN (partner_id, reseller_id, sent_by_id)",
        ),
        # An order is also visible through its subscriptions (the reseller of a subscription sees its order).
        TenantPolicies(
            "customers_order",
            read=(
                f"{A} IN (partner_id, customer_id)"
                " OR EXISTS (SELECT 1 FROM customers_subscription s WHERE s.order_id = customers_order.id)"
            ),
            write=f"{A} IN (partner_id, customer_id)",
        ),
        TenantPolicies(
            "customers_subscription",
            read=f"{A} IN (customer_id, partner_id, reseller_id, support_contact_id)",
            write=f"{A} IN (customer_id, partner_id, reseller_id)",
        ),
        # Order lines belong to their order: visible when the order is, written by its parties.
        TenantPolicies(
            "customers_orderline",
            read="EXISTS (SELECT 1 FROM customers_order o WHERE o.id = customers_orderline.order_id)",
            write=(
                "EXISTS (SELECT 1 FROM customers_order o WHERE o.id = customers_orderline.order_id"
                f" AND {A} IN (o.partner_id, o.customer_id))"
            ),
        ),
        TenantPolicies("customers_ordernumbersequence", read=f"organization_id = {A}", write=f"organization_id = {A}"),
        TenantPolicies("customers_exportjob", read=f"organization_id = {A}", write=f"organization_id = {A}"),
    ]
