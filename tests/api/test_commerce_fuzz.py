# ruff: noqa: F811 - the fixtures imported from tests.api.commerce are this module's arguments
"""schemathesis against the commerce routes of the OpenAPI document, as Contoso's client (bounded examples):
no 5xx, and every answer as documented (status, media type, body)."""

from __future__ import annotations

import contextlib

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from api.models import ApiLimit
from tests.api.commerce import contoso_api, northwind  # noqa: F401 - fixtures

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

EXAMPLES = 25
# What an answer must be. Not "schema-valid data is accepted": a business rule refuses valid shapes (a taken
# domain, a closed 7-day window) with a documented 400.
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]


@contextlib.contextmanager
def wsgi_app():
    """Django's WSGI application, keeping the test's connection open between calls (as its test client does,
    which connects the signal again after each of its own calls)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def test_the_commerce_routes_answer_as_documented(contoso_api, customer, northwind):
    ApiLimit.objects.create(organization=contoso_api.client.organization, requests_per_minute=1_000_000)
    headers = {"Authorization": f"Bearer {contoso_api.token}"}
    document = contoso_api.get("/api/v1/schema/", headers={"Accept": "application/vnd.oai.openapi+json"}).json()
    schema = schemathesis.openapi.from_dict(document)
    operations = [
        result.ok()
        for result in schema.get_all_operations()
        if result.ok().definition.raw.get("operationId", "").startswith("commerce_")
    ]
    assert len(operations) == 20  # + the subscription lifecycle's five (issue 18)
    failures: list[str] = []
    with wsgi_app() as app:
        for operation in operations:
            _fuzz(operation, app, headers, failures)
    assert failures == []


def _fuzz(operation, app, headers, failures) -> None:
    """EXAMPLES generated calls of one operation; a 5xx stops the test, a schema violation is collected."""

    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def check(case):
        response = case.call(app=app, headers=headers)
        assert response.status_code < 500, (case.method, case.formatted_path, response.text[:500])  # noqa: PLR2004
        try:
            case.validate_response(response, checks=CHECKS)
        except Exception as exc:  # noqa: BLE001 - every operation is checked, then all failures shown
            failures.append(f"{case.method} {case.formatted_path}: {str(exc)[:800]}")

    check()
