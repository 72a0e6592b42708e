"""What the partner-side API tests share: a client holding one role, and the SQL count of a call."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.calls import Api, api_for


def api_with_role(membership, role: str, name: str = "Limited") -> Api:
    """A client holding only `role`, made by `membership` (a Global admin, given that role too: a client holds
    at most its creator's roles)."""
    if role not in membership.roles:
        membership.roles = [*membership.roles, role]
        membership.save(update_fields=["roles"])
    return api_for(membership, roles=[role], name=name)


def queries_of(api: Api, path: str, params: dict | None = None) -> int:
    """How many SQL statements one call runs (the call must succeed)."""
    with CaptureQueriesContext(connection) as captured:
        response = api.get(path, params)
    assert response.status_code == 200, response.content
    return len(captured.captured_queries)


def assert_problem(response, status: int, code: str, detail: str | None = None, field: str | None = None) -> dict:
    """A problem document with this status, code (and sentence, field)."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code, body
    if detail is not None:
        assert detail in body["detail"], body
    if field is not None:
        assert body.get("field") == field, body
    assert body["request_id"] == response["X-Request-Id"]
    return body
