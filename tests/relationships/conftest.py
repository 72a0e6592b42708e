"""The relationships tests' own set-up: uploaded files go to a temporary folder. Their scenario (an active
provider and its resellers) is shared by every app: tests/scenarios.py and tests/fixtures.py."""

import pytest


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
