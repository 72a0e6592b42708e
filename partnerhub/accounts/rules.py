"""Permissions inside an organization, as `rules` predicates over the acting Membership.

Views ask `request.user.has_perm("accounts.manage_users", request.membership)`; the membership is
already loaded by the middleware, so a check costs no query.
"""

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
