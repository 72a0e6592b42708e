"""What the commerce API tests share: Contoso's API clients (by roles), Fabrikam's (its reseller), and another
provider, Northwind, with a customer and subscriptions of its own whose ids must never answer for Contoso."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import Subscription
from partnerhub.accounts.models import Membership, Role
from tests import scenarios
from tests.api.calls import Api, api_for

PROBLEM = "application/problem+json"
# Every API call's own statements, in a test (where the call's transaction is a savepoint): its savepoint and
# the token's (4), the token's lookup under the platform's context (3), the row-level security context (1)
# and the call log's row (1). A list adds its page (and a prefetch per child list).
API_CALL_QUERIES = 9


@pytest.fixture
def contoso_api(seller, admin_member) -> Api:
    """Contoso's ERP: an indirect provider's client with Global admin."""
    return api_for(admin_member)


@pytest.fixture
def contoso_api_as(seller, make_member):
    """contoso_api_as(*roles) -> a Contoso client holding only these roles (made by a Global admin holding
    them too: a client holds at most its creator's roles)."""
    counter = iter(range(100))

    def make(*roles) -> Api:
        creator = make_member(seller[0], Role.GLOBAL_ADMIN, *roles)
        return api_for(creator, roles=roles, name=f"Client {next(counter)}")

    return make


@pytest.fixture
def fabrikam_api(seller) -> Api:
    """Fabrikam's client: Contoso's reseller (Global admin)."""
    reseller, reseller_user = seller[2], seller[3]
    return api_for(Membership.objects.get(organization=reseller, user=reseller_user), name="Fabrikam ERP")


@pytest.fixture
def northwind(seller, outsider_member, staff, mpa, make_customer, make_reseller, offers):
    """Another active provider (Outsider Corp) with its own customer, Tailspin, a subscription, and its own
    reseller, Litware: (organization, its admin member, the created customer, Litware)."""
    organization, user = outsider_member.organization, outsider_member.user
    scenarios.active_provider(outsider_member, staff, mpa)
    created = make_customer("tailspin", company_name="Tailspin Toys Inc.", with_reseller=False, partner=organization,
                            actor=user, lines=[(offers["standard"], 4)])  # fmt: skip
    litware, litware_user = make_reseller("Litware Resellers")
    scenarios.partner(organization, user, litware, litware_user)
    return organization, outsider_member, created, litware


@pytest.fixture
def northwind_subscription(northwind):
    return Subscription.objects.get(customer=northwind[2].organization)


def problem_of(response, status: int) -> dict:
    """The problem document of a refusal, after checking its status and media type."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert body["request_id"] == response["X-Request-Id"]
    return body


def queries_of(call) -> int:
    """How many SQL statements one API call ran."""
    with CaptureQueriesContext(connection) as captured:
        response = call()
    assert response.status_code == 200, response.content
    return len(captured)
