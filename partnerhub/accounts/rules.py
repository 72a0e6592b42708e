"""Permissions inside an organization, as `rules` predicates over the acting Membership.

Views ask `request.user.has_perm("accounts.manage_users", request.membership)`; the membership is
already loaded by the middleware, so a check costs no query.

"Must be a Global admin" is defined here once: `is_global_admin` (the predicate every app's rules build
on, and views ask through a permission) and `require_global_admin` (its service-side form, a query, for
services that hold a user and an organization rather than the acting membership).
"""

from __future__ import annotations

import rules

from .models import Membership, Role


def has_role(*roles: str):
    @rules.predicate
    def predicate(user, membership: Membership | None) -> bool:
        return membership is not None and membership.user_id == user.pk and membership.has_role(*roles)

    return predicate


is_global_admin = has_role(Role.GLOBAL_ADMIN)
is_user_management_admin = has_role(Role.USER_MANAGEMENT_ADMIN)

rules.add_perm("accounts.manage_users", is_global_admin | is_user_management_admin)
rules.add_perm("accounts.view_activity_log", is_global_admin)


def is_global_admin_of(user, organization) -> bool:
    """The service-side form of `is_global_admin`: does `user` hold the Global admin role in `organization`?"""
    return Membership.seats.global_admins().filter(organization=organization, user=user).exists()


def require_global_admin(user, organization, error: Exception) -> None:
    """Raise `error` (each app's own domain error and message) unless `user` is a Global admin there."""
    if not is_global_admin_of(user, organization):
        raise error
