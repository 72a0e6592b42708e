"""Encrypt the TOTP secrets and recovery-code seeds already stored in clear (partnerhub/accounts/mfa_adapter.py).

From here on allauth stores them through PartnerHubMFAAdapter.encrypt(); this encrypts the rows written before,
with the first key of MFA_ENCRYPTION_KEYS. The reverse writes them back in clear (for a rollback to a release
without the adapter). Both lock the rows they change.
"""

from django.db import migrations


def encrypt_secrets(apps, schema_editor):
    from partnerhub.accounts.mfa_adapter import data_reencrypted

    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.select_for_update().order_by("pk"):
        data = data_reencrypted(authenticator.data or {})
        if data is not None:
            authenticator.data = data
            authenticator.save(update_fields=["data"])


def decrypt_secrets(apps, schema_editor):
    from partnerhub.accounts.mfa_adapter import data_decrypted

    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.select_for_update().order_by("pk"):
        authenticator.data = data_decrypted(authenticator.data or {})
        authenticator.save(update_fields=["data"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_user_recovery_email"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(encrypt_secrets, decrypt_secrets, elidable=False)]
