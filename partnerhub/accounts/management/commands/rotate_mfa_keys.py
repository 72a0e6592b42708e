"""Re-encrypt every stored two-step verification secret with the first key of MFA_ENCRYPTION_KEYS.

Run after putting a new key first in the list (docs/mfa-secrets.md). Idempotent: a row already encrypted with
the first key is left alone, so a second run changes nothing. All or nothing: if any row can't be opened by a
configured key, the command stops with the error and no row is changed.
"""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from partnerhub.accounts.mfa_adapter import MfaSecretUndecryptable, data_reencrypted
from partnerhub.core import rls


class Command(BaseCommand):
    help = "Re-encrypt every TOTP secret and recovery-code seed with the first key of MFA_ENCRYPTION_KEYS."

    @rls.system("manage.py rotate_mfa_keys")  # every user's authenticators, as the platform
    def handle(self, *args, **options) -> None:
        changed = total = 0
        try:
            with transaction.atomic():
                for authenticator in Authenticator.objects.select_for_update().order_by("pk"):
                    total += 1
                    data = data_reencrypted(authenticator.data or {})
                    if data is not None:
                        authenticator.data = data
                        authenticator.save(update_fields=["data"])
                        changed += 1
        except MfaSecretUndecryptable as exc:
            raise CommandError(f"Authenticator {authenticator.pk} (user {authenticator.user_id}): {exc}") from exc
        self.stdout.write(f"{changed} of {total} authenticators re-encrypted with the first MFA_ENCRYPTION_KEYS key.")
