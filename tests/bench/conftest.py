"""What bench.settings adds to the settings the harness runs under, on top of the suite's own: the seeding app
(`seed_bench`, the ceiling views and their template) and, for the views, its URL map with /__bench/."""

from __future__ import annotations

import pytest
from django.test import modify_settings, override_settings


@pytest.fixture
def bench_app():
    """`bench.seeding` installed, as bench.settings installs it (no deployment does)."""
    with modify_settings(INSTALLED_APPS={"append": "bench.seeding"}):
        yield


@pytest.fixture
def bench_views(bench_app):
    """bench.settings' URL map: the portal's, with the yardsticks at /__bench/."""
    with override_settings(ROOT_URLCONF="bench.urls"):
        yield
