"""TOTP secrets and recovery-code seeds encrypted at rest (allauth's MFA adapter hooks).

allauth keeps an authenticator's secrets in `mfa_authenticator.data` (JSON): a TOTP app's `secret`, the recovery
codes' `seed` (and, for codes migrated from another library, `migrated_codes`). Every one of them goes through
`encrypt()` on its way in and `decrypt()` on its way out; here that is Fernet (AES-128-CBC + HMAC-SHA256).

Keys: `MFA_ENCRYPTION_KEYS`, a list of Fernet keys (urlsafe base64 of 32 bytes). The first encrypts; every one
decrypts, so a new key goes first and the old one stays until `manage.py rotate_mfa_keys` has re-encrypted
every row (docs/mfa-secrets.md). Left empty, the keys are derived from SECRET_KEY (then SECRET_KEY_FALLBACKS)
with salted_hmac, so no new required secret; rotating SECRET_KEY with the old one in SECRET_KEY_FALLBACKS then
works the same way.

A value no key opens is an error (MfaSecretUndecryptable), never a pass: a removed key or a plaintext value
written behind allauth's back stops the sign-in with a message that says what to do.
"""

from __future__ import annotations

import base64
import logging

from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.crypto import salted_hmac

logger = logging.getLogger(__name__)

KEY_SALT = "partnerhub.accounts.mfa_adapter.MFA_ENCRYPTION_KEYS"
# What allauth passes through encrypt()/decrypt() in an authenticator's data: single values, and lists of them.
ENCRYPTED_VALUES = ("secret", "seed")
ENCRYPTED_LISTS = ("migrated_codes",)
# Every Fernet token starts with its version byte 0x80, which base64 writes as "gAAAAA".
TOKEN_PREFIX = "gAAAAA"  # noqa: S105 - a format marker, not a secret


class MfaSecretUndecryptable(ImproperlyConfigured):
    """A stored MFA secret that no key in MFA_ENCRYPTION_KEYS opens."""


def derived_key(secret_key: str | bytes) -> bytes:
    """The Fernet key that SECRET_KEY (or a fallback) stands for when MFA_ENCRYPTION_KEYS is empty."""
    digest = salted_hmac(KEY_SALT, "fernet-key", secret=secret_key, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest)


def encryption_keys() -> list[bytes]:
    keys = [key.encode() if isinstance(key, str) else key for key in settings.MFA_ENCRYPTION_KEYS if key]
    if keys:
        return keys
    return [derived_key(settings.SECRET_KEY), *(derived_key(key) for key in settings.SECRET_KEY_FALLBACKS)]


def _fernets() -> list[Fernet]:
    fernets = []
    for position, key in enumerate(encryption_keys(), start=1):
        try:
            fernets.append(Fernet(key))
        except (ValueError, TypeError) as exc:
            raise ImproperlyConfigured(
                f"MFA_ENCRYPTION_KEYS: key {position} is not a Fernet key (urlsafe base64 of 32 bytes; make one "
                'with python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())").'
            ) from exc
    return fernets


def encrypt_text(text: str) -> str:
    return _fernets()[0].encrypt(text.encode()).decode("ascii")


def decrypt_text(token: str) -> str:
    try:
        return MultiFernet(_fernets()).decrypt(token.encode()).decode()
    except InvalidToken:
        problem = (
            "a two-step verification secret is stored in clear text (written without allauth's MFA adapter; "
            "run manage.py rotate_mfa_keys to encrypt it)"
            if not token.startswith(TOKEN_PREFIX)
            else "no key in MFA_ENCRYPTION_KEYS opens a stored two-step verification secret (was a key removed "
            "before manage.py rotate_mfa_keys re-encrypted every authenticator? Put it back at the end of the list)"
        )
        logger.error("MFA secret undecryptable: %s", problem)
        raise MfaSecretUndecryptable(problem) from None


def is_current(token: str) -> bool:
    """Whether the first key (the one that encrypts) opens this value."""
    try:
        _fernets()[0].decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def data_reencrypted(data: dict) -> dict | None:
    """An authenticator's data with every secret encrypted with the first key; None if it already is.

    A clear-text value (an authenticator stored before encryption) is encrypted; a value encrypted with another
    configured key is re-encrypted; a value no key opens raises MfaSecretUndecryptable.
    """
    changed = dict(data)
    dirty = False

    def current(value: str) -> str:
        nonlocal dirty
        if not value.startswith(TOKEN_PREFIX):
            dirty = True
            return encrypt_text(value)
        if is_current(value):
            return value
        dirty = True
        return encrypt_text(decrypt_text(value))

    for name in ENCRYPTED_VALUES:
        if isinstance(changed.get(name), str):
            changed[name] = current(changed[name])
    for name in ENCRYPTED_LISTS:
        if isinstance(changed.get(name), list):
            changed[name] = [current(value) for value in changed[name]]
    return changed if dirty else None


def data_decrypted(data: dict) -> dict:
    """An authenticator's data with its secrets in clear text (the data migration's reverse)."""
    plain = dict(data)
    for name in ENCRYPTED_VALUES:
        if isinstance(plain.get(name), str) and plain[name].startswith(TOKEN_PREFIX):
            plain[name] = decrypt_text(plain[name])
    for name in ENCRYPTED_LISTS:
        if isinstance(plain.get(name), list):
            plain[name] = [decrypt_text(v) if v.startswith(TOKEN_PREFIX) else v for v in plain[name]]
    return plain


class PartnerHubMFAAdapter(DefaultMFAAdapter):
    """allauth's MFA adapter with the secrets it stores encrypted (MFA_ADAPTER)."""

    def encrypt(self, text: str) -> str:
        return encrypt_text(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt_text(encrypted_text)
