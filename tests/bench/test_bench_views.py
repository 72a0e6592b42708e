"""The benchmark's yardsticks: absent unless bench.settings mounts them; the ceiling signs in, resolves the acting
organization like a partner page and runs exactly one query of its own."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.management import get_commands

from customers.models import CustomerRelationship
from partnerhub.accounts.models import Organization
from tests.factories import OrganizationFactory

# User, row-level security context and acting membership (the middleware, as on every signed-in page; the
# session is a cache hit with cached_db sessions), then the ceiling's own query.
CEILING_QUERIES = 4


@pytest.mark.parametrize("path", ["/__bench/ceiling/", "/__bench/hello/"])
def test_bench_views_are_not_mounted_by_default(admin_client, path):
    assert admin_client.get(path).status_code == 404


def test_the_seeder_and_its_views_are_installed_by_the_bench_settings_only():
    assert not apps.is_installed("bench.seeding")
    assert "seed_bench" not in get_commands()


@pytest.mark.usefixtures("bench_views")
def test_hello_needs_no_database(db, client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/__bench/hello/")
    assert response.status_code == 200
    assert response.content == b"hello\n"


@pytest.mark.usefixtures("bench_views")
def test_ceiling_needs_sign_in(client):
    response = client.get("/__bench/ceiling/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.usefixtures("bench_views")
def test_ceiling_runs_one_query_behind_the_middleware(admin_client, admin_member, django_assert_num_queries):
    provider = admin_member.organization
    for name in ("Zeta Foods", "Alpha Mills"):
        customer = OrganizationFactory(kind=Organization.Kind.CUSTOMER, legal_name=name)
        CustomerRelationship.objects.create(partner=provider, customer=customer, kind="direct", customer_name=name)
    admin_client.get("/__bench/ceiling/")  # warm: first-request work (translations, template loading) aside

    with django_assert_num_queries(CEILING_QUERIES):
        response = admin_client.get("/__bench/ceiling/")

    assert response.status_code == 200
    assert b"Alpha Mills" in response.content
    assert 700 < len(response.content) < 2000  # about the weight of a small real page's body


@pytest.mark.usefixtures("bench_views")
def test_ceiling_shows_only_the_acting_organizations_customers(client, outsider_member, admin_member):
    customer = OrganizationFactory(kind=Organization.Kind.CUSTOMER, legal_name="Provider's Own Customer")
    CustomerRelationship.objects.create(
        partner=admin_member.organization, customer=customer, kind="direct", customer_name=customer.legal_name
    )
    client.force_login(outsider_member.user)

    response = client.get("/__bench/ceiling/")

    assert response.status_code == 200
    assert b"Provider's Own Customer" not in response.content
