"""The API as the URL resolver knows it and as its OpenAPI document describes it, for the tests that must cover
every route without being told about each (test_openapi, test_schemathesis, test_isolation_sweep)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

API_PREFIX = "/api/v1/"
SCHEMA_PATH = "/api/v1/schema/"
METHODS = ("get", "post", "put", "patch", "delete")
# A converter or a named group in a route, as Django writes them: <int:pk>, <pk>, (?P<pk>...)
_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


@dataclass(frozen=True)
class Route:
    path: str  # as OpenAPI writes it: /api/v1/customers/{tenant_id}
    methods: frozenset[str]  # what the view answers (lowercase); empty when the view doesn't say (a function)
    name: str


def _openapi_path(route: str) -> str:
    route = route.removeprefix("^").removesuffix("$").removesuffix("\\Z")
    return "/" + _PARAMETER.sub(lambda m: "{" + (m.group(1) or m.group(2)) + "}", route)


def _methods(callback) -> frozenset[str]:
    view = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view is None:
        return frozenset()
    return frozenset(m for m in METHODS if m in getattr(view, "http_method_names", METHODS) and hasattr(view, m))


def _walk(resolver: URLResolver, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def resolver_routes() -> list[Route]:
    """Every route under /api/v1/ in the URL resolver (the document itself excepted)."""
    routes = []
    for route, pattern in _walk(get_resolver()):
        path = _openapi_path(route)
        if path.startswith(API_PREFIX) and path != SCHEMA_PATH:
            routes.append(Route(path, _methods(pattern.callback), pattern.name or ""))
    return sorted(routes, key=lambda r: r.path)


def document(client: Client | None = None) -> dict:
    """The OpenAPI document as /api/v1/schema/ serves it (JSON)."""
    response = (client or Client()).get(SCHEMA_PATH, {"format": "json"})
    assert response.status_code == 200, response.content[:500]
    return response.json()


def shape(path: str) -> str:
    """A path without its parameters' names (the document calls a `pk` `id`)."""
    return re.sub(r"\{[^}]+\}", "{}", path)


def undocumented(doc: dict, routes: list[Route] | None = None) -> list[str]:
    """`METHOD path` for each route (and each method its view answers) that the document doesn't describe."""
    missing = []
    paths = {shape(path): item for path, item in doc.get("paths", {}).items()}
    for route in resolver_routes() if routes is None else routes:
        item = paths.get(shape(route.path))
        if item is None:
            missing.append(f"{'|'.join(sorted(route.methods)).upper() or '*'} {route.path}")
            continue
        missing += [f"{method.upper()} {route.path}" for method in sorted(route.methods) if method not in item]
    return missing


def operations(doc: dict) -> Iterator[tuple[str, str, dict]]:
    """(method, path, operation) for every operation in the document."""
    for path, item in sorted(doc.get("paths", {}).items()):
        for method in METHODS:
            if method in item:
                yield method, path, item[method]
