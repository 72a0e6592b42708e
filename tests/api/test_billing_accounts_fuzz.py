# ruff: noqa: F811 - the fixtures imported from tests.api.commerce are this module's arguments
"""schemathesis against the accounts receivable routes (billing accounts, payments, standing), as Contoso's
client with an invoice to its reseller: no 5xx, and every answer as documented."""

from __future__ import annotations

import pytest
import schemathesis

from api.models import ApiLimit
from tests.api.commerce import contoso_api  # noqa: F401 - fixtures
from tests.api.test_commerce_fuzz import _fuzz, wsgi_app
from tests.billing.ar_helpers import invoiced

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

OPERATIONS = {
    "billing_accounts_list", "billing_accounts_get", "billing_accounts_update", "billing_accounts_block",
    "billing_accounts_unblock", "billing_standing", "payments_list", "payments_create",
}  # fmt: skip


def test_the_accounts_receivable_routes_answer_as_documented(seller, make_customer, offers, contoso_api):
    invoiced(seller, make_customer, offers)
    ApiLimit.objects.create(organization=contoso_api.client.organization, requests_per_minute=1_000_000)
    headers = {"Authorization": f"Bearer {contoso_api.token}"}
    document = contoso_api.get("/api/v1/schema/", headers={"Accept": "application/vnd.oai.openapi+json"}).json()
    schema = schemathesis.openapi.from_dict(document)
    operations = [
        result.ok()
        for result in schema.get_all_operations()
        if result.ok().definition.raw.get("operationId", "") in OPERATIONS
    ]
    assert len(operations) == 8  # every accounts receivable operation
    failures: list[str] = []
    with wsgi_app() as app:
        for operation in operations:
            _fuzz(operation, app, headers, failures)
    assert failures == []
