"""Row-level security of agreements' tables (core migrations 0002/0004 declared it before issue 16; the same
policies, re-declared here by the app that owns the tables). Agreement versions are a catalogue: no policy."""

from django.db import migrations

from partnerhub.core.rls_migrations import A, TenantPolicies


class Migration(migrations.Migration):
    dependencies = [("agreements", "0003_acceptance_deadline"), ("core", "0004_per_command_policies")]

    operations = [
        TenantPolicies(
            "agreements_agreementacceptance",
            read=f"organization_id = {A} OR partnerhub_related(organization_id)",
            write=f"organization_id = {A}",
        ),
        TenantPolicies("agreements_signaturerequest", read=f"organization_id = {A}", write=f"organization_id = {A}"),
        # Two parties: the customer accepts its partner's agreement; the partner records it.
        TenantPolicies(
            "agreements_customeragreementacceptance",
            read=f"{A} IN (customer_id, partner_id)",
            write=f"{A} IN (customer_id, partner_id)",
        ),
    ]
