"""The activity log (portal.views.activity_log, Partner Center's audit records) and the client's notifications."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response

from partnerhub.core import selectors as core_selectors

from ...serializers.partners import (
    ActivityQuerySerializer,
    AuditEventSerializer,
    NotificationSerializer,
)
from ..base import ListView
from .common import (
    TAG,
    PartnersMixin,
    ordered_cursor,
    problems,
)

MAX_ACTIVITY_DAYS = 31  # Partner Center advises one day at a time; a month is the most one call may span


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
    pagination_class = ordered_cursor("-created_at", "-pk")
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
        responses={200: AuditEventSerializer(many=True), **problems(400, 403)},
    )
    def get(self, request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class NotificationListView(PartnersMixin, ListView):
    """The calling client's notifications (its service user's), newest first, as the bell's page lists a
    user's own."""

    serializer_class = NotificationSerializer
    pagination_class = ordered_cursor("-created_at", "-pk")

    def get_queryset(self):
        return core_selectors.notification_list(user=self.request.user)

    @extend_schema(
        operation_id="partners_notifications_list",
        tags=TAG,
        responses={200: NotificationSerializer(many=True), **problems(400)},
    )
    def get(self, request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
