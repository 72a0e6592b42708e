"""Authentication and sessions (reliability.md §7.3; ASVS 6.1.1, 6.3.1, 6.3.8, 7.2–7.4, 3.3): brute force,
enumeration by answer and by timing, session fixation, sign-out, password change, deactivation, idle and
absolute timeouts, cookies, and two-step verification for Global admins and staff."""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from partnerhub.accounts.models import Role, User
from partnerhub.accounts.sessions import SessionStore
from partnerhub.settings import base as base_settings
from tests.budgets import PAGE_QUERY_BUDGET
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

PASSWORD = "correct-horse-battery"
LOGIN = "/accounts/login/"
ATTACKER_IP = "203.0.113.66"
OWNER_IP = "198.51.100.7"


def _sign_in(client: Client, email: str, password: str = PASSWORD, ip: str = OWNER_IP, **extra):
    return client.post(LOGIN, {"login": email, "password": password}, REMOTE_ADDR=ip, **extra)


def _signed_in(client: Client) -> bool:
    """What the user sees: their home page, not a redirect to the sign-in page."""
    response = client.get("/")
    assert response.status_code in (200, 302)
    return not (response.status_code == 302 and response["Location"].startswith(LOGIN))


def _dashboard(client: Client) -> int:
    return client.get("/").status_code


def _totp(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.fixture
def owner(make_member, provider):
    return make_member(provider, Role.GLOBAL_ADMIN, email="megan@contoso.example").user


# --- brute force and credential stuffing ----------------------------------------------------


def test_thirty_wrong_passwords_on_one_account_get_429_after_five_there_while_the_owner_elsewhere_gets_in(
    client, owner, time_machine
):
    """Sign-in limits count per address+account (docs/sign-in-limits.md): the attacker's address is refused,
    even the right password, for the rest of the 5 minutes; the owner, elsewhere, is never locked out."""
    time_machine.move_to(timezone.now(), tick=False)
    statuses = [_sign_in(client, owner.email, "wrong-password", ip=ATTACKER_IP).status_code for _ in range(30)]

    assert statuses[:5] == [200] * 5  # "The email address and/or password you specified are not correct."
    assert set(statuses[5:]) == {429}
    assert _sign_in(client, owner.email, ip=ATTACKER_IP).status_code == 429  # not even the right password
    assert "_auth_user_id" not in client.session

    owner_client = Client()
    response = _sign_in(owner_client, owner.email, ip=OWNER_IP)
    assert response.status_code == 302
    assert _signed_in(owner_client)

    time_machine.shift(timedelta(minutes=5))
    assert _sign_in(Client(), owner.email, "wrong-password", ip=ATTACKER_IP).status_code == 200  # backed off


def test_a_successful_sign_in_does_not_count_as_a_failure(client, owner):
    for _ in range(10):
        assert _sign_in(Client(), owner.email).status_code == 302

    assert _sign_in(client, owner.email, "wrong-password").status_code == 200


def test_credential_stuffing_from_one_address_gets_429_after_thirty_failures(client, db):
    accounts = UserFactory.create_batch(100)
    statuses = [_sign_in(client, user.email, "Summer2024!", ip=ATTACKER_IP).status_code for user in accounts]

    assert statuses[:30] == [200] * 30
    assert set(statuses[30:]) == {429}
    # Every account took one failure only: its owner, elsewhere, signs in at once.
    owner_client = Client()
    assert _sign_in(owner_client, accounts[-1].email, ip=OWNER_IP).status_code == 302
    assert _signed_in(owner_client)


def test_a_password_reset_clears_the_owners_own_failures(client, owner):
    """The owner who forgot her password and tried five times is refused at her address; after a reset she
    signs in from there at once."""
    for _ in range(6):
        _sign_in(client, owner.email, "wrong-password", ip=OWNER_IP)
    assert _sign_in(Client(), owner.email, ip=OWNER_IP).status_code == 429

    owner_client = Client()
    owner_client.post("/accounts/password/reset/", {"email": owner.email}, REMOTE_ADDR=OWNER_IP)
    from partnerhub.core.models import OutboundEmail

    body = OutboundEmail.objects.get(to=owner.email).body_text
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", body).group(1)
    form = owner_client.get(link, follow=True, REMOTE_ADDR=OWNER_IP)
    owner_client.post(
        form.redirect_chain[-1][0],
        {"password1": "a-fresh-password-9", "password2": "a-fresh-password-9"},
        REMOTE_ADDR=OWNER_IP,
    )

    assert _sign_in(Client(), owner.email, "a-fresh-password-9", ip=OWNER_IP).status_code == 302


# --- the same answer for existing and unknown addresses --------------------------------------

CSRF = re.compile(r'(name="csrfmiddlewaretoken" value=|"X-CSRFToken": )"[^"]+"')


def _normalised(response, *emails: str) -> str:
    """The page with per-request tokens and the typed address blanked out."""
    text = CSRF.sub(r'\1"TOKEN"', response.content.decode())
    for email in emails:
        text = text.replace(email, "EMAIL")
    return text


def _same_answer(first, second, first_email: str, second_email: str) -> None:
    assert first.status_code == second.status_code
    assert first.get("Location") == second.get("Location")
    assert _normalised(first, first_email) == _normalised(second, second_email)


EXISTING = "megan@contoso.example"
UNKNOWN = "nobody@contoso.example"


def test_sign_in_answers_the_same_for_an_existing_and_an_unknown_address(owner):
    existing = _sign_in(Client(), EXISTING, "wrong-password")
    unknown = _sign_in(Client(), UNKNOWN, "wrong-password")

    assert existing.status_code == 200
    _same_answer(existing, unknown, EXISTING, UNKNOWN)


def test_password_reset_answers_the_same_for_an_existing_and_an_unknown_address(owner):
    answers = []
    for email in (EXISTING, UNKNOWN):
        client = Client()
        first = client.post("/accounts/password/reset/", {"email": email})
        answers.append((first, client.get(first["Location"])))

    assert answers[0][0].status_code == 302
    _same_answer(answers[0][0], answers[1][0], EXISTING, UNKNOWN)
    _same_answer(answers[0][1], answers[1][1], EXISTING, UNKNOWN)


def _sign_up(client: Client, email: str):
    return client.post(
        "/accounts/signup/",
        {
            "first_name": "Jane",
            "last_name": "Doe",
            "email": email,
            "password1": "a-long-enough-password",
            "password2": "a-long-enough-password",
        },
    )


def test_sign_up_answers_the_same_for_an_existing_and_an_unknown_address(owner):
    answers = []
    for email in (EXISTING, UNKNOWN):
        client = Client()
        first = _sign_up(client, email)
        answers.append((first, client.get(first["Location"])))

    assert answers[0][0].status_code == 302
    _same_answer(answers[0][0], answers[1][0], EXISTING, UNKNOWN)
    _same_answer(answers[0][1], answers[1][1], EXISTING, UNKNOWN)
    assert User.objects.filter(email=EXISTING).count() == 1


def test_inviting_an_existing_user_answers_like_inviting_an_unknown_address(admin_client, outsider_member):
    existing = outsider_member.user.email  # has a PartnerHub account, in another organization
    answers = []
    for email in (existing, UNKNOWN):
        first = admin_client.post("/settings/users/invite/", {"email": email, "roles": [Role.SALES_AGENT]})
        answers.append((first, admin_client.get(first["Location"])))

    assert answers[0][0].status_code == 302
    _same_answer(answers[0][0], answers[1][0], existing, UNKNOWN)
    # The member list then lists both pending invitations: compare the flash message only.
    messages = [
        re.search(r'<div class="alert[^>]*>.*?</div>', _normalised(page, existing, UNKNOWN), re.S)
        for _, page in answers
    ]
    assert messages[0].group(0) == messages[1].group(0)


# --- the same time for existing and unknown addresses ----------------------------------------
#
# Each test alternates requests for an existing and an unknown address and compares the medians. The leak these
# tests are about is a password hash on one path only, so the yardstick is the hash itself, timed in the same
# round: the medians must differ by less than half of one hash. A ratio of the medians (10% once) failed on a
# loaded 2-core machine for a reset path that differs by one indexed query; a hash-relative gap scales with the
# load as both paths do. A test measures up to three rounds and passes on the first within the bound. The
# dummy-hash test below shows the measurement does catch a missing hash.

ROUNDS = 3
PAIRS = 50


@pytest.fixture
def timing(settings):
    settings.PASSWORD_HASHERS = ["tests.security.hashers.TimingTestHasher"]
    settings.ACCOUNT_RATE_LIMITS = False  # 100 attempts a round, from one address


def _hash_seconds() -> float:
    """The median time of one password hash with the test hasher, now (the yardstick of a leak)."""
    from django.contrib.auth.hashers import make_password

    times = []
    for _ in range(7):
        start = time.perf_counter()
        make_password("a password")
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _median_gap(existing, unknown) -> float:
    """|median(existing) - median(unknown)| in hashes (the same round's hash time), over PAIRS alternating calls."""
    times = {existing: [], unknown: []}
    hashes = [_hash_seconds()]
    for index in range(PAIRS * 2):
        call = (existing, unknown)[index % 2]
        start = time.perf_counter()
        call(index)
        times[call].append(time.perf_counter() - start)
    hashes.append(_hash_seconds())
    first, second = statistics.median(times[existing]), statistics.median(times[unknown])
    return abs(first - second) / statistics.mean(hashes)


def _assert_same_timing(existing, unknown) -> None:
    gaps = []
    for _ in range(ROUNDS):
        gaps.append(_median_gap(existing, unknown))
        if gaps[-1] < 0.5:  # noqa: PLR2004
            return
    pytest.fail(f"median response times differ by {', '.join(f'{gap:.2f}' for gap in gaps)} hashes (limit 0.5)")


def _existing_user(email: str = EXISTING) -> User:
    return UserFactory(email=email)  # hashed with the timing hasher: check_password really runs it


def test_sign_in_takes_as_long_for_an_unknown_address(db, timing):
    _existing_user()
    client = Client()

    _assert_same_timing(
        lambda i: _sign_in(client, EXISTING, "wrong-password"),
        lambda i: _sign_in(client, UNKNOWN, "wrong-password"),
    )


def test_password_reset_takes_as_long_for_an_unknown_address(db, timing):
    _existing_user()
    client = Client()

    _assert_same_timing(
        lambda i: client.post("/accounts/password/reset/", {"email": EXISTING}),
        lambda i: client.post("/accounts/password/reset/", {"email": f"nobody{i}@contoso.example"}),
    )


def test_sign_up_takes_as_long_for_an_existing_address(db, timing):
    _existing_user()
    client = Client()

    _assert_same_timing(
        lambda i: _sign_up(client, EXISTING),
        lambda i: _sign_up(client, f"new{i}@contoso.example"),
    )


def test_the_timing_measurement_notices_a_missing_password_hash(db, timing, monkeypatch):
    """Without the dummy hash, signing up with an existing address is measurably faster."""
    from partnerhub.accounts import forms

    monkeypatch.setattr(forms, "make_password", lambda password: None)
    _existing_user()
    client = Client()

    gap = _median_gap(lambda i: _sign_up(client, EXISTING), lambda i: _sign_up(client, f"new{i}@contoso.example"))

    assert gap > 0.5  # noqa: PLR2004 - a whole hash missing shows as about one


def test_inviting_takes_as_long_for_an_existing_user(admin_client, outsider_member, timing):
    existing = outsider_member.user.email

    def invite(email):
        admin_client.post("/settings/users/invite/", {"email": email, "roles": [Role.SALES_AGENT]})

    from partnerhub.accounts.models import UserInvitation

    def existing_call(i):
        UserInvitation.objects.filter(email=existing).delete()  # one pending invitation per address
        invite(existing)

    def unknown_call(i):
        UserInvitation.objects.filter(email=existing).delete()  # the same work on both sides
        invite(f"nobody{i}@contoso.example")

    _assert_same_timing(existing_call, unknown_call)


# --- sessions --------------------------------------------------------------------------------


def _session_cookie(client: Client) -> str:
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


def test_the_session_key_changes_at_sign_in(client, owner):
    session = client.session
    session["probe"] = "set before sign-in"
    session.save()
    before = session.session_key
    client.cookies[django_settings.SESSION_COOKIE_NAME] = before

    _sign_in(client, owner.email)

    assert _session_cookie(client) != before
    assert not SessionStore().exists(before)
    assert client.session["_auth_user_id"] == str(owner.pk)


def test_the_old_cookie_is_dead_after_sign_out(client, owner):
    _sign_in(client, owner.email)
    old = _session_cookie(client)

    client.post("/accounts/logout/")

    replay = Client()
    replay.cookies[django_settings.SESSION_COOKIE_NAME] = old
    response = replay.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert not SessionStore().exists(old)


def test_changing_the_password_ends_the_other_sessions_but_keeps_this_one(owner):
    laptop, phone = Client(), Client()
    _sign_in(laptop, owner.email)
    _sign_in(phone, owner.email)

    response = laptop.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "another-long-password", "password2": "another-long-password"},
    )

    assert response.status_code == 302
    assert _signed_in(laptop)
    assert not _signed_in(phone)


def test_a_deactivated_user_loses_every_session_at_the_next_request(owner):
    laptop, phone = Client(), Client()
    _sign_in(laptop, owner.email)
    _sign_in(phone, owner.email)
    assert _signed_in(laptop)
    assert _signed_in(phone)

    User.objects.filter(pk=owner.pk).update(is_active=False)

    assert not _signed_in(laptop)
    assert not _signed_in(phone)


@pytest.fixture
def real_timeouts(settings):
    """The documented production values (the test settings switch the limits off)."""
    settings.SESSION_IDLE_TIMEOUT_SECONDS = base_settings.SESSION_IDLE_TIMEOUT_SECONDS
    settings.SESSION_COOKIE_AGE = base_settings.SESSION_COOKIE_AGE
    return base_settings


def test_documented_session_limits(real_timeouts):
    assert real_timeouts.SESSION_IDLE_TIMEOUT_SECONDS == 30 * 60
    assert real_timeouts.SESSION_COOKIE_AGE == 12 * 3600
    assert real_timeouts.SESSION_ACTIVITY_RESOLUTION_SECONDS == 60  # noqa: PLR2004


def test_an_idle_session_ends_after_the_idle_timeout(client, owner, real_timeouts, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    _sign_in(client, owner.email)
    idle = real_timeouts.SESSION_IDLE_TIMEOUT_SECONDS

    time_machine.shift(timedelta(seconds=idle - 60))
    assert _signed_in(client)  # activity: the idle clock starts again
    time_machine.shift(timedelta(seconds=idle - 60))
    assert _signed_in(client)  # 58 minutes after sign-in, 29 idle
    time_machine.shift(timedelta(seconds=idle))
    old = _session_cookie(client)
    assert not _signed_in(client)
    assert not SessionStore().exists(old)


def test_an_active_session_ends_at_the_absolute_limit(client, owner, real_timeouts, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    _sign_in(client, owner.email)
    step = timedelta(seconds=real_timeouts.SESSION_IDLE_TIMEOUT_SECONDS - 120)
    elapsed = timedelta()

    while elapsed + step < timedelta(seconds=real_timeouts.SESSION_COOKIE_AGE):
        time_machine.shift(step)
        elapsed += step
        assert _signed_in(client), f"signed out after {elapsed} of activity"
    time_machine.shift(timedelta(seconds=real_timeouts.SESSION_COOKIE_AGE) - elapsed)
    assert not _signed_in(client)


def _session_writes(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert _signed_in(client)
    # the session store writes through partnerhub_session_save() (accounts migration 0006)
    return sum(1 for query in queries if "partnerhub_session_save" in query["sql"])


def test_last_activity_is_saved_at_most_once_a_minute(client, owner, real_timeouts, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    _sign_in(client, owner.email)

    assert _session_writes(client) == 0
    time_machine.shift(timedelta(seconds=30))
    assert _session_writes(client) == 0
    time_machine.shift(timedelta(seconds=31))
    assert _session_writes(client) > 0
    assert _session_writes(client) == 0


def _production_settings(**env) -> dict:
    """Read the production settings in a fresh interpreter (they need their environment variables)."""
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({k: getattr(s, k) for k in ("
        "'SESSION_COOKIE_NAME', 'CSRF_COOKIE_NAME', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', "
        "'SESSION_COOKIE_HTTPONLY', 'SESSION_COOKIE_SAMESITE', 'CSRF_COOKIE_SAMESITE', 'SESSION_COOKIE_DOMAIN', "
        "'CSRF_COOKIE_DOMAIN', 'SESSION_COOKIE_PATH', 'CSRF_COOKIE_PATH', 'SECURE_HSTS_SECONDS', "
        "'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'MFA_REQUIRED_FOR_ADMINS')}))"
    )
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "partnerhub.settings.production",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "portal.example",
        "SITE_URL": "https://portal.example",
        **env,
    }
    out = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_production_cookies_are_host_prefixed_secure_httponly_and_lax():
    production = _production_settings()

    assert production["SESSION_COOKIE_NAME"] == "__Host-sessionid"
    assert production["CSRF_COOKIE_NAME"] == "__Host-csrftoken"
    assert production["SESSION_COOKIE_SECURE"]
    assert production["CSRF_COOKIE_SECURE"]
    assert production["SESSION_COOKIE_HTTPONLY"]
    assert production["SESSION_COOKIE_SAMESITE"] == production["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert production["SESSION_COOKIE_DOMAIN"] is None
    assert production["CSRF_COOKIE_DOMAIN"] is None
    assert production["SESSION_COOKIE_PATH"] == production["CSRF_COOKIE_PATH"] == "/"
    assert production["SECURE_HSTS_SECONDS"] >= 31536000  # noqa: PLR2004
    assert production["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert production["MFA_REQUIRED_FOR_ADMINS"]


def test_plain_http_compose_keeps_cookie_names_browsers_accept():
    compose = _production_settings(SESSION_COOKIE_SECURE="false", CSRF_COOKIE_SECURE="false")

    assert compose["SESSION_COOKIE_NAME"] == "sessionid"
    assert compose["CSRF_COOKIE_NAME"] == "csrftoken"


def test_the_cookies_a_browser_receives_over_https(client, owner, settings):
    settings.SESSION_COOKIE_NAME = "__Host-sessionid"
    settings.CSRF_COOKIE_NAME = "__Host-csrftoken"
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True

    client.get(LOGIN, secure=True)
    _sign_in(client, owner.email, secure=True)

    session_cookie = client.cookies["__Host-sessionid"]
    csrf_cookie = client.cookies["__Host-csrftoken"]
    for cookie in (session_cookie, csrf_cookie):
        assert cookie["secure"] is True
        assert cookie["path"] == "/"
        assert cookie["domain"] == ""
        assert cookie["samesite"] == "Lax"
    assert session_cookie["httponly"] is True


# --- two-step verification for Global admins and staff ----------------------------------------


@pytest.fixture
def mfa_required(settings):
    settings.MFA_REQUIRED_FOR_ADMINS = True


def _enrol_totp(client: Client) -> str:
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    client.get("/accounts/2fa/totp/activate/")
    secret = client.session["mfa.totp.secret"]
    response = client.post("/accounts/2fa/totp/activate/", {"code": _totp(secret)})
    assert response.status_code == 302
    return secret


def test_a_global_admin_without_an_authenticator_is_sent_to_set_one_up(client, owner, mfa_required):
    assert _sign_in(client, owner.email).status_code == 302

    for path in ("/", "/settings/users/", "/customers/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == "/accounts/2fa/totp/activate/"
    assert client.get("/accounts/2fa/totp/activate/").status_code in (200, 302)  # 302: re-authenticate first
    assert client.get("/healthz/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302


def test_after_setting_up_totp_the_admin_works_and_signs_in_with_a_code(client, owner, mfa_required, time_machine):
    _sign_in(client, owner.email)
    secret = _enrol_totp(client)

    assert _dashboard(client) == 200
    client.post("/accounts/logout/")
    time_machine.move_to(timezone.now() + timedelta(seconds=60))
    step = _sign_in(client, owner.email)
    assert step["Location"] == "/accounts/2fa/authenticate/"
    assert not _signed_in(client)
    client.post("/accounts/2fa/authenticate/", {"code": _totp(secret)})
    assert _dashboard(client) == 200


def test_other_roles_need_no_second_factor(client, make_member, provider, mfa_required):
    agent = make_member(provider, Role.SALES_AGENT).user
    _sign_in(client, agent.email)

    assert _dashboard(client) == 200


def test_a_member_made_global_admin_must_set_it_up_at_the_next_page(client, make_member, provider, mfa_required):
    membership = make_member(provider, Role.SALES_AGENT)
    _sign_in(client, membership.user.email)
    assert _dashboard(client) == 200

    membership.roles = [Role.GLOBAL_ADMIN]
    membership.save(update_fields=["roles"])

    assert client.get("/")["Location"] == "/accounts/2fa/totp/activate/"


def test_staff_need_a_second_factor_for_the_admin(client, staff, mfa_required, time_machine):
    _sign_in(client, staff.email)
    response = client.get("/admin/")
    assert response["Location"] == "/accounts/2fa/totp/activate/"

    secret = _enrol_totp(client)
    assert client.get("/admin/").status_code == 200
    client.post("/accounts/logout/")
    time_machine.move_to(timezone.now() + timedelta(seconds=60))
    assert _sign_in(client, staff.email)["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/admin/").status_code == 302
    client.post("/accounts/2fa/authenticate/", {"code": _totp(secret)})
    assert client.get("/admin/").status_code == 200


def test_the_rule_costs_an_enrolled_admin_no_query_per_page(client, owner, mfa_required, django_assert_num_queries):
    Authenticator.objects.create(user=owner, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"})
    client.force_login(owner)  # remembered at sign-in
    client.get("/")

    with django_assert_num_queries(PAGE_QUERY_BUDGET["dashboard_new_organization"]):
        assert client.get("/").status_code == 200


def test_recovery_codes_alone_are_not_a_second_factor(client, owner, mfa_required):
    Authenticator.objects.create(user=owner, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "00" * 20})
    _sign_in(client, owner.email)

    assert client.get("/")["Location"] == "/accounts/2fa/totp/activate/"


def test_another_organizations_global_admin_seat_counts_too(client, mfa_required, db):
    user = UserFactory(email="sam@contoso.example")
    MembershipFactory(user=user, organization=OrganizationFactory(), roles=[Role.SALES_AGENT])
    MembershipFactory(user=user, organization=OrganizationFactory(), roles=[Role.GLOBAL_ADMIN])
    _sign_in(client, user.email)

    assert client.get("/")["Location"] == "/accounts/2fa/totp/activate/"


def test_the_demo_global_admins_sign_in_with_the_printed_code(client, db, mfa_required, capsys):
    from django.core.management import call_command

    call_command("seed_demo")
    assert "manage.py demo_totp" in capsys.readouterr().out
    call_command("demo_totp")
    code = capsys.readouterr().out.split()[0]

    step = _sign_in(client, "megan.bowen@contoso-distribution.example", "partnerhub-demo")
    assert step["Location"] == "/accounts/2fa/authenticate/"
    client.post("/accounts/2fa/authenticate/", {"code": code})
    assert _dashboard(client) == 200
