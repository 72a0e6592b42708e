# ruff: noqa: S608 - policy conditions built from the helper's constants
"""Row-level security of the webhooks' tables: an organization's endpoints, events, deliveries and attempts are
its own. Events and deliveries are written by the audit signal's receiver for the organization the change
concerns (elevated, as the audit row itself) and by the delivery tasks (the platform's context)."""

from django.db import migrations

from partnerhub.core.rls_migrations import A, TenantPolicies

TABLES = ["api_webhookendpoint", "api_webhookevent", "api_webhookdelivery", "api_webhookattempt"]


class Migration(migrations.Migration):
    dependencies = [("api", "0003_webhooks")]

    operations = [
        TenantPolicies(table, read=f"organization_id = {A}", write=f"organization_id = {A}") for table in TABLES
    ]
