"""The harnesses' own checks, quickly: the two-step code they compute is the one allauth accepts, a signed-in
principal must pass the two-step step, and an answer that is not the page asked for is caught, in wrk's
output, in a single response and in the sign-in."""

from __future__ import annotations

import time

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value

from bench.load import client, throughput
from bench.seeding.principals import BENCH_TOTP_SECRET
from tests.conftest import PASSWORD


@pytest.mark.parametrize("counter", [0, 1, 59_000_000, int(time.time()) // 30])
def test_the_harness_computes_the_code_allauth_expects(counter):
    assert client.totp_code(BENCH_TOTP_SECRET, counter) == format_hotp_value(hotp_value(BENCH_TOTP_SECRET, counter))


def test_a_second_sign_in_of_the_same_user_waits_for_the_next_code(monkeypatch):
    clock = {"now": 1_800_000_010.0}
    monkeypatch.setattr(client.time, "time", lambda: clock["now"])
    monkeypatch.setattr(client.time, "sleep", lambda seconds: clock.update(now=clock["now"] + seconds))

    first = client.fresh_totp("twice@bench.example", BENCH_TOTP_SECRET)
    second = client.fresh_totp("twice@bench.example", BENCH_TOTP_SECRET)

    assert first == client.totp_code(BENCH_TOTP_SECRET, 60_000_000)
    assert second == client.totp_code(BENCH_TOTP_SECRET, 60_000_001)  # allauth refuses a code twice per user
    assert clock["now"] >= 1_800_000_030


WRK_OUTPUT = """Running 1s test @ http://127.0.0.1:8000/
  2 threads and 16 connections
  120 requests in 1.00s, 1.2MB read
Requests/sec:    120.00
CHECK thread=0 answered=60 bad=0 first_bad=0 location=
CHECK thread=1 answered=60 bad=60 first_bad=302 location=/accounts/2fa/totp/activate/
"""


def test_redirects_that_wrk_counts_as_successes_are_counted_as_unexpected():
    result = throughput.parse(WRK_OUTPUT)

    assert result.errors == 0  # what wrk itself says: a 302 is fine
    assert result.unexpected == 60
    assert result.first_unexpected == (302, "/accounts/2fa/totp/activate/")


def test_a_redirect_that_is_not_the_page_asked_for_raises_with_url_status_and_location():
    response = client.Response(302, _headers(Location="/accounts/2fa/totp/activate/"), b"")

    with pytest.raises(client.UnexpectedResponse) as raised:
        client.expect(response, "dashboard", "GET", "/")
    assert str(raised.value) == "dashboard: GET / answered 302 → Location: /accounts/2fa/totp/activate/"
    with pytest.raises(client.UnexpectedResponse):
        client.expect(response, "accept", "POST", "/partnership/x/", redirect_to="/partners/providers/")
    accepted = client.Response(302, _headers(Location="/partners/providers/"), b"")
    assert client.expect(accepted, "accept", "POST", "/partnership/x/", redirect_to="/partners/providers/")


def _headers(**values):
    import email.message

    message = email.message.Message()
    for key, value in values.items():
        message[key] = value
    return message


@pytest.fixture
def totp_admin(make_member):
    member = make_member(email="gina@bench-checks.example")
    TOTP.activate(member.user, BENCH_TOTP_SECRET)
    return member


def test_sign_in_passes_the_two_step_step_with_the_seeded_secret_and_not_without(live_server, totp_admin):
    port = int(live_server.url.rsplit(":", 1)[1])
    email = totp_admin.user.email

    with pytest.raises(client.SignInError, match="/accounts/2fa/authenticate/"):
        client.sign_in(port, name="admin", email=email, password=PASSWORD)
    principal = client.sign_in(port, name="admin", email=email, password=PASSWORD, totp_secret=BENCH_TOTP_SECRET)

    assert principal.get(port, "/").status == 200
