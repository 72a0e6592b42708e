"""allauth's re-authentication window (ACCOUNT_REAUTHENTICATION_TIMEOUT): a sign-in counts as a recent
authentication, and the window still closes."""

from datetime import timedelta

import pytest
from django.utils import timezone

PASSWORD = "correct-horse-battery"
ACTIVATE = "/accounts/2fa/totp/activate/"


@pytest.fixture
def signed_in(client, admin_member):
    client.post("/accounts/login/", {"login": admin_member.user.email, "password": PASSWORD})
    return client


def test_two_step_setup_right_after_sign_in_shows_the_setup(signed_in):
    response = signed_in.get(ACTIVATE)

    assert response.status_code == 200
    assert "mfa.totp.secret" in signed_in.session


def test_past_the_window_the_password_is_asked_again_then_the_setup_opens(signed_in, settings, time_machine):
    time_machine.move_to(timezone.now() + timedelta(seconds=settings.ACCOUNT_REAUTHENTICATION_TIMEOUT + 1))

    stale = signed_in.get(ACTIVATE)
    signed_in.post("/accounts/reauthenticate/", {"password": PASSWORD})

    assert stale["Location"].startswith("/accounts/reauthenticate/")
    assert signed_in.get(ACTIVATE).status_code == 200
