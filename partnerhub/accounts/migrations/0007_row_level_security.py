"""Row-level security of accounts' tenant tables (core migrations 0002/0004 declared it before issue 16; the
same policies, re-declared here by the app that owns the tables). The identity tables' are in 0006."""

from django.db import migrations

from partnerhub.core.rls_migrations import A, T, U, TenantPolicies


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_identity_row_level_security"), ("core", "0004_per_command_policies")]

    operations = [
        # Seats are written by the organization they are in, never by the user they seat. Another
        # organization's people are visible once related: its admins are told of a shared step.
        TenantPolicies(
            "accounts_membership",
            read=f"user_id = {U} OR organization_id = {A} OR partnerhub_related(organization_id)",
            write=f"organization_id = {A}",
        ),
        TenantPolicies(
            "accounts_userinvitation",
            read=f"organization_id = {A} OR token_hash = {T}",
            write=f"organization_id = {A}",
            # the invitation opened by its link may be marked accepted (and nothing else by the link)
            update=(
                f"organization_id = {A} OR token_hash = {T}",
                f"organization_id = {A} OR (token_hash = {T} AND accepted_at IS NOT NULL)",
            ),
        ),
    ]
