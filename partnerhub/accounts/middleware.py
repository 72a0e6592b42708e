"""Puts the acting organization on every request."""

from __future__ import annotations

from http import HTTPStatus

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.translation import gettext as _

from partnerhub.core import rls
from partnerhub.core.rls import SESSION_KEY  # the session's acting organization: rls reads it first

from .models import Membership


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


# allauth's pages that look up accounts other than the signed-in user's own, even for a signed-in user: the
# address being added must be nobody else's, a confirmation or reset link names its account by key.
IDENTITY_LOOKUP_VIEWS = frozenset(
    {"account_email", "account_confirm_email", "account_reset_password", "account_reset_password_from_key"}
)


def _allauth_prefix() -> str:
    return reverse("account_login").removesuffix("login/")


class IdentityFlowMiddleware:
    """Runs allauth's pages for a visitor not signed in (sign-in, its two-step stage, sign-up, email
    confirmation, password reset) under a named platform context, `rls.elevated("auth:<page>")`, in one
    transaction: who owns an address, a confirmation key or a reset link is asked before anyone is signed in.

    The identity tables are otherwise shut to the app's role without a context (accounts migration 0006), and
    a signed-in user's pages need no such context except the few in IDENTITY_LOOKUP_VIEWS. Placed right after
    TenantContextMiddleware; docs/identity-rls.md says why this design.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = self._flow(request)
        if name is None:
            return self.get_response(request)
        with rls.elevated(f"auth:{name}"):
            response = self.get_response(request)
            if response.status_code >= HTTPStatus.INTERNAL_SERVER_ERROR:  # keep none of a failed page's writes
                transaction.set_rollback(True)
        return response

    @staticmethod
    def _flow(request) -> str | None:
        if not request.path_info.startswith(_allauth_prefix()):
            return None
        try:
            name = resolve(request.path_info).url_name or "page"
        except Resolver404:
            return None
        if request.user.is_authenticated and name not in IDENTITY_LOOKUP_VIEWS:
            return None
        return name
