"""Puts the acting organization on every request."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from .models import Membership

SESSION_KEY = "partnerhub_organization_id"


def acting_membership(request) -> Membership | None:
    """The signed-in user's seat: the organization chosen in the session, else the first joined."""
    if not request.user.is_authenticated:
        return None
    memberships = Membership.objects.select_related("organization").filter(user=request.user)
    chosen = request.session.get(SESSION_KEY)
    if chosen is not None:
        membership = memberships.filter(organization_id=chosen).first()
        if membership is not None:
            return membership
    return memberships.order_by("created_at", "pk").first()


class ActingOrganizationMiddleware:
    """Sets `request.membership` and `request.organization` (None when signed out or not a member).

    A user may belong to several organizations (through invitations); the session remembers which
    one they act for. Everything tenant-owned is read through `request.organization`, so another
    tenant's object is simply not found.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = acting_membership(request)
        request.organization = request.membership.organization if request.membership else None
        user = request.user
        if user.is_authenticated and user.language and user.language != translation.get_language():
            translation.activate(user.language)  # the user's saved choice beats the browser's
            request.LANGUAGE_CODE = user.language
        if user.is_authenticated and user.must_change_password and not _may_pass(request.path):
            messages.info(request, _("You signed in with a temporary password. Choose your own password to continue."))
            return redirect("account_change_password")
        return self.get_response(request)


def _may_pass(path: str) -> bool:
    """Pages a user with a temporary password may still open: changing it, signing out, static files."""
    allowed = (reverse("account_change_password"), reverse("account_logout"), reverse("core:set-language"))
    return path in allowed or path.startswith(("/static/", "/health"))
