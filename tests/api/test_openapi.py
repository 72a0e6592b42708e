"""The OpenAPI 3.1 document at /api/v1/schema/: valid, complete (a route the URL resolver knows but the document
doesn't fails the suite), every operation secured by the client-credentials token and answering problems; and
the pages at /api/docs/, public and served from our own static files."""

from __future__ import annotations

import re

import pytest
import schemathesis
import yaml
from django.test import Client
from jsonschema import Draft202012Validator
from schemathesis.specs.openapi.definitions import OPENAPI_31_VALIDATOR

from api.schema import RESPONSES, SECURITY, TOKEN_URL
from tests.api.openapi import API_PREFIX, SCHEMA_PATH, document, operations, resolver_routes, shape, undocumented

pytestmark = pytest.mark.django_db(transaction=False)


def _resolve(doc: dict, node: dict) -> dict:
    while "$ref" in node:
        *_, kind, name = node["$ref"].split("/")
        node = doc["components"][kind][name]
    return node


def test_the_document_is_valid_openapi_3_1_in_json_and_yaml():
    doc = document()

    assert doc["openapi"] == "3.1.0"
    errors = [f"{'/'.join(map(str, error.instance_path))}: {error.message}" for error in
              OPENAPI_31_VALIDATOR.iter_errors(doc)]  # fmt: skip
    assert errors == []
    # schemathesis reads it too (it validates on load) and finds each operation.
    loaded = schemathesis.openapi.from_dict(doc)
    assert loaded.statistic.operations.total == len(list(operations(doc))) > 0
    as_yaml = Client().get(SCHEMA_PATH)
    assert as_yaml["Content-Type"].startswith("application/vnd.oai.openapi")
    assert yaml.safe_load(as_yaml.content) == doc


def test_every_api_route_in_the_url_resolver_is_in_the_document():
    doc = document()
    routes = resolver_routes()

    assert "/api/v1/organization" in {route.path for route in routes}
    assert undocumented(doc, routes) == []
    # …and the document describes nothing that isn't routed.
    assert {shape(path) for path in doc["paths"]} <= {shape(route.path) for route in routes}
    print(f"\nOpenAPI: {len(routes)} routes under {API_PREFIX}, {len(list(operations(doc)))} operations documented")


def test_the_check_fails_on_a_route_the_document_leaves_out(settings):
    settings.ROOT_URLCONF = "tests.api.undocumented_urls"

    missing = undocumented(document())

    assert missing == ["DELETE /api/v1/probe-half/{pk}", "GET /api/v1/probe-hidden", "* /api/v1/probe-plain"]


def test_every_operation_needs_a_client_credentials_token_and_answers_problems(settings):
    doc = document()
    schemes = doc["components"]["securitySchemes"]

    assert schemes["oauth2"]["flows"]["clientCredentials"]["tokenUrl"] == settings.SITE_URL + TOKEN_URL
    assert schemes["bearer"]["scheme"] == "bearer"
    for method, path, operation in operations(doc):
        assert operation["security"] == SECURITY, f"{method} {path}"
        for status in RESPONSES:
            response = _resolve(doc, operation["responses"][status])
            schema = response["content"]["application/problem+json"]["schema"]
            assert _resolve(doc, schema) == doc["components"]["schemas"]["Problem"], f"{method} {path} {status}"
    assert set(doc["components"]["schemas"]["Problem"]["properties"]) >= {
        "status", "code", "detail", "field", "request_id", "errors"}  # fmt: skip


def test_a_call_without_a_token_gets_the_documented_problem():
    doc = document()
    problem_schema = {**doc["components"]["schemas"]["Problem"], "$defs": {}}
    problem_schema = _inline(doc, problem_schema)

    response = Client().get("/api/v1/organization")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    Draft202012Validator(problem_schema, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(response.json())
    assert response.json()["code"] == "not_authenticated"
    assert response.json()["request_id"] == response["X-Request-Id"]


def _inline(doc: dict, node):
    if isinstance(node, dict):
        if "$ref" in node:
            return _inline(doc, _resolve(doc, node))
        return {key: _inline(doc, value) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(doc, item) for item in node]
    return node


def test_the_docs_are_public_and_served_from_our_static_files():
    """The document and its pages describe the API, never a tenant's data: public, as most APIs' are."""
    page = Client().get("/api/docs/")

    assert page.status_code == 200
    html = page.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, html
    assert all(source.startswith(("/static/", "/api/")) for source in sources), sources
    assert "<script>" not in html  # the split view: its settings come as a script file, allowed by the CSP
    script = Client().get("/api/docs/", {"script": ""})
    assert script.status_code == 200
    assert f'"url": "{SCHEMA_PATH}"' in script.content.decode() or SCHEMA_PATH in script.content.decode()
    assert '"validatorUrl": null' in script.content.decode()  # Swagger UI never sends the document to swagger.io
    assert "script-src 'self';" in page["Content-Security-Policy"]


def test_a_path_no_route_matches_is_a_problem_too():
    for path in ("/api/v1/nothing-here", "/api/v1/organization/-1", "/api/v2/organization"):
        for response in (Client().get(path), Client(enforce_csrf_checks=True).post(path)):
            assert response.status_code == 404, path
            assert response["Content-Type"] == "application/problem+json"
            assert response.json()["code"] == "not_found"
