"""The admin-relationship list pages run a fixed number of SQL queries, with 1 or 10 relationships listed."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from access import services
from tests.access.conftest import client_for

pytestmark = pytest.mark.django_db

# the request's own (user, RLS context, memberships) + the rows (the other party and the people joined); the
# customer's page of a partner also looks up the customer relationship first
BUDGET = {"partner_all": 4, "partner_customer": 5, "customer": 4}


def _pages(world) -> dict[str, tuple]:
    return {
        "partner_all": (world.provider_admin, "/admin-relationships/"),
        "partner_customer": (world.provider_admin, f"/customers/{world.customer.tenant_id}/admin-relationships/"),
        "customer": (world.customer_admin, "/customer/admin-relationships/"),
    }


def _count(user, path) -> int:
    client = client_for(user)
    client.get(path)  # warm the session
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("extra", [0, 9])
def test_the_list_pages_pin_their_query_count(world, extra):
    for n in range(extra):
        services.admin_relationship_request(
            partner=world.provider,
            customer=world.customer,
            actor=world.provider_admin,
            name=f"Request {n}",
            roles=["global_reader"],
            duration_days=30,
        )

    counts = {name: _count(user, path) for name, (user, path) in _pages(world).items()}

    assert counts == BUDGET
