"""Row-level security through PgBouncer in transaction pooling: the context never outlives its transaction.

A transaction pool hands one server connection to whichever client starts a transaction next. The tenant
context (partnerhub/core/rls.py) is set with `set_config(…, true)`, transaction-local, so the next client
finds none. These tests start a real PgBouncer (pool_mode=transaction, one server connection) in front of
the test PostgreSQL and connect to it as the app's role, as web workers behind a pooler would; the contrast
shows that a session-level `set_config(…, false)` would leak one tenant's context and rows to the next client.
PgBouncer comes from Debian (`apt-get install pgbouncer`; .ci/run installs it): missing, the tests fail.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from partnerhub.accounts.models import Role
from partnerhub.core import rls
from tests.deploy.support import as_unprivileged, owner_url, tcp_relay
from tests.factories import OrganizationFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("pgbouncer")]

PGBOUNCER_INI = """\
[databases]
* = host=127.0.0.1 port={server_port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {auth_file}
pool_mode = transaction
default_pool_size = 1
min_pool_size = 0
reserve_pool_size = 0
max_client_conn = 20
server_reset_query =
ignore_startup_parameters = extra_float_digits,options
"""


def _pgbouncer() -> str:
    found = shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin:/usr/local/sbin")
    assert found, "pgbouncer is not installed: apt-get install pgbouncer (.ci/run installs it before make test)"
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def pgbouncer_in_transaction_mode() -> Iterator[int]:
    """A PgBouncer with a single server connection in front of the test PostgreSQL; yields its port."""
    executable = _pgbouncer()
    workdir = Path(tempfile.mkdtemp(prefix="partnerhub-pgbouncer-"))
    workdir.chmod(0o755)  # PgBouncer refuses to run as root: it runs as the unprivileged user
    with tcp_relay(owner_url()) as server_port:
        port = _free_port()
        auth_file = workdir / "users.txt"
        auth_file.write_text(f'"{settings.DATABASE_APP_ROLE}" ""\n')
        ini = workdir / "pgbouncer.ini"
        ini.write_text(PGBOUNCER_INI.format(server_port=server_port, port=port, auth_file=auth_file))
        for path in (auth_file, ini):
            path.chmod(0o644)
        process = subprocess.Popen(
            as_unprivileged([executable, str(ini)]), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        try:
            deadline = time.monotonic() + 15
            while True:
                assert process.poll() is None, f"pgbouncer did not start: {process.stdout.read()}"
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
                assert time.monotonic() < deadline, "pgbouncer did not listen within 15 s"
                time.sleep(0.1)
            yield port
        finally:
            process.terminate()
            process.wait(timeout=10)
            shutil.rmtree(workdir, ignore_errors=True)


def _client(port: int) -> psycopg.Connection:
    """A new client of the pooler, as the app's role (the role row-level security applies to)."""
    database = connection.settings_dict["NAME"]
    return psycopg.connect(
        host="127.0.0.1", port=port, dbname=database, user=settings.DATABASE_APP_ROLE, prepare_threshold=None
    )


def _context_statement(member) -> str:
    """The SQL the request middleware runs to set this member's context (rls.set_context), as sent."""
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        rls.set_context(user_id=member.user_id, organization_id=member.organization_id)
    (statement,) = [query["sql"] for query in queries.captured_queries if "set_config" in query["sql"]]
    return statement


def _session_statement(member) -> str:
    """The same context for the whole session (is_local false): what the app must never do in a request."""
    return (
        f"SELECT set_config('{rls.USER}', '{member.user_id}', false),"
        f" set_config('{rls.ORGANIZATION}', '{member.organization_id}', false)"
    )


def _request(port: int, context: str | None = None) -> dict:
    """One request-like transaction of a new client: set a context (if any), read, commit."""
    with _client(port) as client, client.transaction():
        if context is not None:
            client.execute(context)
        backend = client.execute("SELECT pg_backend_pid()").fetchone()[0]
        context = client.execute(f"SELECT current_setting('{rls.ORGANIZATION}', true)").fetchone()[0]
        organizations = {row[0] for row in client.execute("SELECT organization_id FROM accounts_membership")}
    return {"backend": backend, "context": context or "", "organizations": organizations}


@pytest.fixture
def two_tenants(make_member):
    a = make_member(OrganizationFactory(legal_name="Tenant A"), Role.GLOBAL_ADMIN)
    b = make_member(OrganizationFactory(legal_name="Tenant B"), Role.GLOBAL_ADMIN)
    return a, b


def test_transaction_pooling_keeps_each_requests_context_to_its_own_transaction(two_tenants):
    a, b = two_tenants
    with pgbouncer_in_transaction_mode() as port:
        first = _request(port, _context_statement(a))
        between = _request(port)  # another client, no context: an anonymous request
        second = _request(port, _context_statement(b))

    assert first["backend"] == between["backend"] == second["backend"], "the pool did not reuse its one connection"
    assert first["organizations"] == {a.organization_id}
    assert between == {"backend": first["backend"], "context": "", "organizations": set()}
    assert second["organizations"] == {b.organization_id}
    assert second["context"] == str(b.organization_id)


def test_a_session_level_context_would_leak_through_the_pool_to_the_next_client(two_tenants):
    """The contrast: with `set_config(…, false)` the next client, with no context of its own, gets A's."""
    a, _ = two_tenants
    with pgbouncer_in_transaction_mode() as port:
        first = _request(port, _session_statement(a))
        between = _request(port)

    assert between["backend"] == first["backend"]
    assert between["context"] == str(a.organization_id)
    assert between["organizations"] == {a.organization_id}
