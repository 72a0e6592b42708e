"""Sign-in limits an attacker can't turn against the owner (issue 15; docs/sign-in-limits.md).

Wrong passwords count per address+account with a stepped backoff; the wider counters (per address, per
account) only count accounts that never signed in from that address. Real Redis cache, the test client
with REMOTE_ADDR, the clock held by time-machine (no sleeps)."""

from __future__ import annotations

import html
import re
import time
from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.test import Client
from django.utils import timezone

from partnerhub.accounts.models import Role
from partnerhub.core.models import OutboundEmail
from tests.factories import UserFactory
from tests.redis_cache import redis_cache  # noqa: F401 (fixture)

PASSWORD = "correct-horse-battery"
LOGIN = "/accounts/login/"
TWO_STEP = "/accounts/2fa/authenticate/"
ATTACKER_IP = "203.0.113.66"
OWNER_IP = "198.51.100.7"
OFFICE_IP = "192.0.2.10"


def _sign_in(client: Client, email: str, password: str = PASSWORD, ip: str = OWNER_IP):
    return client.post(LOGIN, {"login": email, "password": password}, REMOTE_ADDR=ip)


def _totp(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def _home(client: Client, ip: str) -> int:
    """What the user sees at / : 200 when signed in (else a redirect to sign-in or the two-step page)."""
    return client.get("/", REMOTE_ADDR=ip).status_code


@pytest.fixture
def clock(time_machine):
    """Held still at the start of a UTC day, so every window of the limits starts with the test."""
    start = (timezone.now() + timedelta(days=1)).replace(hour=0, minute=0, second=1, microsecond=0)
    time_machine.move_to(start, tick=False)
    return time_machine


@pytest.fixture
def alice(settings, make_member, provider, redis_cache):  # noqa: F811
    """A Global admin with an authenticator app, as the owners in question are."""
    settings.MFA_REQUIRED_FOR_ADMINS = True
    user = make_member(provider, Role.GLOBAL_ADMIN, email="alice@contoso.example").user
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    user.totp_secret = secret
    return user


@pytest.fixture
def bob(make_member, provider):
    return make_member(provider, Role.SALES_AGENT, email="bob@contoso.example").user


def _refused(response) -> None:
    """The 429 page: what was limited, when to try again, and Retry-After."""
    assert response.status_code == 429
    page = html.unescape(response.content.decode())
    assert "You've reached the limit for sign-in attempts. Nothing was changed or sent." in page
    assert re.search(r"Try again in \d+ (seconds|minutes|hours)", page)
    assert 1 <= int(response["Retry-After"]) <= 24 * 3600


def _sign_in_with_code(client: Client, user, ip: str) -> None:
    step = _sign_in(client, user.email, ip=ip)
    assert step.status_code == 302
    assert step["Location"] == TWO_STEP
    client.post(TWO_STEP, {"code": _totp(user.totp_secret)}, REMOTE_ADDR=ip)


# (a) and (c): one attacker, one address.


def test_fifty_wrong_passwords_from_one_address_are_refused_while_the_owner_signs_in_with_her_code(alice, clock):
    attacker = Client()
    first = [_sign_in(attacker, alice.email, "wrong-password", ip=ATTACKER_IP) for _ in range(25)]

    owner = Client()
    _sign_in_with_code(owner, alice, OWNER_IP)
    assert _home(owner, OWNER_IP) == 200

    rest = [_sign_in(attacker, alice.email, "wrong-password", ip=ATTACKER_IP) for _ in range(25)]
    statuses = [response.status_code for response in first + rest]
    assert statuses[:5] == [200] * 5  # "The email address and/or password you specified are not correct."
    assert set(statuses[5:]) == {429}
    _refused(rest[-1])
    assert int(rest[-1]["Retry-After"]) == 299  # the rest of the 5-minute step
    assert _home(attacker, ATTACKER_IP) == 302  # never signed in


def test_the_attackers_guessing_backs_off_five_ten_twenty_a_day(alice, clock):
    attacker = Client()

    def tries(count: int) -> list[int]:
        return [_sign_in(attacker, alice.email, "wrong-password", ip=ATTACKER_IP).status_code for _ in range(count)]

    assert tries(8) == [200] * 5 + [429] * 3
    clock.shift(timedelta(minutes=5))
    assert tries(8) == [200] * 5 + [429] * 3  # 10 this hour: now the hour
    response = _sign_in(attacker, alice.email, "wrong-password", ip=ATTACKER_IP)
    _refused(response)
    assert 3000 < int(response["Retry-After"]) <= 3600 - 300
    for _hour in range(2):
        clock.shift(timedelta(hours=1))
        assert tries(12) == [200] * 5 + [429] * 7  # the 5-minute step again inside each hour
    clock.shift(timedelta(minutes=5))
    assert tries(6) == [429] * 6  # 20 failures today: until tomorrow
    assert int(_sign_in(attacker, alice.email, "x", ip=ATTACKER_IP)["Retry-After"]) > 20 * 3600


def test_the_right_password_is_refused_too_once_the_address_is_throttled_so_guessing_stays_bounded(alice, clock):
    attacker = Client()
    for _ in range(5):
        _sign_in(attacker, alice.email, "wrong-password", ip=ATTACKER_IP)

    response = _sign_in(attacker, alice.email, PASSWORD, ip=ATTACKER_IP)

    _refused(response)
    assert TWO_STEP not in response.get("Location", "")


# (d) the right password from the attacker's address still asks for the code.


def test_a_right_password_from_the_attackers_address_still_needs_the_two_step_code(alice, clock):
    attacker = Client()
    for _ in range(4):
        _sign_in(attacker, alice.email, "wrong-password", ip=ATTACKER_IP)

    step = _sign_in(attacker, alice.email, PASSWORD, ip=ATTACKER_IP)
    assert step.status_code == 302
    assert step["Location"] == TWO_STEP
    assert _home(attacker, ATTACKER_IP) == 302
    wrong = attacker.post(TWO_STEP, {"code": "000000"}, REMOTE_ADDR=ATTACKER_IP)
    assert wrong.status_code == 200
    assert _home(attacker, ATTACKER_IP) == 302  # still not in


def test_wrong_two_step_codes_are_limited_per_account(alice, clock):
    attacker = Client()
    _sign_in(attacker, alice.email, ip=ATTACKER_IP)
    pages = [attacker.post(TWO_STEP, {"code": "000000"}, REMOTE_ADDR=ATTACKER_IP) for _ in range(6)]

    assert "Incorrect code." in pages[0].content.decode()
    assert "Too many failed login attempts" in pages[5].content.decode()
    right = attacker.post(TWO_STEP, {"code": _totp(alice.totp_secret)}, REMOTE_ADDR=ATTACKER_IP)
    assert "Too many failed login attempts" in right.content.decode()  # 6 digits can't be walked
    assert _home(attacker, ATTACKER_IP) == 302


# (b) an office behind one address.


def test_thirty_failures_for_alice_from_the_office_leave_bob_at_the_same_address_signing_in(alice, bob, clock):
    attacker = Client()
    statuses = [_sign_in(attacker, alice.email, "wrong-password", ip=OFFICE_IP).status_code for _ in range(30)]
    assert set(statuses[5:]) == {429}

    colleague = Client()
    assert _sign_in(colleague, bob.email, ip=OFFICE_IP).status_code == 302
    assert _home(colleague, OFFICE_IP) == 200


def test_credential_stuffing_from_one_address_stops_after_thirty_accounts_but_not_its_known_users(bob, clock):
    colleague = Client()
    assert _sign_in(colleague, bob.email, ip=OFFICE_IP).status_code == 302  # bob works here
    colleague.post("/accounts/logout/", REMOTE_ADDR=OFFICE_IP)

    accounts = UserFactory.create_batch(40)
    stuffer = Client()
    statuses = [_sign_in(stuffer, user.email, "Summer2024!", ip=OFFICE_IP).status_code for user in accounts]
    assert statuses[:30] == [200] * 30
    assert set(statuses[30:]) == {429}
    newcomer = _sign_in(Client(), accounts[-1].email, ip=OFFICE_IP)
    assert newcomer.status_code == 429  # never signed in from here: waits with the stuffer's address

    assert _sign_in(colleague, bob.email, ip=OFFICE_IP).status_code == 302
    assert _home(colleague, OFFICE_IP) == 200
    assert _sign_in(Client(), accounts[-1].email, ip=OWNER_IP).status_code == 302  # elsewhere, untouched


# Many addresses on one account.


def test_a_botnet_on_one_account_is_stopped_but_the_owner_at_her_usual_address_gets_in(alice, clock):
    usual = Client()
    _sign_in_with_code(usual, alice, OWNER_IP)
    usual.post("/accounts/logout/", REMOTE_ADDR=OWNER_IP)

    for n in range(10):
        for _ in range(5):
            assert _sign_in(Client(), alice.email, "wrong-password", ip=f"203.0.113.{n + 1}").status_code == 200
    _refused(_sign_in(Client(), alice.email, "wrong-password", ip="203.0.113.200"))  # 50 an hour, new addresses
    _refused(_sign_in(Client(), alice.email, PASSWORD, ip="203.0.113.201"))

    clock.shift(timedelta(seconds=31))  # a fresh two-step code
    owner = Client()
    _sign_in_with_code(owner, alice, OWNER_IP)
    assert _home(owner, OWNER_IP) == 200


def test_a_password_reset_clears_the_accounts_failures(alice, clock):
    for n in range(10):
        for _ in range(5):
            _sign_in(Client(), alice.email, "wrong-password", ip=f"203.0.113.{n + 1}")
    assert _sign_in(Client(), alice.email, ip=OWNER_IP).status_code == 429  # a first sign-in from here

    owner = Client()
    owner.post("/accounts/password/reset/", {"email": alice.email}, REMOTE_ADDR=OWNER_IP)
    body = OutboundEmail.objects.get(to=alice.email).body_text
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", body).group(1)
    form = owner.get(link, follow=True, REMOTE_ADDR=OWNER_IP)
    owner.post(
        form.redirect_chain[-1][0],
        {"password1": "a-fresh-password-9", "password2": "a-fresh-password-9"},
        REMOTE_ADDR=OWNER_IP,
    )

    step = _sign_in(Client(), alice.email, "a-fresh-password-9", ip=OWNER_IP)
    assert step.status_code == 302
    assert step["Location"] == TWO_STEP


def test_parallel_guesses_cannot_slip_past_the_limit(alice, clock):
    """Counting happens before the password is checked, atomically in Redis: 20 guesses at once, 5 checked."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    def guess(_n):
        try:
            return _sign_in(Client(), alice.email, "wrong-password", ip=ATTACKER_IP).status_code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(guess, range(20)))

    assert statuses.count(200) == 5
    assert statuses.count(429) == 15
