"""The tenant-isolation sweep (reliability.md §7.1): every URL pattern that takes a tenant's object, filled
with tenant B's objects, requested by every principal of A with every method. Each answers as the
authorization matrix says (404, never 200, 204 or 500), changes no row anywhere, and shows no canary of B in a
body, redirect, CSV or email. Then A's forms are posted with B's ids in hidden and extra fields, and A's list
and search pages are searched for B.

The sweep runs in three modes: normal; with the application's tenant scope switched off
(TENANT_SCOPING_DISABLED_FOR_TESTS, partnerhub/core/scoping.py), where row-level security alone must hold;
and with row-level security off, where the application alone must hold.
"""

from __future__ import annotations

import contextlib
import uuid

import pytest
from django.core import mail
from django.core.cache import cache

from customers.models import Subscription
from enrollment.models import PartnerId
from partnerhub.accounts.models import UserInvitation
from partnerhub.core import rls
from partnerhub.core.models import OutboundEmail
from tests.security import snapshots
from tests.security.authz_matrix import AUTHZ_MATRIX, PUBLIC, ROLES
from tests.security.patterns import OBJECT_PARAMETERS, cross_tenant_path
from tests.security.world import build_world, leaks, principals, seen

NORMAL, APP_SCOPE_OFF, RLS_OFF, BOTH_OFF = "normal", "app-scope-off", "rls-off", "both-off"
NEVER = {200, 204, 500}
# The fields a tampering POST sets to B's ids, beside or instead of the form's own.
TAMPER_FIELDS = (
    "organization", "organization_id", "partner", "partner_id", "reseller", "reseller_id", "customer",
    "customer_id", "tenant", "tenant_id", "owner", "provider", "provider_id", "sent_by", "user", "membership",
    "relationship", "support_contact", "invitation", "pk", "id",
)  # fmt: skip


@contextlib.contextmanager
def rls_disabled(monkeypatch):
    """Row-level security off for the duration: every request runs with the platform's bypass, exactly as if
    the policies were dropped (the app's role may not drop them, and should not be able to)."""
    set_context = rls.set_context
    monkeypatch.setattr(rls, "set_context", lambda **values: set_context(**{**values, "bypass": "tests:rls-off"}))
    monkeypatch.setattr(rls, "_suspend_system", lambda: None)  # anonymous requests keep the test's bypass too
    yield


@contextlib.contextmanager
def mode_of(mode: str, settings, monkeypatch):
    if mode in (APP_SCOPE_OFF, BOTH_OFF):
        settings.TENANT_SCOPING_DISABLED_FOR_TESTS = True
    with rls_disabled(monkeypatch) if mode in (RLS_OFF, BOTH_OFF) else contextlib.nullcontext():
        yield


def _emails_since(last_pk: int) -> list[str]:
    rows = OutboundEmail.objects.filter(pk__gt=last_pk)
    return [f"{row.subject}\n{row.body_text}\n{row.body_html}" for row in rows] + [
        f"{message.subject}\n{message.body}" for message in mail.outbox
    ]


def _probe_cross_tenant(world, mode: str) -> list[tuple]:
    """Every object pattern with B's objects, every principal of A, every method.

    With the application's scope off, a lookup that lost its tenant filter may find several rows of the
    acting organization's own (its reseller's too) and fail with a 500: that refuses B as well, and row-level
    security must still show nothing of B."""
    b = world.tenants["b"]
    never = NEVER - {500} if mode == APP_SCOPE_OFF else NEVER
    failures = []
    for role, user in principals(world).items():
        cache.clear()
        client = world.client(user)
        for route in OBJECT_PARAMETERS:
            path = cross_tenant_path(route, b)
            for method, statuses in AUTHZ_MATRIX[route].items():
                expected = statuses[ROLES.index(role)]
                response = getattr(client, method.lower())(path, {"confirm": "on"} if method == "POST" else None)
                status, found = response.status_code, leaks(seen(response))
                to_login = response.get("Location", "").startswith("/accounts/login/")
                refused = status == expected or (mode == APP_SCOPE_OFF and status == 500)  # noqa: PLR2004
                if not refused or status in never or found:
                    failures.append((role, method, path, status, expected, found))
                elif role == "anonymous" and status == 302 and route not in PUBLIC and not to_login:
                    failures.append((role, method, path, status, response["Location"]))
    # One id of A's and one of B's in the same URL: A's customer, B's subscription.
    a, client = world.tenants["a"], world.client(world.tenants["a"].users["global_admin"])
    mixed = f"/customers/{a.objects['customer'].tenant_id}/subscriptions/{b.objects['subscription'].public_id}/"
    for method in ("get", "post"):
        response = getattr(client, method)(mixed, {"action": "quantity", "quantity": "42"})
        if response.status_code != 404 or leaks(seen(response)):
            failures.append(("global_admin", method, mixed, response.status_code, 404, leaks(seen(response))))
    return failures


def _tampering_posts(world) -> list[tuple[str, str, dict]]:
    """(role, path, body): A's forms, with valid values where they matter and B's ids in every tenant field."""
    a, b = world.tenants["a"], world.tenants["b"]
    b_ids = {
        "organization": b.provider.pk, "partner": b.provider.pk, "provider": b.provider.pk,
        "reseller": b.reseller.pk, "customer": b.objects["customer"].pk, "tenant_id": b.objects["customer"].tenant_id,
        "membership": b.objects["membership"].pk, "relationship": b.objects["partnership"].pk,
        "invitation": b.objects["customer_invitation"].pk, "user": b.users["global_admin"].pk,
    }  # fmt: skip
    tamper = {name: b_ids.get(name.removesuffix("_id"), b_ids["organization"]) for name in TAMPER_FIELDS}
    tamper["tenant_id"] = str(b_ids["tenant_id"])
    customer = f"/customers/{a.objects['customer'].tenant_id}"
    subscription = f"{customer}/subscriptions/{a.objects['subscription'].public_id}/"
    forms = [
        ("global_admin", "/settings/users/invite/", {"email": "new.hire@canary-a-provider.example",
                                                     "roles": ["sales_agent"]}),
        ("global_admin", f"/settings/users/{a.objects['membership'].pk}/", {"roles": ["sales_agent"]}),
        ("global_admin", "/customers/invitations/new/", {}),
        ("reseller", "/customers/invitations/new/", {"provider": a.provider.pk}),
        ("global_admin", "/partners/resellers/invitations/new/", {"message": "Hello"}),
        ("global_admin", f"{customer}/subscriptions/new/", {"offer": world.offers["standard"].pk, "quantity": "3",
                                                            "friendly_name": "Tampered", "partner_of_record": "",
                                                            "key": str(uuid.uuid4()), "confirm": "on"}),
        ("global_admin", subscription, {"action": "settings", "friendly_name": "Tampered", "auto_renew": "on"}),
        ("global_admin", subscription, {"action": "quantity", "quantity": "11"}),
        ("global_admin", subscription, {"action": "support_contact", "support_contact": b.reseller.pk}),
        ("global_admin", f"{customer}/agreement/", {"first_name": "Eve", "last_name": "Mallory",
                                                    "email": "eve@canary-a-x.example", "phone": "",
                                                    "date_agreed": "2026-01-02"}),
        ("global_admin", "/settings/identifiers/locations/new/", {"business_name": "Tampered location",
                                                                  "country": "US", "address_line1": "1 Main St",
                                                                  "city": "Seattle", "postal_code": "98101",
                                                                  "contact_name": "Pat",
                                                                  "contact_email": "pat@canary-a-provider.example"}),
        ("global_admin", "/settings/identifiers/", {"partner_id": b.objects["enrollment"].pk}),
        ("customer", "/customer/agreement/accept/", {"accept": "on"}),
        ("customer", "/settings/users/invite/", {"email": "colleague@canary-a-customer1.example",
                                                 "roles": ["global_admin"]}),
        ("global_admin", "/organization/switch/", {"organization": b.provider.pk}),
        ("global_admin", "/notifications/read-all/", {}),
    ]  # fmt: skip
    # Every POST of the matrix that A's principal may make, with nothing but the tampered fields.
    for route, row in AUTHZ_MATRIX.items():
        if route in OBJECT_PARAMETERS or "<" in route:
            continue
        for role in ("global_admin", "reseller", "customer"):
            if row["POST"][ROLES.index(role)] in {200, 302}:
                forms.append((role, "/" + route, {}))
    return [(role, path, {**tamper, **body}) for role, path, body in forms]


def _tamper(world) -> list[tuple]:
    a = world.tenants["a"]
    failures = []
    for role, path, body in _tampering_posts(world):
        cache.clear()
        response = world.client(a.users[role]).post(path, body)
        found = leaks(seen(response))
        if response.status_code == 500 or found:
            failures.append((role, path, response.status_code, found))
    return failures


def _search_pages(world) -> list[tuple]:
    """A's list and search pages, asked for B by name, domain, tenant id and reseller id."""
    b = world.tenants["b"]
    queries = [{}, {"q": "canary-b"}, {"q": "CANARY-B"}, {"q": str(b.objects["customer"].tenant_id)},
               {"q": b.objects["customer"].primary_domain}, {"reseller": b.reseller.pk}]  # fmt: skip
    lists = ["/", "/customers/", "/customers/export/", "/customers/invitations/", "/settings/users/",
             "/settings/activity/", "/notifications/", "/partners/resellers/", "/partners/providers/",
             "/directory/", "/customer/partners/", "/settings/legal/", "/settings/identifiers/",
             "/settings/agreements/", "/programs/csp/"]  # fmt: skip
    failures = []
    for role, user in principals(world).items():
        client = world.client(user)
        for path in lists:
            for query in queries:
                response = client.get(path, query)
                found = leaks(seen(response), echoed=" ".join(map(str, query.values())))
                if response.status_code == 500 or found:
                    failures.append((role, path, query, response.status_code, found))
    return failures


def sweep(world, mode: str, settings, monkeypatch) -> None:
    """The whole sweep in one mode; fails with every finding at once."""
    a, b = world.tenants["a"], world.tenants["b"]
    for user in principals(world).values():
        world.client(user)  # signed in before the snapshot: a sign-in writes last_login
    # Positive control: B's canaries do show to B, so the detector is not blind.
    assert leaks(seen(world.client(b.users["global_admin"]).get("/customers/")))
    last_email = OutboundEmail.objects.order_by("pk").last().pk
    mail.outbox.clear()
    everything = snapshots.table_hashes()
    b_rows = snapshots.tenant_hashes(b.organizations())
    a_subscriptions = set(Subscription.objects.filter(partner=a.provider).values_list("pk", flat=True))

    with mode_of(mode, settings, monkeypatch):
        cross_tenant = _probe_cross_tenant(world, mode)
        unchanged_by_probe = snapshots.changed(everything, snapshots.table_hashes())
        tampering = _tamper(world)
        searches = _search_pages(world)

    assert cross_tenant == []
    assert unchanged_by_probe == [], "requests with B's ids changed rows"
    assert tampering == []
    assert snapshots.changed(b_rows, snapshots.tenant_hashes(b.organizations())) == [], "B's rows changed"
    assert set(Subscription.objects.filter(partner=a.provider).values_list("pk", flat=True)) >= a_subscriptions
    # The tampered forms did their work, for A and with A's rows only.
    subscription = Subscription.objects.get(pk=a.objects["subscription"].pk)
    assert (subscription.quantity, subscription.friendly_name, subscription.partner) == (11, "Tampered", a.provider)
    assert UserInvitation.objects.get(email="new.hire@canary-a-provider.example").organization == a.provider
    assert PartnerId.objects.get(business_name="Tampered location").organization == a.provider
    assert Subscription.objects.get(friendly_name="Tampered", quantity=3).customer == a.objects["customer"]
    assert not Subscription.objects.filter(customer__in=b.customers).exclude(partner=b.provider).exists()
    assert searches == []
    assert [email for email in _emails_since(last_email) if leaks(email)] == []
    # Every page the sweep rendered is well formed: no nested form, no duplicate id, a label per control.
    assert sorted(world.page_problems) == []


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return build_world()


@pytest.mark.parametrize("mode", [NORMAL, APP_SCOPE_OFF, RLS_OFF])
def test_isolation_sweep(world, mode, settings, monkeypatch):
    """Each layer alone keeps B's rows from A: the application's scope with row-level security off, and
    row-level security with the application's scope off."""
    sweep(world, mode, settings, monkeypatch)


def test_with_both_layers_off_the_sweep_sees_the_leak(world, settings, monkeypatch):
    """The detector is not blind: with the application's scope AND row-level security off, B's rows show."""
    with pytest.raises(AssertionError):
        sweep(world, BOTH_OFF, settings, monkeypatch)


def test_the_scoping_switch_is_refused_outside_the_test_settings(settings, monkeypatch):
    """The switch can't be turned on in a deployment: a system-check error, and scoped() refuses to serve."""
    from django.core.exceptions import ImproperlyConfigured

    from partnerhub.accounts.models import Organization
    from partnerhub.core.scoping import check_scoping_switch, scoped

    settings.TENANT_SCOPING_DISABLED_FOR_TESTS = True
    assert check_scoping_switch() == []
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "partnerhub.settings.production")

    assert [error.id for error in check_scoping_switch()] == ["core.E001"]
    with pytest.raises(ImproperlyConfigured):
        scoped(Organization.objects, pk=1)
