# ruff: noqa: F811 - the fixtures imported from tests.api.commerce are this module's arguments
"""schemathesis against the commerce routes of the OpenAPI document, as Contoso's client (bounded examples):
no 5xx, and every answer as documented (status, media type, body)."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings

from api.models import ApiLimit
from tests.api.commerce import contoso_api, northwind  # noqa: F401 - fixtures

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

EXAMPLES = 15


def test_the_commerce_routes_answer_as_documented(contoso_api, customer, northwind):
    ApiLimit.objects.create(organization=contoso_api.client.organization, requests_per_minute=1_000_000)
    headers = {"Authorization": f"Bearer {contoso_api.token}"}
    document = contoso_api.get("/api/v1/schema/", headers={"Accept": "application/vnd.oai.openapi+json"}).json()
    schema = schemathesis.openapi.from_dict(document)
    app = get_wsgi_application()
    operations = [
        result.ok()
        for result in schema.get_all_operations()
        if result.ok().definition.raw.get("operationId", "").startswith("commerce_")
    ]
    assert len(operations) == 15
    failures = []
    for operation in operations:

        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(case=operation.as_strategy())
        def check(case):
            response = case.call(app=app, headers=headers)
            assert response.status_code < 500, (case.method, case.formatted_path, response.text[:500])
            try:
                case.validate_response(response)
            except Exception as exc:  # noqa: BLE001 - every operation is checked, then all failures shown
                failures.append(f"{case.method} {case.formatted_path}: {str(exc)[:800]}")

        check()
    assert failures == []
