# ruff: noqa: S608 - policy conditions built from the helper's constants
"""Row-level security of relationships' tables (core migrations 0002/0004 declared it before issue 16; the
same policies, re-declared here by the app that owns the tables). A partnership's read policy names customers'
invitations (a customer opening a three-party link), hence the dependency on customers 0001."""

from django.db import migrations

from partnerhub.core.rls_migrations import A, T, TenantPolicies


class Migration(migrations.Migration):
    dependencies = [
        ("relationships", "0002_partnerships"),
        ("core", "0004_per_command_policies"),
        ("customers", "0001_initial"),
    ]

    operations = [
        TenantPolicies(
            "relationships_providerlisting",
            read=f"organization_id = {A} OR status = 'published' OR partnerhub_related(organization_id)",
            write=f"organization_id = {A}",
        ),
        TenantPolicies(
            "relationships_listingchangerequest", read=f"organization_id = {A}", write=f"organization_id = {A}"
        ),
        # The provider sends it; the reseller it names accepts it; the link marks it opened.
        TenantPolicies(
            "relationships_partnershipinvitation",
            read=f"{A} IN (provider_id, reseller_id) OR token_hash = {T}",
            write=f"{A} IN (provider_id, reseller_id)",
            insert=f"provider_id = {A}",
            update=(
                f"{A} IN (provider_id, reseller_id) OR token_hash = {T}",
                f"{A} IN (provider_id, reseller_id) OR (token_hash = {T} AND opened_at IS NOT NULL)",
            ),
        ),
        # A partnership is created by one of its two parties (the reseller accepting, the provider ending it);
        # a customer opening a three-party link sees that the reseller and its provider are partners.
        TenantPolicies(
            "relationships_partnerrelationship",
            read=(
                f"{A} IN (provider_id, reseller_id)"
                " OR EXISTS (SELECT 1 FROM customers_customerinvitation i WHERE i.token_hash = "
                f"{T} AND i.partner_id = relationships_partnerrelationship.provider_id"
                " AND i.reseller_id = relationships_partnerrelationship.reseller_id)"
            ),
            write=f"{A} IN (provider_id, reseller_id)",
        ),
    ]
