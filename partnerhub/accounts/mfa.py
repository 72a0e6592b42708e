"""Two-step verification is required of Global admins and of PartnerHub staff (MFA_REQUIRED_FOR_ADMINS).

Such a user without an authenticator is sent to set one up before anything else; once they have one,
allauth asks for the code at every sign-in (its AuthenticateStage), the admin's sign-in included
(/admin/ signs in through allauth). Once found, "has an authenticator" is remembered in the session (from
sign-in on), so pages cost no query for it.
"""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_removed
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .models import Role

HAS_AUTHENTICATOR = "partnerhub_mfa_enrolled"


def has_authenticator(user) -> bool:
    """An authenticator app (or security key); recovery codes alone are a fallback, not a second factor."""
    return Authenticator.objects.filter(user=user).exclude(type=Authenticator.Type.RECOVERY_CODES).exists()


def mfa_required(request) -> bool:
    user = request.user
    if not settings.MFA_REQUIRED_FOR_ADMINS or not user.is_authenticated:
        return False
    memberships = getattr(request, "memberships", [])
    return user.is_staff or any(Role.GLOBAL_ADMIN in membership.roles for membership in memberships)


@receiver(user_logged_in, dispatch_uid="accounts.mfa_enrolled_at_sign_in")
def remember_mfa_at_sign_in(sender, request, user, **kwargs) -> None:
    if settings.MFA_REQUIRED_FOR_ADMINS and request is not None and hasattr(request, "session"):
        request.session[HAS_AUTHENTICATOR] = has_authenticator(user)


@receiver(authenticator_removed, dispatch_uid="accounts.mfa_removed")
def forget_mfa_removed(sender, request, user, **kwargs) -> None:
    if request is not None:
        request.session.pop(HAS_AUTHENTICATOR, None)


def _may_pass(path: str) -> bool:
    """What a user who must set up two-step verification may still open."""
    allowed = (reverse("account_logout"), reverse("account_reauthenticate"), reverse("core:set-language"))
    return (
        path in allowed
        or path.startswith((reverse("mfa_index"), "/static/", "/health"))
        or path == reverse("account_change_password")  # a temporary password is changed first
    )


class MfaRequiredMiddleware:
    """Sends a Global admin or staff user without an authenticator to the authenticator-app setup."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if mfa_required(request) and not _may_pass(request.path):
            # Only "enrolled" is remembered: until then every page looks again (the user is on the set-up page).
            if not request.session.get(HAS_AUTHENTICATOR) and has_authenticator(request.user):
                request.session[HAS_AUTHENTICATOR] = True
            if not request.session.get(HAS_AUTHENTICATOR):
                messages.info(
                    request,
                    _("Global admins and PartnerHub staff sign in with two-step verification. Set it up to continue."),
                )
                return redirect("mfa_activate_totp")
        return self.get_response(request)
