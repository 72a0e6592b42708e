"""The agreements tests' own set-up: uploaded files go to a temporary folder. Their scenario (an enrolment ready
to sign, the partner agreement) is shared by every app: tests/scenarios.py and tests/fixtures.py."""

import pytest


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
