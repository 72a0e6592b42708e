"""Errors as RFC 9457 problem documents (`application/problem+json`).

Each carries the reason code and the sentence the page would show (`code`, `detail`), the field it is about,
and the call's `request_id` (also the `X-Request-Id` header). Another tenant's object is a plain 404, never a
403 that would say it exists.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.response import Response

from partnerhub.core.errors import ApplicationError

CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "https://partnerhub.example/problems/"

# DRF's exception classes → the code a client can switch on.
_CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "invalid_token",
    exceptions.PermissionDenied: "forbidden",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "rate_limited",
    exceptions.ParseError: "malformed_request",
    exceptions.ValidationError: "invalid",
}

# A service's refusal is a 400 unless its code says the caller may not do this at all.
APPLICATION_ERROR_STATUS = {"not_seller": 403, "credit_limit": 409, "orders_blocked": 409}


def problem(status: int, *, code: str, detail: str, field: str | None = None, request=None, **extra: Any) -> Response:
    """A problem document response; views use it for refusals that are not exceptions."""
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + code,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "code": code,
        "detail": str(detail),
    }
    if field:
        body["field"] = field
    body.update(extra)
    if request is not None and getattr(request, "request_id", None):
        body["request_id"] = str(request.request_id)
    return Response(body, status=status, content_type=CONTENT_TYPE)


def _flatten(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    """DRF's nested validation errors → [{field, code, message}], fields dotted (`lines.0.quantity`)."""
    if isinstance(detail, dict):  # a nested list's own error is its field's: `lines`, not `lines.non_field_errors`
        return [
            item
            for key, value in detail.items()
            for item in _flatten(value, prefix if key == "non_field_errors" and prefix else f"{prefix}{key}.")
        ]
    if isinstance(detail, list):
        if all(isinstance(item, exceptions.ErrorDetail | str) for item in detail):
            field = prefix.rstrip(".")
            return [{"field": field, "code": getattr(item, "code", "invalid"), "message": str(item)} for item in detail]
        return [item for index, value in enumerate(detail) for item in _flatten(value, f"{prefix}{index}.")]
    return [{"field": prefix.rstrip("."), "code": getattr(detail, "code", "invalid"), "message": str(detail)}]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    request = context.get("request")
    if isinstance(exc, ApplicationError):
        status = getattr(exc, "status", APPLICATION_ERROR_STATUS.get(exc.code, HTTPStatus.BAD_REQUEST))
        return problem(status, code=exc.code, detail=exc.message, field=exc.field, request=request)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(_("This API client's roles don't allow this."))
    if not isinstance(exc, exceptions.APIException):
        return None  # a bug: Django's 500, logged
    code = next((code for kind, code in _CODES.items() if isinstance(exc, kind)), "error")
    headers: dict[str, str] = {}
    extra: dict[str, Any] = {}
    if isinstance(exc, exceptions.ValidationError):
        errors = [error for error in _flatten(exc.detail) if error["message"]]
        first = errors[0] if errors else {"field": "", "message": _("Invalid input."), "code": "invalid"}
        response = problem(
            exc.status_code,
            code=first["code"] if first["code"] not in {"invalid", "required", "null", "blank"} else "invalid",
            detail=first["message"],
            field=first["field"].removeprefix("non_field_errors") or None,
            request=request,
            errors=errors,
        )
        return response
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        headers["Retry-After"] = str(max(1, int(exc.wait + 0.999)))
        detail = _("Too many requests: this organization's or client's budget is spent. Retry in %(s)s seconds.") % {
            "s": headers["Retry-After"]
        }
    else:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
    response = problem(exc.status_code, code=code, detail=detail, request=request, **extra)
    for name, value in headers.items():
        response[name] = value
    return response


@csrf_exempt  # a POST to an unknown API path is answered like a GET: no session, so no CSRF page
def not_found(request, *args: Any, **kwargs: Any):
    """Any other path under /api/ (an id that isn't one, `/api/v1/nothing`): a problem document, never the
    site's HTML 404 page."""
    from django.http import JsonResponse

    body = {"type": TYPE_PREFIX + "not_found", "title": HTTPStatus.NOT_FOUND.phrase, "status": 404,
            "code": "not_found", "detail": str(_("Not found."))}  # fmt: skip
    return JsonResponse(body, status=404, content_type=CONTENT_TYPE)
