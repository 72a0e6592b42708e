"""The security battery's own set-up: a temporary media folder. The selling
world of the customer tests and table_snapshot are shared fixtures (tests/fixtures.py)."""

from __future__ import annotations

import pytest

# The deterministic Hypothesis profile (the same examples every run) is the whole suite's: tests/conftest.py.


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
