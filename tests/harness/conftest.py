"""The harnesses' smoke runs: each serves a copy of this worker's migrated test database from the suite's own
PostgreSQL, as its owner (migrations and seed) and as the app's role (the servers), through row-level security."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _on(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


@pytest.fixture
def scratch_database(django_db_setup, django_db_blocker, request):
    """A migrated, empty database for a harness, owned like production's: a `CREATE DATABASE … TEMPLATE` copy of
    this worker's test database (migrating a fresh one takes half a minute here), without the two grants the
    suite gives the app role for its own flushing (tests/conftest.py): the harness's app role gets exactly what
    the migrations grant. Yields the owner's URL; dropped afterwards."""
    import psycopg
    from django.conf import settings
    from django.db import connections

    owner = os.environ.get("DATABASE_OWNER_URL")
    if not owner:
        pytest.fail(
            "the harness smoke runs need DATABASE_OWNER_URL (run it under partnerhub/embedded.py, as make test)"
        )
    template = connections["default"].settings_dict["NAME"]
    name = f"harness_{request.node.name[:30]}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}".lower()
    with django_db_blocker.unblock():
        connections.close_all()
    with psycopg.connect(_on(owner, "postgres"), autocommit=True) as conn:
        # This worker's own test database: only this process uses it, and it has just closed its connections;
        # a live-server or worker thread of an earlier test may have left one behind.
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [template],
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    role = settings.DATABASE_APP_ROLE
    with psycopg.connect(_on(owner, name), autocommit=True) as conn:
        conn.execute(f'REVOKE TRUNCATE ON ALL TABLES IN SCHEMA public FROM "{role}"')
        conn.execute(f'REVOKE UPDATE ON ALL SEQUENCES IN SCHEMA public FROM "{role}"')
    try:
        yield _on(owner, name)
    finally:
        with psycopg.connect(_on(owner, "postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def harness_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment a harness is started with: its own Redis (REDIS_URL unset), the test settings' key (what
    the test database was migrated under), logs and data under tmp_path."""
    from django.conf import settings

    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env |= {"HARNESS_SECRET_KEY": settings.SECRET_KEY, "PYTHONUNBUFFERED": "1"}
    return env | extra


def run_harness(argv: list[str], env: dict[str, str], log: Path, timeout: float) -> subprocess.CompletedProcess:
    """The harness's own command line, as `make bench` / `make chaos` run it; its output kept for the failure."""
    with log.open("w") as out:
        done = subprocess.run(  # noqa: S603 - our own scripts
            [sys.executable, *argv], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=timeout,
            check=False,
        )  # fmt: skip
    return done
