# ruff: noqa: S608 - policy conditions built from the helper's constants
"""Row-level security of admin relationships: both parties read a relationship (and the customer's Global admin
opening the emailed approval link, by its token); both write it (the partner requests and terminates, the
customer approves and terminates). Assignments are the partner's: the customer reads them (who may act), only
the partner writes them. Licence assignments are the customer's rows; a partner writes them only through an
acting admin relationship (and its services check the role and the assignment first)."""

from django.db import migrations

from partnerhub.core.rls_migrations import A, T, TenantPolicies

RELATIONSHIP = "SELECT 1 FROM access_adminrelationship r WHERE r.id = access_adminroleassignment.relationship_id"


class Migration(migrations.Migration):
    dependencies = [("access", "0001_initial"), ("core", "0004_per_command_policies")]

    operations = [
        TenantPolicies(
            "access_adminrelationship",
            read=f"{A} IN (partner_id, customer_id) OR token_hash = {T}",
            write=f"{A} IN (partner_id, customer_id)",
        ),
        TenantPolicies(
            "access_adminroleassignment",
            read=f"EXISTS ({RELATIONSHIP} AND {A} IN (r.partner_id, r.customer_id))",
            write=f"EXISTS ({RELATIONSHIP} AND r.partner_id = {A})",
        ),
        # A partner writes a licence row only while it holds an acting admin relationship with the customer
        # (the services check the role and the assignment; this is the second, independent layer).
        TenantPolicies(
            "access_licenseassignment",
            read=(
                f"customer_id = {A} OR EXISTS (SELECT 1 FROM access_adminrelationship r"
                f" WHERE r.customer_id = access_licenseassignment.customer_id AND r.partner_id = {A})"
            ),
            write=(
                f"customer_id = {A} OR (partner_id = {A} AND EXISTS (SELECT 1 FROM access_adminrelationship r"
                f" WHERE r.customer_id = access_licenseassignment.customer_id AND r.partner_id = {A}"
                " AND r.status IN ('active', 'expiring') AND r.ends_at > now()))"
            ),
        ),
    ]
