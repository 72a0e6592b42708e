"""The customers tests' own set-up: uploaded files go to a temporary folder, and the query-budget and query-plan
tests' `world`. Their scenario (Contoso selling with Fabrikam to Woodgrove) is shared by every app:
tests/scenarios.py and tests/fixtures.py."""

import pytest

from tests.customers.world import world  # noqa: F401 — the query-budget and query-plan tests' fixture


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
