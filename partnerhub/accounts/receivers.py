"""Reactions to allauth's events."""

import time

from allauth.account.signals import password_changed, password_reset
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation

from .reauth import SIGNED_IN_AT


@receiver(password_changed, dispatch_uid="accounts.clear_temporary_password")
@receiver(password_reset, dispatch_uid="accounts.clear_temporary_password_on_reset")
def clear_temporary_password(sender, request, user, **kwargs) -> None:
    """A user who chose their own password no longer holds a temporary one."""
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])


def update_last_login_as_the_user(sender, user, **kwargs) -> None:
    """Django's `update_last_login`, with the user's own context: the sign-in request may be anonymous (a
    customer's sign-up through an invitation link), and a user writes only their own row (accounts 0006)."""
    from django.contrib.auth.models import update_last_login

    from partnerhub.core import rls

    with rls.acting_as(user=user, organization=None):
        update_last_login(sender, user, **kwargs)


def connect_last_login() -> None:
    """In place of Django's receiver (AccountsConfig.ready)."""
    user_logged_in.disconnect(dispatch_uid="update_last_login")
    user_logged_in.connect(update_last_login_as_the_user, dispatch_uid="accounts.update_last_login")


@receiver(user_logged_in, dispatch_uid="accounts.remember_acting_organization")
def remember_acting_organization(sender, request, user, **kwargs) -> None:
    """Name the organization the user acts for in the new session, so that every request's row-level
    security context is set in one statement (partnerhub/core/rls.py)."""
    from partnerhub.core import rls

    from .middleware import SESSION_KEY, choose_membership, user_memberships

    if request is None or not hasattr(request, "session"):
        return
    if hasattr(request, "rls_organization_id"):  # a signed-in request's context already names the user
        memberships = user_memberships(user)
    else:  # the sign-in request was anonymous: the user's own seats need the user's context
        with rls.acting_as(user=user, organization=None):
            memberships = user_memberships(user)
    membership = choose_membership(memberships, request.session.get(SESSION_KEY))
    if membership is not None:
        request.session[SESSION_KEY] = membership.organization_id


@receiver(user_logged_in, dispatch_uid="accounts.speak_the_users_language")
def speak_the_users_language(sender, request, user, **kwargs) -> None:
    """From sign-in on, the request speaks the user's saved language, as every later page does
    (ActingOrganizationMiddleware): a message queued after `login()` ("You're signed in", "Your customer
    account is ready") would otherwise be translated into the browser's language and shown, untranslated
    to the reader, on the next page in the user's."""
    if request is not None and user.language and user.language != translation.get_language():
        translation.activate(user.language)
        request.LANGUAGE_CODE = user.language


@receiver(user_logged_in, dispatch_uid="accounts.remember_sign_in_time")
def remember_sign_in_time(sender, request, user, **kwargs) -> None:
    """A sign-in is a recent authentication (partnerhub/accounts/reauth.py): setting up two-step sign-in
    right after it doesn't ask for the password again."""
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = time.time()
