# ruff: noqa: S608 - policy conditions built from the helper's constants
"""Row-level security of the API's tables: an organization's clients, call log and idempotency records are its
own; staff set its limit (read by its calls). django-oauth-toolkit's tables (applications with hashed secrets,
token checksums) are the platform's: only the token endpoint and the authentication reach them, elevated."""

from django.db import migrations

from partnerhub.core.rls_migrations import A, PlatformOnly, TenantPolicies

OAUTH_TABLES = [
    "oauth2_provider_application",
    "oauth2_provider_accesstoken",
    "oauth2_provider_refreshtoken",
    "oauth2_provider_grant",
    "oauth2_provider_idtoken",
    "oauth2_provider_devicegrant",
]


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_initial"),
        ("core", "0004_per_command_policies"),
        ("oauth2_provider", "0022_refreshtoken_token_family_index"),
    ]

    operations = [
        TenantPolicies("api_apiclient", read=f"organization_id = {A}", write=f"organization_id = {A}"),
        TenantPolicies("api_apicall", read=f"organization_id = {A}", write=f"organization_id = {A}"),
        TenantPolicies("api_idempotencyrecord", read=f"organization_id = {A}", write=f"organization_id = {A}"),
        TenantPolicies("api_apilimit", read=f"organization_id = {A}", write="false"),  # staff's, in the admin
        *[PlatformOnly(table) for table in OAUTH_TABLES],
    ]
