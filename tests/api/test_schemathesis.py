"""schemathesis against the OpenAPI document: every operation it describes, called by a real client (a Global
admin's token from the token endpoint, of an active provider with a reseller, a customer and subscriptions),
through the WSGI application, with bounded examples derandomized (the same cases every run).

No answer may be a 5xx, and each must be one the document describes: its status, its content type and a body
that matches its schema. The counts are printed for the closing note (`-s` shows them).
"""

from __future__ import annotations

import contextlib
from collections import Counter

import hypothesis
import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.calls import api_for
from tests.api.openapi import document

pytestmark = pytest.mark.django_db(transaction=False)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
MAX_EXAMPLES = 15  # per operation
SEED = 17  # the number: the same cases every run


@contextlib.contextmanager
def _same_connection():
    """Django's WSGI handler closes the database connection after each request; the test's transaction must
    survive every call (Django's test client does the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _headline(failure: str) -> str:
    """`GET /path: ST108 Response violates schema: "" is not a "email"` — one line per kind of failure."""
    lines = [line.strip() for line in failure.splitlines() if line.strip()]
    title = next((line.removeprefix("- ") for line in lines if line.startswith("- ")), lines[0] if lines else "")
    index = lines.index(next((line for line in lines if line.removeprefix("- ") == title), lines[0]))
    detail = lines[index + 1] if index + 1 < len(lines) else ""
    return f"{failure.split(':', 1)[0]}: {title}: {detail}"[:300]


def fuzz(token: str) -> tuple[Counter[str], Counter[int], list[str]]:
    """Every operation of the served document, MAX_EXAMPLES cases each: (counts, statuses, failures)."""
    schema = schemathesis.openapi.from_dict(document())
    schema.app = WSGIHandler()
    auth = {"Authorization": f"Bearer {token}"}
    counts: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    failures: list[str] = []

    def run(operation) -> None:
        @hypothesis.settings(
            max_examples=MAX_EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],  # no shrinking: every failure is reported as found
            suppress_health_check=list(HealthCheck),
        )
        @hypothesis.seed(SEED)
        @hypothesis.given(case=operation.as_strategy())
        def each(case) -> None:
            counts["cases"] += 1
            try:
                response = case.call(headers=auth)
            except Exception as crash:  # noqa: BLE001 - the WSGI app raised: a server error
                failures.append(f"{operation.label}: {type(crash).__name__}: {crash}")
                return
            statuses[response.status_code] += 1
            try:
                case.validate_response(response, checks=CHECKS, headers=auth)
            except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001 - collected, reported all at once
                failures.append(f"{operation.label}: {str(failure).strip()[:1500]}")

        each()

    with _same_connection():
        for result in schema.get_all_operations():
            counts["operations"] += 1
            run(result.ok())
    return counts, statuses, failures


def test_every_operation_answers_as_documented_with_no_server_error(admin_member, customer, settings):
    settings.API_REQUESTS_PER_MINUTE = 1_000_000  # the fuzzing is not what the budget is for

    counts, statuses, failures = fuzz(api_for(admin_member).token)

    print(
        f"\nschemathesis: {counts['operations']} operations, {counts['cases']} cases "
        f"(at most {MAX_EXAMPLES} each, seed {SEED}), {len(failures)} failures; "
        f"statuses {dict(sorted(statuses.items()))}"
    )
    distinct = sorted({_headline(failure) for failure in failures})
    print(f"schemathesis: {len(distinct)} distinct failures:\n" + "\n".join(distinct) if distinct else "")
    assert counts["operations"] > 0
    assert failures == [], "\n".join(distinct) + "\n\nThe first in full:\n" + failures[0]


def test_the_run_fails_on_a_server_error_or_an_answer_unlike_the_document(admin_member, settings):
    # The request budget would answer 429 before the run reaches the probes (62 operations since billing's).
    settings.API_REQUESTS_PER_MINUTE = 1_000_000
    settings.ROOT_URLCONF = "tests.api.lying_urls"
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False

    _counts, _statuses, failures = fuzz(api_for(admin_member).token)

    assert any(f.startswith("GET /api/v1/probe-wrong-type") and "twelve" in f for f in failures), failures
    assert any(f.startswith("GET /api/v1/probe-crash/{id}") and "500" in f for f in failures), failures
    assert not any("/api/v1/organization" in f for f in failures)
