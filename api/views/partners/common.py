"""What the partner views share: each asks what its page asks, in the page's words — the same permission
(`permissions`, or `check` after the object is found, so that another tenant's id is a 404 whatever the
roles), the same eligibility (403 with the page's refusal), the same throttle (429 with the page's
sentence) — and documents its refusals as problem documents."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions
from rest_framework.response import Response

from partnerhub.core import throttle

from ...pagination import Cursor
from ...problems import problem
from ...schema import problems as problems

TAG = ["partners"]


# Path parameters as the routes accept them (an id is <int:…>, never negative; a partner ID is digits), so that
# the document promises no URL that routing would answer with its HTML 404.
ID = OpenApiParameter("id", {"type": "integer", "minimum": 0}, OpenApiParameter.PATH)
NUMBER = OpenApiParameter(
    "number", {"type": "string", "pattern": "^[0-9]{1,20}$"}, OpenApiParameter.PATH, description="A partner ID."
)


def ordered_cursor(*ordering: str) -> type[Cursor]:
    """The API's cursor pagination in `ordering` (its first field is the cursor's position)."""
    return type("OrderedCursor", (Cursor,), {"ordering": ordering})


class Refused(exceptions.APIException):
    """A refusal the page shows as a page of its own (its code and sentence), as a problem."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status_code = status
        self.problem_code = code


def not_allowed() -> exceptions.PermissionDenied:
    """The roles' refusal, for a check made after the object was found (api.auth.HasPermission's sentence)."""
    return exceptions.PermissionDenied(_("This API client's roles don't allow this."))


def check(request, perm: str) -> None:
    if not request.user.has_perm(perm, request.membership):
        raise not_allowed()


class Throttled(exceptions.APIException):
    """A page's throttle refused: 429 with its sentence and Retry-After."""

    status_code = 429

    def __init__(self, exc: throttle.Throttled) -> None:
        super().__init__(throttle.throttled_message(exc))
        self.retry_after = exc.retry_after


def spend(request, action: str) -> throttle.Usage | None:
    """Count one `action` against the organization, as the page's @throttle does; Throttled (429) past its rate."""
    scope = throttle.request_scope(request)  # the organization: the page's counter, shared with it
    if scope is None or not throttle.enabled():
        return None
    try:
        return throttle.hit(action, scope)
    except throttle.Throttled as exc:
        raise Throttled(exc) from None


class PartnersMixin:
    """Refusals as problem documents with the page's code (eligibility, throttles)."""

    def handle_exception(self, exc: Exception) -> Response:
        request = self.request  # type: ignore[attr-defined]
        if isinstance(exc, Refused):
            return problem(exc.status_code, code=exc.problem_code, detail=str(exc.detail), request=request)
        if isinstance(exc, Throttled):
            response = problem(429, code="throttled", detail=str(exc.detail), request=request)
            response["Retry-After"] = str(exc.retry_after)
            return response
        return super().handle_exception(exc)  # type: ignore[misc]


def not_selling() -> Refused:
    """agreements.views.SELLER's page (status_lookup_forbidden.html), as a problem."""
    return Refused(
        403,
        "not_selling",
        _(
            "Only an organization with an active indirect provider or direct-bill enrolment can verify a reseller's "
            "partner ID. If your enrolment is still being verified, for example while the primary contact's email "
            "address waits for confirmation, you can verify partner IDs once it is active."
        ),
    )


def not_provider() -> Refused:
    """relationships.views.PROVIDER's page (not_provider.html), as a problem."""
    return Refused(
        403,
        "not_provider",
        _("Your organization isn't enrolled as an indirect provider. Resellers find their provider in the directory."),
    )
