"""Notifications: the messages under a user's bell, and the unread count on its badge."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import rls
from .models import Notification


def notification_create(*, user, title: str, body: str = "", url: str = "", organization=None) -> Notification:
    """Put a message under the user's bell (and count it on the badge)."""
    with rls.elevated("notification"):  # a step may notify the people of another organization it touched
        notification = Notification.objects.create(
            user=user, organization=organization, title=title, body=body, url=url
        )
        # another user's badge, as the platform too (the identity tables have their own row-level security)
        badges_add([user.pk])
    return notification


def badges_add(user_ids: list[int], count: int = 1) -> None:
    """Count `count` new notifications on each of these users' badges (one UPDATE). Inside `rls.elevated`."""
    get_user_model().objects.filter(pk__in=user_ids).update(unread_notifications=F("unread_notifications") + count)


def notification_mark_read(*, user, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications (or all of them) read; return how many changed.

    The badge is recounted in the same statement rather than decremented, so it heals itself."""
    unread = Notification.objects.filter(user=user, read_at=None)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    changed = unread.update(read_at=timezone.now())
    user_unread_recount(user=user)
    return changed


def user_unread_recount(*, user) -> None:
    """Set the user's badge to the number of unread notifications (one UPDATE with a subquery)."""
    remaining = (
        Notification.objects.filter(user=OuterRef("pk"), read_at=None)
        .order_by()
        .values("user")
        .annotate(n=Count("pk"))
        .values("n")
    )
    get_user_model().objects.filter(pk=user.pk).update(unread_notifications=Coalesce(Subquery(remaining), 0))
    user.refresh_from_db(fields=["unread_notifications"])
