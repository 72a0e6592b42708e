"""Reads of the core plumbing, scoped to the acting organization or user (typed as plain models: the ground
floor does not import accounts)."""

from django.db.models import Model, QuerySet

from partnerhub.core.scoping import scoped

from .models import AuditEvent, Notification


def audit_event_list(*, organization: Model) -> QuerySet[AuditEvent]:
    return scoped(AuditEvent.objects, organization=organization).select_related("actor").order_by("-created_at", "-pk")


def notification_list(*, user: Model) -> QuerySet[Notification]:
    return scoped(Notification.objects, user=user).order_by("-created_at", "-pk")
