"""Reads of the core plumbing, scoped to the acting organization or user."""

from django.db.models import QuerySet

from .models import AuditEvent, Notification


def audit_event_list(*, organization) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(organization=organization).select_related("actor").order_by("-created_at", "-pk")


def notification_list(*, user) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).order_by("-created_at", "-pk")
