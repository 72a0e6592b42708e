"""The security battery's own set-up: a deterministic Hypothesis profile and a temporary media folder. The selling
world of the customer tests and table_snapshot are shared fixtures (tests/fixtures.py)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

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
