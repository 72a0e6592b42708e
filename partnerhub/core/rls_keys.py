"""The signed bypass of row-level security: the key the app signs with, the signature (bound to one
backend connection), and the key rows the database verifies it against (`partnerhub_private.context_key`).

The value of `partnerhub.bypass` is `<reason>:<HMAC-SHA256 hex>` over `reason|backend pid|backend start (µs)`
with `RLS_CONTEXT_KEY`; `partnerhub_bypass()` (core migration 0004) checks it against the stored keys, which
the app's role cannot read. partnerhub/core/rls.py sets the context that carries it; callers use both through
`rls` (`rls.sign`, `rls.sync_keys`, …).
"""

from __future__ import annotations

import hashlib
import hmac
import logging

from django.conf import settings
from django.db import connection, connections, transaction

security_log = logging.getLogger("partnerhub.security")

BYPASS = "partnerhub.bypass"  # the setting the signed value goes in (see rls.py for the whole context)

# This backend's identity: what a signature is bound to, so that one read from another connection (in
# pg_stat_activity's query text, a log) verifies nowhere else. The start time in microseconds since the epoch,
# computed by PostgreSQL exactly as partnerhub_bypass() computes it.
_IDENTITY_SQL = (
    "SELECT pg_backend_pid(), (extract(epoch FROM a.backend_start) * 1000000)::bigint"
    " FROM pg_stat_get_activity(pg_backend_pid()) a"
)
_KEY_SALT = "partnerhub.core.rls.context-key"
_HMAC_BLOCK = 64  # SHA-256's block size


def context_key() -> bytes:
    """The key the app signs with: RLS_CONTEXT_KEY, or one derived from SECRET_KEY (no new required secret)."""
    from django.utils.crypto import salted_hmac

    configured = getattr(settings, "RLS_CONTEXT_KEY", "")
    if configured:
        return configured.encode()
    return salted_hmac(_KEY_SALT, "bypass", algorithm="sha256").hexdigest().encode()


def verification_keys() -> list[bytes]:
    """Every key the database should accept: the current one first, then RLS_CONTEXT_KEYS_FALLBACK."""
    keys = [context_key()]
    for fallback in getattr(settings, "RLS_CONTEXT_KEYS_FALLBACK", []):
        if fallback and fallback.encode() not in keys:
            keys.append(fallback.encode())
    return keys


def padded_keys(key: bytes) -> tuple[bytes, bytes]:
    """HMAC's inner and outer padded keys (RFC 2104): hmac = sha256(k_opad || sha256(k_ipad || message))."""
    if len(key) > _HMAC_BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_HMAC_BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def backend_identity(conn, *, refresh: bool = False) -> tuple[int, int]:
    """(pid, backend start µs) of the wrapper's open connection: fetched once per connection, on the
    driver's connection (outside Django's query log), cached on the wrapper."""
    identity = getattr(conn, "_partnerhub_identity", None)
    if identity is None or refresh or identity[0] != id(conn.connection):
        row = conn.connection.execute(_IDENTITY_SQL).fetchone()
        identity = (id(conn.connection), (int(row[0]), int(row[1])))
        conn._partnerhub_identity = identity
    return identity[1]


def sign(reason: str, conn=None) -> str:
    """The bypass value for `reason` on this connection: `<reason>:<signature>`; "" stays ""."""
    if not reason:
        return ""
    conn = conn or connection
    if conn.connection is None:
        conn.ensure_connection()
    pid, started = backend_identity(conn)
    signature = hmac.new(context_key(), f"{reason}|{pid}|{started}".encode(), hashlib.sha256).hexdigest()
    return f"{reason}:{signature}"


# --- the key rows: written as the owner of partnerhub_private (after migrate, and by rls_sync_keys) ----------

PRIVATE_SCHEMA = "partnerhub_private"


class KeySyncError(RuntimeError):
    pass


def sync_keys(using: str = "default", *, check: bool = True) -> int | None:
    """Make `partnerhub_private.context_key` hold exactly the keys of verification_keys(); return how many.

    Must run as the owner (migrate, `manage.py rls_sync_keys` with DATABASE_OWNER_URL). Returns None, doing
    nothing, where the schema does not exist yet or this role does not own it (the app's role: a test's
    flush sends post_migrate too). With `check`, proves the result: a value signed for this connection must
    verify in partnerhub_bypass(), a forged one must not."""
    conn = connections[using]
    if conn.vendor != "postgresql":
        return None
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_namespace"
            " WHERE nspname = %s AND pg_has_role(current_user, nspowner, 'USAGE'))",
            [PRIVATE_SCHEMA],
        )
        if not cursor.fetchone()[0]:
            return None
    keys = [padded_keys(key) for key in verification_keys()]
    with transaction.atomic(using=using), conn.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {PRIVATE_SCHEMA}.context_key IN EXCLUSIVE MODE")
        cursor.execute(
            f"DELETE FROM {PRIVATE_SCHEMA}.context_key WHERE NOT (k_ipad = ANY(%s))",  # noqa: S608 - a constant
            [[k[0] for k in keys]],
        )
        for ipad, opad in keys:
            cursor.execute(
                f"INSERT INTO {PRIVATE_SCHEMA}.context_key (k_ipad, k_opad) VALUES (%s, %s) ON CONFLICT (k_ipad) DO NOTHING",  # noqa: S608, E501
                [ipad, opad],
            )
    if check:
        with transaction.atomic(using=using), conn.cursor() as cursor:
            cursor.execute(f"SELECT set_config('{BYPASS}', %s, true), partnerhub_bypass()", [sign("rls:check", conn)])
            signed_ok = cursor.fetchone()[1]
            cursor.execute(f"SELECT set_config('{BYPASS}', 'rls:check', true), partnerhub_bypass()")
            forged_ok = cursor.fetchone()[1]
            cursor.execute(f"SELECT set_config('{BYPASS}', '', true)")
        if not signed_ok or forged_ok:
            raise KeySyncError(
                "partnerhub_bypass() does not verify this app's signature: is migrate running as the owner "
                "(superuser, or a role that may read pg_stat_activity of the app's role)?"
            )
    security_log.info("row-level security context keys synchronised: %s key(s)", len(keys))
    return len(keys)


def _sync_keys_after_migrate(sender, using="default", **kwargs) -> None:
    sync_keys(using)
