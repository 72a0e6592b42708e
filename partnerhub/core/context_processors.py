"""Template context every page needs: the acting organization and the unread-notification count."""

from django.conf import settings

from partnerhub.accounts.models import Membership

from .models import Notification


def portal(request) -> dict:
    user = getattr(request, "user", None)
    context = {
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "acting_membership": getattr(request, "membership", None),
        "acting_organization": getattr(request, "organization", None),
    }
    if user is not None and user.is_authenticated:
        # Lazy: pages that don't render the header (emails, errors) never run the query.
        context["unread_notification_count"] = lambda: Notification.objects.unread().filter(user=user).count()
        # For the organization switcher: one query, whatever the number of organizations.
        context["user_memberships"] = lambda: list(
            Membership.objects.filter(user=user).select_related("organization").order_by("organization__legal_name")
        )
    return context
