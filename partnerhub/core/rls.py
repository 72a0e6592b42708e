"""PostgreSQL row-level security: the second, fail-closed layer of tenant isolation.

Every tenant table has `ENABLE` and `FORCE ROW LEVEL SECURITY` and a policy (core migration 0002) that
lets a row through only when it belongs to the *context* of the current transaction:

- `partnerhub.user_id`: the signed-in user (their own memberships and notifications);
- `partnerhub.org_id`: the acting organization, honoured only while the user holds a seat in it
  (`partnerhub_org()` checks the membership in SQL, so a wrong id set by the app opens nothing);
- `partnerhub.token_hash`: the SHA-256 of an invitation link being opened (the link is the capability);
- `partnerhub.bypass`: a reason *signed* for this connection, set only by the platform's own work: staff in
  the admin, Celery tasks, management commands, and the ledgers every tenant writes to (audit, outbox,
  notifications). The value is `<reason>:<HMAC-SHA256 hex>` over `reason|backend pid|backend start (µs)`
  with `RLS_CONTEXT_KEY`; `partnerhub_bypass()` (core migration 0004) checks it against the keys stored in
  `partnerhub_private.context_key`, which the app's role cannot read, so SQL run as that role cannot forge
  a bypass, nor replay one read from another connection. The signing and the key rows (`sync_keys()`)
  live in rls_keys.py; `rls` re-exports their names.

Policies are per command (core migration 0004): reads may follow relationships (`partnerhub_related()`),
writes reach only the acting organization's own rows and the few capability paths the app uses.

Requests run in one transaction (`TenantContextMiddleware`) and set their context with
`set_config(…, true)`: transaction-local, so it cannot leak to the next request on a kept-alive or pooled
connection. Without a context a query sees no tenant row at all. The app connects as a role that owns no
table, is not a superuser and has no BYPASSRLS (`DATABASE_URL`); migrations run as the owner
(`DATABASE_OWNER_URL`). README "Tenant isolation" has the whole picture.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from contextvars import ContextVar
from http import HTTPStatus

from django.db import connection, transaction
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.urls import reverse

# The signed bypass and its key rows live in rls_keys; these names are part of `rls` for every caller.
from .rls_keys import BYPASS as BYPASS
from .rls_keys import PRIVATE_SCHEMA as PRIVATE_SCHEMA
from .rls_keys import KeySyncError as KeySyncError
from .rls_keys import _sync_keys_after_migrate as _sync_keys_after_migrate
from .rls_keys import backend_identity
from .rls_keys import context_key as context_key
from .rls_keys import padded_keys as padded_keys
from .rls_keys import sign as sign
from .rls_keys import sync_keys as sync_keys
from .rls_keys import verification_keys as verification_keys

security_log = logging.getLogger("partnerhub.security")

USER = "partnerhub.user_id"
ORGANIZATION = "partnerhub.org_id"
TOKEN = "partnerhub.token_hash"  # noqa: S105 - a setting name, not a secret
SETTINGS = (USER, ORGANIZATION, TOKEN, BYPASS)

# Where the session remembers the organization the user acts for. TenantContextMiddleware reads it before the
# user's seats are loaded; accounts' ActingOrganizationMiddleware and organization switcher write it.
SESSION_KEY = "partnerhub_organization_id"

# One statement each: set all four for the rest of the transaction / for the session; read all four.
_SET_LOCAL = "SELECT " + ", ".join(f"set_config('{name}', %s, true)" for name in SETTINGS)
_SET_SESSION = "SELECT " + ", ".join(f"set_config('{name}', %s, false)" for name in SETTINGS)
_READ = ", ".join(f"current_setting('{name}', true)" for name in SETTINGS)

# The reason of a process- or task-wide system context (Celery tasks, management commands, test set-up),
# applied to the session of every connection the current thread opens.
_system_reason: ContextVar[str] = ContextVar("partnerhub_rls_system", default="")


def _moved(conn, pid: int, reason: str) -> None:
    """Behind a transaction pooler a client's transactions may run on another server connection than the one
    the identity was fetched on: the signature just set was made for the wrong backend. Sign again for this
    one (the driver's connection, outside the query log; never taken on a direct connection)."""
    if pid != backend_identity(conn)[0]:
        backend_identity(conn, refresh=True)
        conn.connection.execute("SELECT set_config(%s, %s, true)", [BYPASS, sign(reason, conn)])


def _values(*, user_id=None, organization_id=None, token_hash="", bypass="", conn=None) -> list[str]:
    return ["" if user_id is None else str(user_id), "" if organization_id is None else str(organization_id),
            token_hash or "", sign(bypass, conn)]  # fmt: skip


def set_context(*, user_id=None, organization_id=None, token_hash="", bypass="") -> None:
    """Set the whole context for the rest of this transaction (one statement); a bypass reason is signed."""
    values = _values(user_id=user_id, organization_id=organization_id, token_hash=token_hash, bypass=bypass)
    with connection.cursor() as cursor:
        if not bypass:
            cursor.execute(_SET_LOCAL, values)
            return
        cursor.execute(f"{_SET_LOCAL}, pg_backend_pid()", values)
        pid = cursor.fetchone()[-1]
    _moved(connection, pid, bypass)


def set_value(name: str, value) -> None:
    """Change one part of the context for the rest of this transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("A row-level security context lasts one transaction: set it inside one.")
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, true)", [name, "" if value is None else str(value)])


@contextlib.contextmanager
def elevated(reason: str) -> Iterator[None]:
    """Platform work inside a request: see and write every tenant's rows until the block ends.

    For the platform's own ledgers (audit, outbox, notifications) and the few steps that create a tenant or
    check a global registry. Opens a transaction if there is none, so the bypass is transaction-local."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT current_setting('{BYPASS}', true), set_config('{BYPASS}', %s, true), pg_backend_pid()",
                [sign(reason)],
            )
            previous, _, pid = cursor.fetchone()
            previous = previous or ""
        _moved(connection, pid, reason)
        try:
            yield
        finally:
            if not connection.needs_rollback:
                set_value(BYPASS, previous)


def _apply_session(conn, reason: str) -> None:
    """A session-level context for one open connection: the platform's, with this reason, or none ("").

    On the driver's connection, outside Django's query log: only system contexts and tests take this path."""
    if conn.connection is None or conn.connection.closed or conn.needs_rollback:
        return
    conn.connection.execute(_SET_SESSION, _values(bypass=reason, conn=conn))


@contextlib.contextmanager
def system(reason: str) -> Iterator[None]:
    """Run the block (a Celery task, a management command, test set-up) as the platform itself.

    The reason is logged and stays on the session of this thread's connection until the block ends;
    requests never use this: they set transaction-local context."""
    token = _system_reason.set(reason)
    security_log.debug("system context entered: %s", reason)
    _apply_session(connection, reason)
    try:
        yield
    finally:
        _system_reason.reset(token)
        _apply_session(connection, _system_reason.get())


def enter_system(reason: str):
    """`system()` for callers that cannot use a with-block (Celery's prerun/postrun signals)."""
    manager = system(reason)
    manager.__enter__()
    return manager


@receiver(connection_created)
def _connection_created(sender, connection, **kwargs) -> None:
    if connection.vendor != "postgresql":
        return
    backend_identity(connection, refresh=True)  # once per connection, before anything is signed for it
    # No JIT compilation on the app's connections. The policies' subplans are priced by the size of the whole
    # platform, so at 10x a 25-row list's estimate (550,000) passes jit_above_cost and jit_optimize_above_cost,
    # and PostgreSQL compiled 383 functions for it: 1,762 ms of a 1,777 ms query, 5.9 ms without JIT (EXPLAIN
    # ANALYZE as the app role on make bench's 10x world). Our queries are short; compiling never pays.
    connection.connection.execute("SET jit = off")
    reason = _system_reason.get()
    if reason:
        _apply_session(connection, reason)


def _admin_prefix() -> str:
    return reverse("admin:index")


class TenantContextMiddleware:
    """Runs each signed-in request in one transaction and sets its row-level security context first.

    The signed-in user and the organization the session claims are set here (one query); the
    ActingOrganizationMiddleware after it corrects the organization if the claim was stale. Staff in the
    admin get a bypass, written to the security log with who, what and where. Anonymous requests get no
    context, hence no tenant row, and no transaction: the invitation-link views open their own
    (`link_view`), the only anonymous pages that read tenant data.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        ambient = _system_reason.get()
        if ambient:  # test code's platform context must not reach the request it makes
            _suspend_system()
        try:
            if not request.user.is_authenticated:
                return self.get_response(request)
            # savepoint=False: inside a test's transaction a savepoint would add two statements to every
            # page's pinned query count; production opens the transaction here.
            nested = connection.in_atomic_block  # only inside a test's transaction
            with transaction.atomic(savepoint=False):
                if nested:
                    _raw("SAVEPOINT partnerhub_request")
                self._set_context(request)
                response = self.get_response(request)
                if response.status_code >= HTTPStatus.INTERNAL_SERVER_ERROR:  # the view failed: keep none of its writes
                    if nested:
                        _raw("ROLLBACK TO SAVEPOINT partnerhub_request")
                        transaction.set_rollback(False)
                    else:
                        transaction.set_rollback(True)
                elif nested and not connection.needs_rollback:
                    _raw("RELEASE SAVEPOINT partnerhub_request")
            if response.streaming:  # its rows are read after this transaction: give them one of their own
                response.streaming_content = _streamed_in_context(
                    response.streaming_content, user_id=request.user.pk, organization_id=request.rls_organization_id
                )
            return response
        finally:
            if ambient:
                _resume_system(ambient)

    @staticmethod
    def _set_context(request) -> None:
        user = request.user
        bypass = ""
        if user.is_staff and request.path.startswith(_admin_prefix()):
            bypass = f"staff:{user.pk}"
            security_log.info("staff row-level security bypass: user=%s %s %s", user.pk, request.method, request.path)
        claimed = request.session.get(SESSION_KEY)
        set_context(user_id=user.pk, organization_id=claimed, bypass=bypass)
        request.rls_organization_id = claimed


def _raw(sql: str) -> None:
    """A statement on the driver's connection, outside Django's query log: the savepoint a request gets
    inside a test's own transaction, which production (the request's transaction is the outermost) never
    runs, so that the pinned query counts of pages are the production counts."""
    connection.connection.execute(sql)


def _streamed_in_context(chunks, *, user_id, organization_id):
    """A streaming response's body (a CSV export) read in its own transaction with the request's context."""
    ambient = _system_reason.get()
    if ambient:
        _suspend_system()
    try:
        with transaction.atomic(savepoint=False):
            set_context(user_id=user_id, organization_id=organization_id)
            yield from chunks
    finally:
        if ambient:
            _resume_system(ambient)


def _suspend_system() -> None:
    """Tests only: a request made from test code starts with no context, as in production."""
    _system_reason.set("")
    _apply_session(connection, "")


def _resume_system(reason: str) -> None:
    _system_reason.set(reason)
    _apply_session(connection, reason)


def link_view(view):
    """For the views an invitation or verification link opens, signed in or not: one transaction, so
    the capability the link's lookup sets (`set_token`) holds for the whole request."""
    return transaction.atomic(savepoint=False)(view)  # no savepoint inside a test's transaction either


def set_acting_organization(request, organization_id) -> None:
    """Point the context at the organization the user acts for, if the session's claim was not it."""
    if getattr(request, "rls_organization_id", None) != organization_id and connection.in_atomic_block:
        set_value(ORGANIZATION, organization_id)
        request.rls_organization_id = organization_id


def set_token(token_hash: str) -> None:
    """Let this transaction see the invitation whose link is being opened (and nothing else by it)."""
    set_value(TOKEN, token_hash)


# --- Celery: every task runs as the platform, under its own name ----------------------------------------


def _task_started(task_id=None, task=None, **kwargs) -> None:
    task.request.rls_context = enter_system(f"task:{task.name}")


def _task_finished(task_id=None, task=None, **kwargs) -> None:
    manager = getattr(task.request, "rls_context", None)
    if manager is not None:
        task.request.rls_context = None
        manager.__exit__(None, None, None)


def connect_celery_signals() -> None:
    from celery.signals import task_postrun, task_prerun

    task_prerun.connect(_task_started, weak=False, dispatch_uid="partnerhub.rls.task_prerun")
    task_postrun.connect(_task_finished, weak=False, dispatch_uid="partnerhub.rls.task_postrun")


@contextlib.contextmanager
def acting_as(*, user, organization) -> Iterator[None]:
    """A request's context outside a request: `user` acting for `organization`, until the block ends.

    For code that calls the services the way a view would: the sign-in step, a shell. What the
    transaction had before comes back at the end (test code calling `force_login` keeps its own)."""
    values = _values(user_id=user.pk, organization_id=organization.pk if organization is not None else None)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {_READ}, {_SET_LOCAL.removeprefix('SELECT ')}", values)
            previous = [value or "" for value in cursor.fetchone()[: len(SETTINGS)]]
        try:
            yield
        finally:
            if not connection.needs_rollback:
                with connection.cursor() as cursor:
                    cursor.execute(_SET_LOCAL, previous)
