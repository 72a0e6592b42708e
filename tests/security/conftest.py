"""Fixtures of the security battery: a deterministic Hypothesis profile, the selling world of the customer
tests, and a snapshot of every project table (to prove that a rejected request wrote nothing)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import connection
from hypothesis import HealthCheck, settings

from tests.customers.conftest import customer, make_customer, mca, offers, seller  # noqa: F401
from tests.relationships.conftest import active_provider, make_reseller, mpa, staff  # noqa: F401

# Deterministic in CI: the same examples on every run, no example database, no per-example deadline (a
# request's time depends on the shared machine). The function-scoped fixtures (a world built once per test)
# are shared by all examples on purpose: each example runs in a savepoint that is rolled back.
settings.register_profile(
    "security",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=False,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("security")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _snapshot_sql() -> str:
    """One statement: a hash of every row of every project table (sessions excepted: a request may save one)."""
    tables = sorted(
        {model._meta.db_table for model in apps.get_models(include_auto_created=True) if model is not Session}
    )
    quote = connection.ops.quote_name
    return " UNION ALL ".join(
        f"SELECT '{table}', count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
        f"FROM {quote(table)} t"
        for table in tables
    )


@pytest.fixture
def table_snapshot(db):
    """table_snapshot() -> {table: (rows, hash)} of every project table, in one query."""
    sql = _snapshot_sql()

    def take() -> dict[str, tuple[int, str]]:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return {table: (count, digest) for table, count, digest in cursor.fetchall()}

    return take
