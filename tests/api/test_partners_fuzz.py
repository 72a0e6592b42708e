"""schemathesis over the partner routes' part of the OpenAPI document, as an authenticated provider: no 5xx,
no answer the document doesn't describe (bounded examples; the whole API's run belongs to `make test`)."""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.api.calls import api_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner_api(partners, admin_member, settings):
    settings.API_REQUESTS_PER_MINUTE = 1_000_000  # the fuzzer's burst is not what the budget is about
    settings.THROTTLE_RATES = {"partner_id_lookup": "100000/h", "invitation_create": "100000/h",
                               "partner_email_send": "100000/h"}  # fmt: skip
    return api_for(admin_member)


@pytest.fixture
def _test_connection():
    """Keep the test's connection (and its transaction) across the WSGI calls, as Django's test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def partner_schema(partner_api, _test_connection):
    return schemathesis.openapi.from_wsgi(
        "/api/v1/schema/?format=json",
        get_wsgi_application(),
        headers={"Authorization": f"Bearer {partner_api.token}"},
    ).include(operation_id_regex="^(partners_|organization_)")


def test_the_partner_routes_answer_as_documented(partner_schema, partner_api):
    headers = {"Authorization": f"Bearer {partner_api.token}"}
    operations = [result.ok() for result in partner_schema.get_all_operations()]
    assert len(operations) == 14  # every partner operation (provider access: issue 18) and the organization

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def answers_as_documented(case):
            # A cursor, a date or a partner ID is a string in the document, and most strings are not one: the
            # 400 problem that answers them is documented, not a rejection of valid data.
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        answers_as_documented()
