"""TOTP secrets and recovery-code seeds are encrypted at rest (partnerhub/accounts/mfa_adapter.py).

What a reader of `mfa_authenticator` gets (raw SQL, as an attacker with the app's database role would read it)
is compared with what the user's authenticator app holds: the secret shown on the set-up page."""

import importlib
import re
from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from partnerhub.accounts.mfa_adapter import MfaSecretUndecryptable, derived_key
from partnerhub.core import rls

PASSWORD = "correct-horse-battery"
OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def _totp(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(timezone.now().timestamp()) // 30))


def _enrol(client, user) -> tuple[str, list[str]]:
    """Set up an authenticator app as the user does; the secret the app gets and the recovery codes shown."""
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    page = client.get("/accounts/2fa/totp/activate/").content.decode()
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', page) or re.search(
        r'value="([A-Z2-7]{16,})"[^>]*id="authenticator_secret"', page
    )
    assert secret, "the set-up page shows the secret to type into an authenticator app"
    secret = secret.group(1)
    assert client.post("/accounts/2fa/totp/activate/", {"code": _totp(secret)}).status_code == 302
    codes_page = client.get("/accounts/2fa/recovery-codes/").content.decode()
    codes = RecoveryCodes(Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES))
    shown = [code for code in codes.get_unused_codes() if code in codes_page]
    assert len(shown) == 10, "the recovery codes page lists ten codes"
    client.post("/accounts/logout/")
    return secret, shown


def _stored(user) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT type, data::text FROM mfa_authenticator WHERE user_id = %s ORDER BY type", [user.pk])
        return cursor.fetchall()


def _sign_in(client, user, code: str):
    step = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert step["Location"] == "/accounts/2fa/authenticate/"
    return client.post("/accounts/2fa/authenticate/", {"code": code})


def _signed_in(client, user) -> bool:
    return client.session.get("_auth_user_id") == str(user.pk)


@pytest.fixture
def keys(settings):
    settings.MFA_ENCRYPTION_KEYS = [OLD_KEY]
    return settings


def test_the_database_holds_neither_the_totp_secret_nor_the_recovery_seed_in_clear(client, admin_member, keys):
    user = admin_member.user
    secret, codes = _enrol(client, user)

    rows = dict(_stored(user))
    assert set(rows) == {"totp", "recovery_codes"}
    for data in rows.values():
        assert secret not in data
        assert secret.lower() not in data.lower()
        assert not re.search(r'"seed": "[0-9a-f]{80}"', data)  # allauth's seed is 40 random bytes in hex
        assert not any(code in data for code in codes)
    assert re.search(r'"secret": "gAAAAA[\w-]+=*"', rows["totp"])  # a Fernet token
    assert re.search(r'"seed": "gAAAAA[\w-]+=*"', rows["recovery_codes"])


def test_sign_in_with_the_authenticator_app_and_with_a_recovery_code(client, admin_member, keys, time_machine):
    user = admin_member.user
    secret, codes = _enrol(client, user)
    time_machine.move_to(timezone.now() + timedelta(seconds=60))

    wrong = _sign_in(client, user, "000000" if _totp(secret) != "000000" else "111111")
    assert not _signed_in(client, user)
    assert wrong.status_code == 200
    client.post("/accounts/2fa/authenticate/", {"code": _totp(secret)})
    assert _signed_in(client, user)

    client.post("/accounts/logout/")
    _sign_in(client, user, codes[0])
    assert _signed_in(client, user)
    client.post("/accounts/logout/")
    _sign_in(client, user, codes[0])  # a recovery code works once
    assert not _signed_in(client, user)


def test_rotation_re_encrypts_every_row_and_sign_in_works_without_the_old_key(
    client, admin_member, keys, time_machine, capsys
):
    user = admin_member.user
    secret, codes = _enrol(client, user)
    before = dict(_stored(user))

    keys.MFA_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    call_command("rotate_mfa_keys")
    assert "2 of 2 authenticators re-encrypted" in capsys.readouterr().out
    after = dict(_stored(user))
    assert all(after[kind] != before[kind] for kind in before)
    call_command("rotate_mfa_keys")  # idempotent: nothing left to do
    assert "0 of 2 authenticators re-encrypted" in capsys.readouterr().out
    assert dict(_stored(user)) == after

    keys.MFA_ENCRYPTION_KEYS = [NEW_KEY]  # the old key is gone
    time_machine.move_to(timezone.now() + timedelta(seconds=60))
    _sign_in(client, user, _totp(secret))
    assert _signed_in(client, user)
    client.post("/accounts/logout/")
    _sign_in(client, user, codes[3])
    assert _signed_in(client, user)


def test_a_removed_key_stops_the_sign_in_with_a_clear_error(client, admin_member, keys, time_machine):
    user = admin_member.user
    secret, _codes = _enrol(client, user)
    keys.MFA_ENCRYPTION_KEYS = [NEW_KEY]  # OLD_KEY removed before any rotation
    time_machine.move_to(timezone.now() + timedelta(seconds=60))

    with pytest.raises(MfaSecretUndecryptable, match="no key in MFA_ENCRYPTION_KEYS opens"):
        _sign_in(client, user, _totp(secret))
    assert not _signed_in(client, user)
    with pytest.raises(CommandError, match=f"user {user.pk}.*no key in MFA_ENCRYPTION_KEYS opens"):
        call_command("rotate_mfa_keys")
    keys.MFA_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]  # put back: everything works again
    client.post("/accounts/2fa/authenticate/", {"code": _totp(secret)})
    assert _signed_in(client, user)


def test_a_malformed_key_is_named_in_the_error(client, admin_member, keys):
    keys.MFA_ENCRYPTION_KEYS = [NEW_KEY, "not-a-fernet-key"]

    with pytest.raises(Exception, match="MFA_ENCRYPTION_KEYS: key 2 is not a Fernet key"):
        _enrol(client, admin_member.user)
    assert not Authenticator.objects.filter(user=admin_member.user).exists()


def test_without_configured_keys_the_key_is_derived_from_secret_key(client, admin_member, settings, time_machine):
    settings.MFA_ENCRYPTION_KEYS = []
    user = admin_member.user
    secret, _codes = _enrol(client, user)
    stored = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"]
    assert Fernet(derived_key(settings.SECRET_KEY)).decrypt(stored.encode()).decode() == secret

    # SECRET_KEY rotated the Django way (old one in SECRET_KEY_FALLBACKS): the secrets still open. (The
    # row-level security key the database holds stays as it was: a deployment pins RLS_CONTEXT_KEY or runs
    # rls_sync_keys as the owner when SECRET_KEY changes, README "Tenant isolation".)
    settings.RLS_CONTEXT_KEY = rls.context_key().decode()
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-brand-new-secret-key-for-this-test-0123456789-abcdefghijklmnop"
    time_machine.move_to(timezone.now() + timedelta(seconds=60))
    _sign_in(client, user, _totp(secret))
    assert _signed_in(client, user)


def test_the_migration_encrypts_clear_rows_and_its_reverse_restores_them(admin_member, keys):
    """Rows stored before this release (allauth's default adapter kept them in clear)."""
    migration = importlib.import_module("partnerhub.accounts.migrations.0005_encrypt_mfa_secrets")
    user = admin_member.user
    secret, seed = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "ab" * 40
    Authenticator.objects.bulk_create(
        [
            Authenticator(user=user, type=Authenticator.Type.TOTP, data={"secret": secret}),
            Authenticator(user=user, type=Authenticator.Type.RECOVERY_CODES, data={"seed": seed, "used_mask": 5}),
        ]
    )

    migration.encrypt_secrets(apps, None)
    stored = dict(_stored(user))
    assert secret not in stored["totp"]
    assert seed not in stored["recovery_codes"]
    codes = RecoveryCodes(Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES))
    assert codes.validate_code(codes.generate_codes()[1])  # the same codes as before, still usable
    assert not codes.validate_code(codes.generate_codes()[0])  # and still used where they were (mask 5)
    once = _stored(user)
    migration.encrypt_secrets(apps, None)  # run twice: not encrypted twice
    assert _stored(user) == once

    migration.decrypt_secrets(apps, None)
    assert Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data == {"secret": secret}
    assert Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES).data["seed"] == seed


def test_a_secret_written_in_clear_behind_allauths_back_is_refused_not_accepted(client, admin_member, keys):
    user = admin_member.user
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": secret})

    with pytest.raises(MfaSecretUndecryptable, match="stored in clear text"):
        _sign_in(client, user, _totp(secret))
    assert not _signed_in(client, user)
    call_command("rotate_mfa_keys")  # encrypts it; then it works
    client.post("/accounts/2fa/authenticate/", {"code": _totp(secret)})
    assert _signed_in(client, user)
