"""The partner side of the API, over the services and selectors the pages use: the partner-ID status lookup
(agreements), Indirect resellers / Indirect providers and partnership requests (relationships), the activity
log and notifications (portal).

Each view asks what its page asks, in the page's words: the same permission (`permissions`, or a check after
the object is found, so that another tenant's id is a 404 whatever the roles), the same eligibility (403 with
the page's refusal), the same throttle (429 with the page's sentence)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from http import HTTPStatus
from typing import Any

from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response

from agreements.selectors import agreement_status_lookup
from customers.selectors import customer_counts_by_reseller
from enrollment.selectors import is_provider, is_selling
from partnerhub.core import selectors as core_selectors
from partnerhub.core import throttle
from relationships import selectors as relationship_selectors
from relationships import services as relationship_services

from ..pagination import Cursor
from ..problems import CONTENT_TYPE as PROBLEM
from ..problems import problem
from ..serializers.partners import (
    INDIRECT_RESELLERS,
    ActivityQuerySerializer,
    AuditEventSerializer,
    NotificationSerializer,
    PartnerIdQuerySerializer,
    PartnerIdStatusSerializer,
    PartnershipInvitationCreatedSerializer,
    PartnershipInvitationCreateSerializer,
    PartnershipInvitationSerializer,
    ProblemSerializer,
    RelationshipQuerySerializer,
    RelationshipSerializer,
)
from .base import ApiView, ListView

TAG = ["partners"]
MAX_ACTIVITY_DAYS = 31  # Partner Center advises one day at a time; a month is the most one call may span


def _problems(*statuses: int) -> dict[tuple[int, str], OpenApiResponse]:
    """The refusals an operation may answer, as problem documents (application/problem+json)."""
    return {
        (status, PROBLEM): OpenApiResponse(ProblemSerializer, description=HTTPStatus(status).phrase)
        for status in statuses
    }


# Path parameters as the routes accept them (an id is <int:…>, never negative; a partner ID is digits), so that
# the document promises no URL that routing would answer with its HTML 404.
ID = OpenApiParameter("id", {"type": "integer", "minimum": 0}, OpenApiParameter.PATH)
NUMBER = OpenApiParameter(
    "number", {"type": "string", "pattern": "^[0-9]{1,20}$"}, OpenApiParameter.PATH, description="A partner ID."
)


def _cursor(*ordering: str) -> type[Cursor]:
    """The API's cursor pagination in `ordering` (its first field is the cursor's position)."""
    return type("OrderedCursor", (Cursor,), {"ordering": ordering})


class Refused(exceptions.APIException):
    """A refusal the page shows as a page of its own (its code and sentence), as a problem."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status_code = status
        self.problem_code = code


def _not_allowed() -> exceptions.PermissionDenied:
    """The roles' refusal, for a check made after the object was found (api.auth.HasPermission's sentence)."""
    return exceptions.PermissionDenied(_("This API client's roles don't allow this."))


def _check(request, perm: str) -> None:
    if not request.user.has_perm(perm, request.membership):
        raise _not_allowed()


class Throttled(exceptions.APIException):
    """A page's throttle refused: 429 with its sentence and Retry-After."""

    status_code = 429

    def __init__(self, exc: throttle.Throttled) -> None:
        super().__init__(throttle.throttled_message(exc))
        self.retry_after = exc.retry_after


def _spend(request, action: str) -> throttle.Usage | None:
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


def _not_selling() -> Refused:
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


def _not_provider() -> Refused:
    """relationships.views.PROVIDER's page (not_provider.html), as a problem."""
    return Refused(
        403,
        "not_provider",
        _("Your organization isn't enrolled as an indirect provider. Resellers find their provider in the directory."),
    )


# --- the partner-ID status lookup -------------------------------------------------------------------------


class PartnerIdStatusView(PartnersMixin, ApiView):
    """Verify a reseller's partner ID: may this provider name it as reseller, and if not, why (the page's
    reason codes). For active indirect providers and direct-bill partners, as the page; counted against the
    page's "partner_id_lookup" throttle. A number that is no partner ID is a 400; every other answer is 200
    with `ok` and the reasons."""

    def _answer(self, request, number: str) -> Response:
        if not is_selling(request.organization):
            raise _not_selling()
        _spend(request, "partner_id_lookup")
        status = agreement_status_lookup(number=number, provider_region=request.organization.csp_region)
        if status.code == "2000":  # not a number: the client's input
            return problem(400, code=status.code, detail=status.message, field="number", request=request)
        return Response(PartnerIdStatusSerializer(status).data)

    @extend_schema(
        operation_id="partners_partner_id_status",
        parameters=[NUMBER],
        tags=TAG,
        responses={200: PartnerIdStatusSerializer, **_problems(400, 403, 429)},
    )
    def get(self, request, number: str):
        return self._answer(request, number)


class PartnerIdStatusQueryView(PartnerIdStatusView):
    @extend_schema(
        operation_id="partners_partner_id_status_query",
        tags=TAG,
        parameters=[PartnerIdQuerySerializer],
        responses={200: PartnerIdStatusSerializer, **_problems(400, 403, 429)},
    )
    def get(self, request):
        query = PartnerIdQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return self._answer(request, query.validated_data["number"])


# --- relationships ----------------------------------------------------------------------------------------------


class RelationshipListView(PartnersMixin, ListView):
    """Indirect resellers (`type=indirect-resellers`: a provider's, as its page: enrolled as an indirect
    provider) or Indirect providers (`type=indirect-providers`: a reseller's), active partnerships, searched
    by `q` as the pages search, ordered by the partner's name."""

    serializer_class = RelationshipSerializer
    pagination_class = _cursor("partner_name", "pk")

    def get_queryset(self):
        query = RelationshipQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        organization = self.request.organization
        search = query.validated_data.get("q", "")
        if query.validated_data["type"] == INDIRECT_RESELLERS:
            if not is_provider(organization):
                raise _not_provider()
            return relationship_selectors.reseller_list(provider=organization, query=search).annotate(
                partner_name=_name("reseller")
            )
        return relationship_selectors.provider_list(reseller=organization, query=search).annotate(
            partner_name=_name("provider")
        )

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "organization": self.request.organization}

    def list(self, request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        context = self.get_serializer_context()
        reseller_pks = [row.reseller_id for row in page if row.provider_id == request.organization.pk]
        if reseller_pks:  # the page's customer counts: one query for the page
            context["customer_counts"] = customer_counts_by_reseller(
                provider=request.organization, reseller_pks=reseller_pks
            )
        return self.get_paginated_response(RelationshipSerializer(page, many=True, context=context).data)

    @extend_schema(
        operation_id="partners_relationships_list",
        tags=TAG,
        parameters=[RelationshipQuerySerializer],
        responses={200: RelationshipSerializer(many=True), **_problems(400, 403)},
    )
    def get(self, request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


def _name(side: str) -> F:
    return F(f"{side}__legal_name")


def _relationship(request, pk: int):
    """The caller's active partnership `pk`, from whichever side it is on (as the pages' selectors), with the
    facts its list row shows; 404 for anyone else's."""
    organization = request.organization
    row = relationship_selectors.reseller_list(provider=organization).filter(pk=pk).first()
    if row is None:
        row = relationship_selectors.provider_list(reseller=organization).filter(pk=pk).first()
    if row is None:
        raise Http404
    return row


class RelationshipDetailView(PartnersMixin, ApiView):
    """One partnership; DELETE is "Remove partnership" (either side's Global admin: relationships.manage_partnership;
    customers and their delegated access stay)."""

    @extend_schema(
        operation_id="partners_relationships_retrieve",
        parameters=[ID],
        tags=TAG,
        responses={200: RelationshipSerializer, **_problems(404)},
    )
    def get(self, request, pk: int):
        row = _relationship(request, pk)
        context = {"organization": request.organization}
        if row.provider_id == request.organization.pk:
            context["customer_counts"] = customer_counts_by_reseller(
                provider=request.organization, reseller_pks=[row.reseller_id]
            )
        return Response(RelationshipSerializer(row, context=context).data)

    @extend_schema(
        operation_id="partners_relationships_remove",
        parameters=[ID],
        tags=TAG,
        responses={204: None, **_problems(400, 403, 404)},
    )
    def delete(self, request, pk: int):
        relationship = _relationship(request, pk)
        _check(request, "relationships.manage_partnership")
        relationship_services.partnership_remove(
            relationship=relationship, actor=request.user, acting_organization=request.organization
        )
        return Response(status=204)


class RelationshipAdminAccessView(PartnersMixin, ApiView):
    """The reseller's "Remove admin access": the provider no longer has admin access to the reseller's account;
    the partnership stays (the reseller's Global admin; only from the reseller's side, as its page)."""

    @extend_schema(
        operation_id="partners_relationships_remove_admin_access",
        parameters=[ID],
        tags=TAG,
        request=None,
        responses={200: RelationshipSerializer, **_problems(400, 403, 404)},
    )
    def post(self, request, pk: int):
        relationship = relationship_selectors.relationship_of_reseller(reseller=request.organization, pk=pk)
        _check(request, "relationships.manage_partnership")
        relationship = relationship_services.partnership_remove_admin_access(
            relationship=relationship, actor=request.user, reseller=request.organization
        )
        return Response(RelationshipSerializer(relationship, context={"organization": request.organization}).data)


# --- partnership invitations ------------------------------------------------------------------------------------


class PartnershipInvitationListView(PartnersMixin, ListView):
    """Partnership requests (the Indirect resellers page's table, newest first), and "Request a partnership"."""

    serializer_class = PartnershipInvitationSerializer
    pagination_class = _cursor("-created_at", "-pk")
    permissions = {"POST": "relationships.request_partnership"}

    def get_queryset(self):
        if not is_provider(self.request.organization):
            raise _not_provider()
        return relationship_selectors.invitation_list(provider=self.request.organization)

    @extend_schema(
        operation_id="partners_partnership_invitations_list",
        tags=TAG,
        responses={200: PartnershipInvitationSerializer(many=True), **_problems(400, 403)},
    )
    def get(self, request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="partners_partnership_invitations_create",
        tags=TAG,
        request=PartnershipInvitationCreateSerializer,
        responses={201: PartnershipInvitationCreatedSerializer, **_problems(400, 403, 429)},
    )
    def post(self, request):
        """A new personal link (in this answer only); with `email`, sent from PartnerHub through the outbox, as
        the draft page's "Send from PartnerHub". Counted as the pages count: an invitation, and an email sent."""
        body = PartnershipInvitationCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        email = body.validated_data.get("email", "")
        message = body.validated_data.get("message", "")
        usage = _spend(request, "invitation_create")
        if email:
            try:
                _spend(request, "partner_email_send")
            except Throttled:
                if usage is not None:
                    usage.rollback()  # refused: nothing was made, so nothing counts
                raise
        with transaction.atomic():  # a refused send leaves no unsent request behind (a 4xx call commits)
            invitation, token = relationship_services.partnership_invitation_create(
                provider=request.organization, actor=request.user, message="" if email else message
            )
            if email:
                invitation = relationship_services.partnership_invitation_send(
                    invitation=invitation, actor=request.user, token=token, email=email, message=message
                )
        invitation = relationship_selectors.invitation_list(provider=request.organization).get(pk=invitation.pk)
        context = {"url": relationship_services.invitation_url(token)}
        return Response(PartnershipInvitationCreatedSerializer(invitation, context=context).data, status=201)


def _invitation(request, pk: int):
    """The provider's own invitation `pk` (404 for anyone else's), with what its list row shows."""
    return get_object_or_404(relationship_selectors.invitation_list(provider=request.organization), pk=pk)


class PartnershipInvitationDetailView(PartnersMixin, ApiView):
    @extend_schema(
        operation_id="partners_partnership_invitations_retrieve",
        parameters=[ID],
        tags=TAG,
        responses={200: PartnershipInvitationSerializer, **_problems(404)},
    )
    def get(self, request, pk: int):
        return Response(PartnershipInvitationSerializer(_invitation(request, pk)).data)


class PartnershipInvitationRevokeView(PartnersMixin, ApiView):
    """ "Revoke": the link stops working; revoking twice changes nothing; an accepted one is refused."""

    @extend_schema(
        operation_id="partners_partnership_invitations_revoke",
        parameters=[ID],
        tags=TAG,
        request=None,
        responses={200: PartnershipInvitationSerializer, **_problems(400, 403, 404)},
    )
    def post(self, request, pk: int):
        invitation = _invitation(request, pk)
        _check(request, "relationships.request_partnership")
        relationship_services.partnership_invitation_revoke(invitation=invitation, actor=request.user)
        return Response(PartnershipInvitationSerializer(_invitation(request, pk)).data)


# --- activity log and notifications ------------------------------------------------------------------------------


def _moment(raw: str | None, field: str, *, end: bool = False) -> datetime | None:
    """An ISO 8601 date or date and time (UTC unless it says otherwise); a date alone is its midnight, or the
    next midnight for `end` (the day included). A 400 problem for anything else."""
    if raw is None or raw == "":
        return None
    invalid = exceptions.ValidationError(
        {field: [_("Give a date (2026-12-01) or a date and time (2026-12-01T08:00:00Z), in ISO 8601.")]}
    )
    try:
        day = parse_date(raw)  # first: Python's fromisoformat (parse_datetime) reads "2026-12-01" as a datetime
        if day is not None:
            moment = datetime.combine(day + timedelta(days=1) if end else day, time.min, tzinfo=UTC)
        else:
            parsed = parse_datetime(raw)
            if parsed is None:
                raise invalid
            # in UTC: PostgreSQL refuses offsets beyond ±15:59, and a far one on year 1 or 9999 fits no year
            moment = parsed.replace(tzinfo=UTC) if timezone.is_naive(parsed) else parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise invalid from None
    return moment


def activity_range(start_raw: str | None, end_raw: str | None) -> tuple[datetime, datetime]:
    """[start, end): by default the last day; one bound alone spans a day from it; at most MAX_ACTIVITY_DAYS."""
    start = _moment(start_raw, "start")
    end = _moment(end_raw, "end", end=True)
    day = timedelta(days=1)
    try:
        if start is None:
            end = end or timezone.now()
            start = end - day
        elif end is None:
            end = start + day
    except OverflowError:
        field = "end" if end_raw else "start"
        raise exceptions.ValidationError({field: [_("This date is out of range.")]}) from None
    if start >= end:
        raise exceptions.ValidationError({"end": [_("`end` must be after `start`.")]})
    if end - start > timedelta(days=MAX_ACTIVITY_DAYS):
        raise exceptions.ValidationError(
            {"end": [_("Ask for at most %(days)s days at a time.") % {"days": MAX_ACTIVITY_DAYS}]}
        )
    return start, end


class ActivityListView(PartnersMixin, ListView):
    """The activity log (Account settings → Activity log, Global admins): every recorded change in the
    organization in [start, end), newest first. Without bounds, the last day; a range of at most 31 days."""

    serializer_class = AuditEventSerializer
    pagination_class = _cursor("-created_at", "-pk")
    permissions = {"GET": "accounts.view_activity_log"}

    def get_queryset(self):
        query = ActivityQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        start, end = activity_range(query.validated_data.get("start"), query.validated_data.get("end"))
        return core_selectors.audit_event_list(organization=self.request.organization).filter(
            created_at__gte=start, created_at__lt=end
        )

    @extend_schema(
        operation_id="partners_activity_list",
        tags=TAG,
        parameters=[
            OpenApiParameter("start", str, description="From (inclusive): ISO 8601 date or date and time, UTC."),
            OpenApiParameter("end", str, description="To (exclusive; a date includes its day): ISO 8601, UTC."),
        ],
        responses={200: AuditEventSerializer(many=True), **_problems(400, 403)},
    )
    def get(self, request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class NotificationListView(PartnersMixin, ListView):
    """The calling client's notifications (its service user's), newest first, as the bell's page lists a
    user's own."""

    serializer_class = NotificationSerializer
    pagination_class = _cursor("-created_at", "-pk")

    def get_queryset(self):
        return core_selectors.notification_list(user=self.request.user)

    @extend_schema(
        operation_id="partners_notifications_list",
        tags=TAG,
        responses={200: NotificationSerializer(many=True), **_problems(400)},
    )
    def get(self, request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
