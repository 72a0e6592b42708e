"""Puts the acting organization on every request."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from partnerhub.core import rls

from .models import Membership

SESSION_KEY = "partnerhub_organization_id"


def user_memberships(user) -> list[Membership]:
    """Every seat of the user with its organization, by organization name: one query (the switcher's list)."""
    return list(
        Membership.objects.filter(user=user).select_related("organization").order_by("organization__legal_name")
    )


def acting_membership(request, memberships: list[Membership] | None = None) -> Membership | None:
    """The signed-in user's seat: the organization chosen in the session, else the first joined."""
    if not request.user.is_authenticated:
        return None
    if memberships is None:
        memberships = user_memberships(request.user)
    return choose_membership(memberships, request.session.get(SESSION_KEY))


def choose_membership(memberships: list[Membership], chosen: int | None) -> Membership | None:
    """The seat the session chose, if the user still holds it, else the first one joined."""
    if chosen is not None:
        membership = next((m for m in memberships if m.organization_id == chosen), None)
        if membership is not None:
            return membership
    return min(memberships, key=lambda m: (m.created_at, m.pk), default=None)


class ActingOrganizationMiddleware:
    """Sets `request.membership` and `request.organization` (None when signed out or not a member).

    A user may belong to several organizations (through invitations); the session remembers which
    one they act for. Everything tenant-owned is read through `request.organization`, so another
    tenant's object is simply not found.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # One query serves both the acting seat and the header's organization switcher.
        request.memberships = user_memberships(request.user) if request.user.is_authenticated else []
        request.membership = acting_membership(request, request.memberships)
        request.organization = request.membership.organization if request.membership else None
        rls.set_acting_organization(request, request.organization.pk if request.organization else None)
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
