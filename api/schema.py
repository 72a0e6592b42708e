"""What the OpenAPI document says about every operation without each view repeating it (drf-spectacular).

- Security: OAuth 2.0 client credentials (token at `/api/oauth/token/`) or, equivalently, the bearer token it
  returns; every operation requires one of the two.
- Errors: RFC 9457 problem documents (`application/problem+json`, api/problems.py), the `Problem` schema;
  every operation lists 400, 401, 403, 404 and 429 unless its view documents that status itself.
- A view with no docstring of its own gets no description (rather than its base class's).

Loaded by `ApiConfig.ready` (the authentication extension registers itself on import); the hook is named in
SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"].
"""

from __future__ import annotations

import inspect
from http import HTTPStatus
from typing import Any

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse

from .problems import CONTENT_TYPE, TYPE_PREFIX

TOKEN_URL = "/api/oauth/token/"  # noqa: S105 - a path
OAUTH2, BEARER = "oauth2", "bearer"
SECURITY = [{OAUTH2: ["api"]}, {BEARER: []}]
METHODS = ("get", "put", "post", "patch", "delete", "head", "options", "trace")


class ClientCredentialsScheme(OpenApiAuthenticationExtension):
    """api.auth.ClientCredentialsAuthentication: a token from the token endpoint, sent as a bearer token."""

    target_class = "api.auth.ClientCredentialsAuthentication"
    name = [OAUTH2, BEARER]

    def get_security_definition(self, auto_schema) -> list[dict[str, Any]]:
        scopes = settings.OAUTH2_PROVIDER.get("SCOPES", {"api": "The PartnerHub API"})
        return [
            {
                "type": "oauth2",
                "description": "An API client's id and secret (HTTP Basic) for a short-lived access token.",
                # OpenAPI 3.1 wants a URL here, not a path: the site's (never the request's Host header).
                "flows": {"clientCredentials": {"tokenUrl": settings.SITE_URL + TOKEN_URL, "scopes": scopes}},
            },
            {"type": "http", "scheme": "bearer", "description": "The access token from " + TOKEN_URL},
        ]


_ERROR = {
    "type": "object",
    "required": ["field", "code", "message"],
    "properties": {
        "field": {"type": "string", "description": "The field, dotted for nested ones (`lines.0.quantity`)."},
        "code": {"type": "string"},
        "message": {"type": "string"},
    },
}
PROBLEM = {
    "type": "object",
    "description": "An RFC 9457 problem document: the reason code and the sentence the pages show.",
    "required": ["type", "title", "status", "code", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri", "examples": [TYPE_PREFIX + "not_found"]},
        "title": {"type": "string", "examples": ["Not Found"]},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "code": {"type": "string", "description": "A reason code to switch on.", "examples": ["not_found"]},
        "detail": {"type": "string", "description": "The sentence the page would show."},
        "field": {"type": "string", "description": "The request field the problem is about."},
        "request_id": {"type": "string", "format": "uuid", "description": "Also the `X-Request-Id` header."},
        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/ProblemError"}},
    },
}
_RETRY_AFTER = {"description": "Seconds until the budget allows a call.", "schema": {"type": "integer"}}
RESPONSES: dict[str, tuple[str, str, dict[str, Any]]] = {
    # status: (component name, description, headers)
    "400": ("BadRequest", "The request is invalid: `field` and `errors` say where.", {}),
    "401": ("Unauthorized", "No access token, or an invalid or expired one.", {}),
    "403": ("Forbidden", "The client's roles don't allow this.", {}),
    "404": ("NotFound", "No such object in the client's organization.", {}),
    "429": (
        "TooManyRequests",
        "The organization's or the client's request budget is spent.",
        {"Retry-After": _RETRY_AFTER},
    ),  # fmt: skip
}


def problems(*statuses: int) -> dict[tuple[int, str], OpenApiResponse]:
    """The refusals an operation may answer, for its `extend_schema(responses=…)`: each becomes a problem
    document (the `Problem` schema) in `postprocess`, which also adds 400/401/403/404/429 to every operation."""
    return {(status, CONTENT_TYPE): OpenApiResponse(description=HTTPStatus(status).phrase) for status in statuses}


def _problem_response(description: str, headers: dict[str, Any]) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if headers:
        response["headers"] = headers
    return response


def _as_problem(status: str, response: dict[str, Any]) -> dict[str, Any]:
    """A view's own error response, whatever schema or media type it named: the problem document it really is
    (the exception handler and `problem()` answer every error), with the view's description if it gave one."""
    if status in RESPONSES and not response.get("description"):
        return {"$ref": f"#/components/responses/{RESPONSES[status][0]}"}
    _name, default, headers = RESPONSES.get(status, ("", HTTPStatus(int(status)).phrase, {}))
    return _problem_response(response.get("description") or default, headers)


def _inherited_docstrings() -> set[str]:
    from .views import base

    classes = [base.ApiMixin, base.ApiView, base.ListView, base.RetrieveView]
    return {inspect.cleandoc(cls.__doc__) for cls in classes if cls.__doc__} | {
        inspect.cleandoc(cls.__doc__) for cls in inspect.getmro(base.ListView) + inspect.getmro(base.RetrieveView)
        if cls.__doc__ and cls.__module__.startswith("rest_framework")
    }  # fmt: skip


def postprocess(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """The problem schema and responses, and the security requirement, on every operation."""
    components = result.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = PROBLEM
    schemas["ProblemError"] = _ERROR
    responses = components.setdefault("responses", {})
    for name, description, headers in RESPONSES.values():
        responses[name] = _problem_response(description, headers)
    inherited = _inherited_docstrings()
    for path_item in result.get("paths", {}).values():
        for method in METHODS:
            operation = path_item.get(method)
            if operation is None:
                continue
            operation["security"] = SECURITY
            if operation.get("description", "").strip() in inherited:
                del operation["description"]
            documented = operation.setdefault("responses", {})
            for status, response in documented.items():
                if status[:1] in "45" and "$ref" not in response:  # every error is a problem (api/problems.py)
                    documented[status] = _as_problem(status, response)
            for status, (name, _description, _headers) in RESPONSES.items():
                documented.setdefault(status, {"$ref": f"#/components/responses/{name}"})
    return result
