"""The authorization matrix is complete and sane, and every page without a tenant object in its URL answers
each principal as the matrix says, showing nothing of tenant B (tests/security/authz_matrix.py)."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache

from partnerhub.core.models import OutboundEmail
from tests.security import snapshots
from tests.security.authz_matrix import AUTHZ_MATRIX, METHODS, PUBLIC, ROLES, THIRD_PARTY_RULES
from tests.security.patterns import (
    NON_TENANT_PARAMETERS,
    OBJECT_PARAMETERS,
    THIRD_PARTY_PREFIXES,
    plain_path,
    resolver_patterns,
)
from tests.security.world import build_world, leaks, principals, seen

SUCCESS_OR_CRASH = {200, 204, 500}


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return build_world()


def _project_patterns() -> set[str]:
    return {route for route in resolver_patterns() if not route.startswith(THIRD_PARTY_PREFIXES)}


def test_every_resolver_pattern_is_in_the_matrix_and_nothing_else():
    routes = list(resolver_patterns())
    project = _project_patterns()

    assert sorted(project - AUTHZ_MATRIX.keys()) == [], "URL patterns missing from AUTHZ_MATRIX"
    assert sorted(AUTHZ_MATRIX.keys() - project) == [], "AUTHZ_MATRIX lists patterns that no longer exist"
    assert set(THIRD_PARTY_RULES) == set(THIRD_PARTY_PREFIXES)
    assert all(route.startswith(THIRD_PARTY_PREFIXES) for route in set(routes) - project)
    for route, row in AUTHZ_MATRIX.items():
        assert set(row) == set(METHODS), route
        assert all(len(statuses) == len(ROLES) for statuses in row.values()), route


def test_every_pattern_with_a_parameter_is_instantiated_by_the_sweep():
    with_parameters = {route for route in _project_patterns() if "<" in route}

    assert with_parameters == OBJECT_PARAMETERS.keys() | NON_TENANT_PARAMETERS.keys()
    assert not OBJECT_PARAMETERS.keys() & NON_TENANT_PARAMETERS.keys()


def test_the_matrix_never_lets_a_principal_reach_another_tenants_object():
    for route in OBJECT_PARAMETERS:
        for method, statuses in AUTHZ_MATRIX[route].items():
            answers = dict(zip(ROLES, statuses, strict=True))
            assert not SUCCESS_OR_CRASH & set(statuses), (route, method, answers)
            assert answers["anonymous"] in {302, 404, 405}, (route, method, answers)


def test_pages_without_tenant_objects_answer_as_the_matrix_says_and_show_nothing_of_b(world):
    """Function-level authorization: every principal of A, every method, on every page without a tenant object
    (POST with an empty body). B's rows don't change and no B canary shows in a body, redirect or email."""
    b = world.tenants["b"]
    before = snapshots.tenant_hashes(b.organizations())
    last_email = OutboundEmail.objects.order_by("pk").last().pk
    failures = []
    for role, user in principals(world).items():
        cache.clear()  # allauth's and the token links' per-IP rate limits: each principal starts afresh
        client = world.client(user)
        for route in sorted(AUTHZ_MATRIX.keys() - OBJECT_PARAMETERS.keys()):
            path = plain_path(route, world)
            for method, statuses in AUTHZ_MATRIX[route].items():
                expected = statuses[ROLES.index(role)]
                response = getattr(client, method.lower())(path)
                found = leaks(seen(response))
                if response.status_code != expected or found:
                    failures.append((role, method, path, response.status_code, expected, found))
                if role == "anonymous" and response.status_code == 302 and route not in PUBLIC:
                    assert response["Location"].startswith("/accounts/login/"), (method, path)

    assert failures == []
    assert snapshots.changed(before, snapshots.tenant_hashes(b.organizations())) == []
    emails = OutboundEmail.objects.filter(pk__gt=last_email)
    assert [email.pk for email in emails if leaks(email.subject + email.body_text + email.body_html)] == []
    assert [m.subject for m in mail.outbox if leaks(m.subject + m.body)] == []


def _admin_path(route: str, world) -> str:
    b = world.tenants["b"]
    path = route.replace("^", "").replace("$", "")
    path = re.sub(r"\(\?P<app_label>[^)]*\)", "customers", path)
    path = path.replace("(?P<url>.*)", "nowhere/")
    path = re.sub(r"<[^>]+>", str(b.provider.pk), path)
    return "/" + path


def test_admin_is_staff_only(world):
    """THIRD_PARTY_RULES["admin/"], for every admin pattern (object ids: B's provider's pk)."""
    failures = []
    for role, user in principals(world).items():
        cache.clear()
        client = world.client(user)
        for route in resolver_patterns():
            if not route.startswith("admin/") or route == "admin/login/":
                continue
            path = _admin_path(route, world)
            for method in ("get", "post"):
                response = getattr(client, method)(path)
                if role == "staff":
                    ok = response.status_code != 500
                else:
                    target = response.get("Location", "")
                    ok = response.status_code == 302 and ("login" in target or route == "admin/logout/")
                    ok = ok and not leaks(seen(response))
                if not ok:
                    failures.append((role, method, path, response.status_code, response.get("Location")))
    assert failures == []


def test_allauth_pages_never_crash_nor_show_another_tenant(world):
    """THIRD_PARTY_RULES["accounts/"], for every allauth pattern (keys and tokens: made up)."""
    failures = []
    for role, user in principals(world).items():
        client = world.client(user)
        for route in resolver_patterns():
            if not route.startswith("accounts/"):
                continue
            path = route.replace("^", "").replace("$", "")
            path = path.replace("(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)", "1-set-password")
            path = re.sub(r"\(\?P<key>[^)]*\)", "made-up-key", path)
            cache.clear()
            for method in ("get", "post"):
                response = getattr(client, method)("/" + path)
                found = leaks(seen(response))
                if response.status_code == 500 or found:
                    failures.append((role, method, path, response.status_code, found))
    assert failures == []


PUBLIC_API = ("api/v1/schema/", "api/docs/")


def test_the_api_takes_no_session_for_a_credential(world):
    """THIRD_PARTY_RULES["api/"], for every API pattern (parameters: 1, or made up)."""
    failures = []
    for role, user in principals(world).items():
        client = world.client(user)
        for route in resolver_patterns():
            if not route.startswith("api/"):
                continue
            path = "/" + re.sub(r"<int:\w+>", "1", re.sub(r"<(?:str|uuid|slug):\w+>", "made-up", route))
            for method in ("get", "post"):
                response = getattr(client, method)(path)
                if route.startswith(PUBLIC_API):
                    ok = response.status_code in {200, 405}
                elif route == "api/<path:rest>":  # the catch-all: no such resource
                    ok = response.status_code == 404 and "problem+json" in response["Content-Type"]
                elif route == "api/oauth/token/":
                    ok = response.status_code in ({405} if method == "get" else {400, 401})
                else:
                    ok = response.status_code in {401, 405} and "problem+json" in response["Content-Type"]
                if not ok or leaks(seen(response)):
                    failures.append((role, method, path, response.status_code))
    assert failures == []
