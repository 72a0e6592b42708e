"""Template context every page needs: the acting organization and the unread-notification count."""

from django.conf import settings

from partnerhub.accounts.middleware import user_memberships


def portal(request) -> dict:
    user = getattr(request, "user", None)
    context = {
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "acting_membership": getattr(request, "membership", None),
        "acting_organization": getattr(request, "organization", None),
    }
    if user is not None and user.is_authenticated:
        context["unread_notification_count"] = user.unread_notifications  # kept by the notification services
        # For the organization switcher: the list the middleware already read to pick the acting one.
        memberships = getattr(request, "memberships", None)
        context["user_memberships"] = memberships if memberships is not None else (lambda: user_memberships(user))
    return context
