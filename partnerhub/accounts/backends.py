"""Signing in under row-level security (accounts migration 0006, docs/identity-rls.md).

Nobody is signed in yet while allauth looks an account up by its email address, so that lookup runs under a
named platform context (`rls.elevated("auth:sign-in")`). Once a session names its user, that user is loaded
with the user's own context (the row's own-user policy): no bypass on every page, one query as before.
"""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model

from partnerhub.core import rls


class AuthenticationBackend(AllauthBackend):
    def authenticate(self, request, **credentials):
        with rls.elevated("auth:sign-in"):
            return super().authenticate(request, **credentials)

    def get_user(self, user_id):
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        user = next(iter(get_user_model().objects.raw("SELECT * FROM partnerhub_session_user(%s)", [pk])), None)
        return user if user is not None and self.user_can_authenticate(user) else None
