"""Row-level security on the identity tables (accounts migration 0006, docs/identity-rls.md).

Each test connects as the app's own role, as the whole suite does (tests/conftest.py), and sets the test's
platform context aside: first with no context at all, then as a user of another tenant. What an attacker
who can run SQL as `partnerhub_app` would be after: password hashes, TOTP secrets, email addresses, other
people's sessions, and write access to an organization.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from partnerhub.accounts.models import Organization, Role, User
from partnerhub.accounts.sessions import SessionStore
from partnerhub.core import rls
from relationships.models import PartnerRelationship
from tests.conftest import PASSWORD
from tests.factories import OrganizationFactory

SECRET = "JBSWY3DPEHPK3PXP"


@contextlib.contextmanager
def no_context():
    """This connection as a request with no context at all (the test's own platform context set aside)."""
    rls._suspend_system()
    try:
        with transaction.atomic():
            yield
    finally:
        rls._resume_system("tests")


@contextlib.contextmanager
def as_user(user, organization=None):
    with no_context(), rls.acting_as(user=user, organization=organization):
        yield


def _rows(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _affected(sql: str, params=()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


@pytest.fixture
def tenants(make_member):
    """Two partners (A with two people, B with one), a reseller related to A, and a stranger C: everyone
    with a TOTP authenticator and a signed-in session."""
    a = OrganizationFactory(legal_name="Provider A")
    b = OrganizationFactory(legal_name="Provider B")
    reseller = OrganizationFactory(legal_name="Reseller of A")
    PartnerRelationship.objects.create(provider=a, reseller=reseller)
    people = {
        "alice": make_member(a, Role.GLOBAL_ADMIN, email="alice@a.example").user,
        "adam": make_member(a, Role.SALES_AGENT, email="adam@a.example").user,
        "bob": make_member(b, Role.GLOBAL_ADMIN, email="bob@b.example").user,
        "rita": make_member(reseller, Role.GLOBAL_ADMIN, email="rita@reseller.example").user,
    }
    for user in people.values():
        Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": SECRET})
    sessions = {}
    for name, user in people.items():
        client = Client()
        client.force_login(user)
        sessions[name] = client.session.session_key
    return {"a": a, "b": b, "reseller": reseller, **people, "sessions": sessions}


# --- with no context: nothing of anyone --------------------------------------------------------------


@pytest.mark.django_db
def test_without_a_context_no_password_hash_email_or_totp_secret_can_be_read(tenants):
    with no_context():
        users = _rows("SELECT email, password FROM accounts_user")
        emails = _rows("SELECT email FROM account_emailaddress")
        secrets = _rows("SELECT data FROM mfa_authenticator")
        organizations = _rows("SELECT legal_name FROM accounts_organization")

    assert (users, emails, secrets, organizations) == ([], [], [], [])


@pytest.mark.django_db
def test_without_a_context_no_organization_can_be_changed_or_created(tenants):
    with no_context():
        updated = _affected("UPDATE accounts_organization SET legal_name = 'Pwned' WHERE id = %s", [tenants["b"].pk])
    with no_context(), pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
        Organization.objects.create(legal_name="Forged", country="US", csp_region="united_states", currency="USD")

    assert updated == 0
    tenants["b"].refresh_from_db()
    assert tenants["b"].legal_name == "Provider B"


@pytest.mark.django_db
def test_the_app_role_cannot_read_the_session_table_at_all(tenants):
    with no_context(), pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
        _rows("SELECT session_key, session_data FROM django_session")
    denied = pytest.raises(DatabaseError, match="permission denied")
    with as_user(tenants["alice"], tenants["a"]), denied, transaction.atomic():
        _rows("SELECT session_data FROM django_session WHERE session_key = %s", [tenants["sessions"]["bob"]])


@pytest.mark.django_db
def test_with_a_forged_claim_on_nobody_the_identity_tables_stay_shut(tenants):
    """A context naming an organization but no user (what a broken middleware might set) opens nothing."""
    with no_context():
        rls.set_context(organization_id=tenants["a"].pk)
        seen = [_rows(f"SELECT count(*) FROM {table}")[0][0] for table in ("accounts_user", "mfa_authenticator")]  # noqa: S608

    assert seen == [0, 0]


# --- as another tenant's user ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_user_sees_their_colleagues_and_related_partners_but_no_stranger(tenants):
    with as_user(tenants["alice"], tenants["a"]):
        seen = set(User.objects.values_list("email", flat=True))
        hashes = _rows("SELECT password FROM accounts_user WHERE id = %s", [tenants["bob"].pk])

    assert seen == {"alice@a.example", "adam@a.example", "rita@reseller.example"}
    assert hashes == []


@pytest.mark.django_db
def test_a_user_with_no_acting_organization_still_sees_the_people_of_their_seats(tenants):
    with as_user(tenants["adam"]):
        seen = set(User.objects.values_list("email", flat=True))

    assert seen == {"alice@a.example", "adam@a.example"}


@pytest.mark.django_db
def test_totp_secrets_and_email_addresses_are_readable_only_by_their_own_user(tenants):
    with as_user(tenants["alice"], tenants["a"]):
        secrets = list(Authenticator.objects.values_list("user__email", flat=True))
        emails = list(EmailAddress.objects.values_list("email", flat=True))
        colleague_secret = _rows("SELECT data FROM mfa_authenticator WHERE user_id = %s", [tenants["adam"].pk])

    assert secrets == ["alice@a.example"]
    assert emails == ["alice@a.example"]
    assert colleague_secret == []  # sharing an organization opens no one's second factor


@pytest.mark.django_db
def test_a_user_writes_only_their_own_row(tenants):
    with as_user(tenants["alice"], tenants["a"]):
        own = _affected("UPDATE accounts_user SET first_name = 'Alice' WHERE id = %s", [tenants["alice"].pk])
        colleague = _affected("UPDATE accounts_user SET is_staff = true WHERE id = %s", [tenants["adam"].pk])
        stranger = _affected("UPDATE accounts_user SET password = 'x' WHERE id = %s", [tenants["bob"].pk])
        their_email = _affected(
            "UPDATE account_emailaddress SET verified = false WHERE user_id = %s", [tenants["adam"].pk]
        )
        their_totp = _affected("DELETE FROM mfa_authenticator WHERE user_id = %s", [tenants["adam"].pk])

    assert (own, colleague, stranger, their_email, their_totp) == (1, 0, 0, 0, 0)
    assert User.objects.filter(is_staff=True).count() == 0


@pytest.mark.django_db
def test_a_user_cannot_create_an_account_or_give_someone_a_second_factor(tenants):
    refused = "row-level security"
    with as_user(tenants["alice"], tenants["a"]), pytest.raises(DatabaseError, match=refused), transaction.atomic():
        User.objects.create(email="forged@a.example")
    with as_user(tenants["alice"], tenants["a"]), pytest.raises(DatabaseError, match=refused), transaction.atomic():
        Authenticator.objects.create(user=tenants["adam"], type=Authenticator.Type.RECOVERY_CODES, data={})


@pytest.mark.django_db
def test_an_organization_is_written_only_by_its_acting_members(tenants):
    with as_user(tenants["alice"], tenants["a"]):
        own = _affected("UPDATE accounts_organization SET city = 'Redmond' WHERE id = %s", [tenants["a"].pk])
        foreign = _affected("UPDATE accounts_organization SET city = 'X' WHERE id = %s", [tenants["b"].pk])
        deleted = _affected("DELETE FROM accounts_organization WHERE id = %s", [tenants["a"].pk])
        readable = set(Organization.objects.values_list("legal_name", flat=True))

    assert (own, foreign, deleted) == (1, 0, 0)
    assert readable == {"Provider A", "Reseller of A"}


@pytest.mark.django_db
def test_a_related_organization_may_be_locked_but_never_written(tenants):
    refused = pytest.raises(DatabaseError, match="row-level security")
    with as_user(tenants["alice"], tenants["a"]):
        locked = list(Organization.objects.select_for_update().filter(pk=tenants["reseller"].pk))
    with as_user(tenants["alice"], tenants["a"]), refused, transaction.atomic():
        _affected("UPDATE accounts_organization SET city = 'X' WHERE id = %s", [tenants["reseller"].pk])

    assert locked == [tenants["reseller"]]
    tenants["reseller"].refresh_from_db()
    assert tenants["reseller"].city == "Seattle"


@pytest.mark.django_db
def test_an_organization_cannot_be_moved_onto_another_id(tenants):
    moved = [tenants["b"].pk + 1000, tenants["a"].pk]
    refused = pytest.raises(DatabaseError, match="row-level security")
    with as_user(tenants["alice"], tenants["a"]), refused, transaction.atomic():
        _affected("UPDATE accounts_organization SET id = %s WHERE id = %s", moved)


# --- sessions: the key is the capability ---------------------------------------------------------------


@pytest.mark.django_db
def test_a_session_round_trips_through_the_database_without_the_cache(tenants):
    store = SessionStore()
    store["colour"] = "blue"
    store.save(must_create=True)
    key = store.session_key
    cache.clear()  # cached_db: the database is the source of truth

    with no_context():
        loaded = SessionStore(key)
        colour = loaded.get("colour")
        exists = loaded.exists(key)
        loaded["colour"] = "green"
        loaded.save()
    cache.clear()
    with no_context():
        again = SessionStore(key).get("colour")
        SessionStore(key).delete()
    cache.clear()
    with no_context():
        gone = SessionStore(key).exists(key), SessionStore(key).get("colour")

    assert (colour, exists, again, gone) == ("blue", True, "green", (False, None))


@pytest.mark.django_db
def test_a_session_cannot_be_created_twice_nor_updated_when_missing(tenants):
    from django.contrib.sessions.backends.base import CreateError, UpdateError

    existing = SessionStore(tenants["sessions"]["bob"])
    existing._session_cache = {"forged": True}
    with pytest.raises(CreateError):
        existing.save(must_create=True)
    missing = SessionStore("x" * 32)
    missing._session_cache = {"a": 1}
    with pytest.raises(UpdateError):
        missing.save()
    cache.clear()

    assert "forged" not in SessionStore(tenants["sessions"]["bob"]).load()


@pytest.mark.django_db
def test_clearsessions_deletes_expired_sessions_only(tenants):
    from django.core.management import call_command

    stale = SessionStore()
    stale.set_expiry(timezone.now() - timedelta(days=1))
    stale["old"] = True
    stale.save(must_create=True)

    call_command("clearsessions")
    cache.clear()

    assert SessionStore(stale.session_key).get("old") is None
    assert SessionStore(tenants["sessions"]["bob"]).get("_auth_user_id") == str(tenants["bob"].pk)


# --- the ways in still work with no context --------------------------------------------------------------


@pytest.mark.django_db
def test_a_signed_in_session_finds_its_user_with_no_context(tenants, client):
    client.force_login(tenants["alice"])
    cache.clear()  # the session is read back from the database through its functions

    response = client.get(reverse("core:dashboard"))

    assert response.status_code == 200
    assert response.context["user"] == tenants["alice"]


@pytest.mark.django_db
def test_sign_in_by_email_and_password_works_before_any_context(tenants, client):
    Authenticator.objects.filter(user=tenants["adam"]).delete()

    response = client.post(reverse("account_login"), {"login": "adam@a.example", "password": PASSWORD})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(tenants["adam"].pk)
    with no_context():  # and the sign-in left nothing open behind it
        assert _rows("SELECT count(*) FROM accounts_user")[0][0] == 0
