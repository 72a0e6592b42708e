# ruff: noqa: S608 - policy conditions built from the helper's constants
"""Row-level security of enrollment's tables (core migrations 0002/0004 declared it before issue 16; the same
policies, re-declared here by the app that owns the tables)."""

from django.db import migrations

from partnerhub.core.rls_migrations import A, T, TenantPolicies


class Migration(migrations.Migration):
    dependencies = [("enrollment", "0004_enrollment_suspension"), ("core", "0004_per_command_policies")]

    operations = [
        # Related organizations see each other's partner IDs and program enrolments (eligibility, region).
        TenantPolicies(
            "enrollment_partnerid",
            read=f"organization_id = {A} OR partnerhub_related(organization_id)",
            write=f"organization_id = {A}",
        ),
        TenantPolicies(
            "enrollment_programenrollment",
            read=(
                f"organization_id = {A} OR partnerhub_related(organization_id)"
                f" OR EXISTS (SELECT 1 FROM enrollment_verificationcase c"
                f" WHERE c.enrollment_id = enrollment_programenrollment.id AND c.email_token_hash = {T})"
            ),
            write=f"organization_id = {A}",
        ),
        TenantPolicies(
            "enrollment_verificationcase",
            read=f"organization_id = {A} OR email_token_hash = {T}",
            write=f"organization_id = {A}",
        ),
        TenantPolicies(
            "enrollment_verificationdocument", read=f"organization_id = {A}", write=f"organization_id = {A}"
        ),
    ]
