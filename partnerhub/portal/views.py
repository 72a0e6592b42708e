"""Dashboard, activity log, notifications, language choice and health."""

from __future__ import annotations

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from partnerhub.accounts.decorators import organization_required, permission_required
from partnerhub.accounts.models import Organization
from partnerhub.core import pending_actions, selectors
from partnerhub.core.notifications import notification_mark_read

PAGE_SIZE = 25


@organization_required
def dashboard(request):
    """Home: the organization, its region and currency, and what is pending. A customer's home is its
    Partner relationships page."""
    if request.organization.kind == Organization.Kind.CUSTOMER:
        return redirect("customers:partner-relationships")
    return render(request, "portal/dashboard.html", {"pending_actions": pending_actions.collect(request)})


@permission_required("accounts.view_activity_log")
def activity_log(request):
    """Every recorded change in the organization, newest first (Global admins only)."""
    page = Paginator(selectors.audit_event_list(organization=request.organization), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "portal/activity_log.html", {"page": page})


@login_required
def notification_list(request):
    page = Paginator(selectors.notification_list(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/notification_list.html", {"page": page})


@require_POST
@login_required
def notification_open(request, pk: int):
    """Mark one of the user's notifications read and follow its link; someone else's is not found (404)."""
    notification = get_object_or_404(selectors.notification_list(user=request.user), pk=pk)
    notification_mark_read(user=request.user, notification_id=notification.pk)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts=None):  # local paths only
        return redirect(target)
    return redirect("core:notification-list")


@require_POST
@login_required
def notification_read_all(request):
    notification_mark_read(user=request.user)
    return redirect("core:notification-list")


@require_POST
def set_language(request):
    """Django's set_language (cookie), plus remembering the choice on the signed-in user."""
    response = django_set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        request.user.language = language
        request.user.save(update_fields=["language"])
    return response


def _database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # report, don't crash: telling is what the probe is for
        return f"error: {type(exc).__name__}"
    return "ok"


def _redis_status() -> str:
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok"


@never_cache
def health(request):
    """Readiness: 200 when PostgreSQL and Redis answer, 503 naming the one that doesn't."""
    checks = {"database": _database_status(), "redis": _redis_status()}
    status = 200 if all(value == "ok" for value in checks.values()) else 503
    return JsonResponse(checks, status=status)


def healthz(request):
    """Liveness: the process serves requests; depends on nothing."""
    return HttpResponse("ok", content_type="text/plain")


def ratelimited(request, exception=None):
    """django-ratelimit's answer: 429 with a page, not its default 403."""
    return render(request, "429.html", status=429)
