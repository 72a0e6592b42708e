"""Who on the partner's side may request admin relationships and assign their roles (Partner Center: Admin
agents and Global admins); who on the customer's side approves and terminates (its Global admin)."""

import rules

from partnerhub.accounts.models import Role
from partnerhub.accounts.rules import has_role, is_global_admin

rules.add_perm("access.manage_admin_relationships", has_role(Role.GLOBAL_ADMIN, Role.ADMIN_AGENT))
rules.add_perm("access.view_admin_relationships", has_role(*Role.values))
rules.add_perm("access.approve_admin_relationship", is_global_admin)
