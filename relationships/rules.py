"""Who may request, accept and remove partnerships (domain.md §5, §7)."""

import rules

from partnerhub.accounts.models import Role
from partnerhub.accounts.rules import has_role, is_global_admin

rules.add_perm("relationships.request_partnership", has_role(Role.GLOBAL_ADMIN, Role.ADMIN_AGENT, Role.SALES_AGENT))
rules.add_perm("relationships.manage_partnership", is_global_admin)
# A provider's use of its admin access to a reseller's account (admin_access.ACCESS_ROLES; the services check
# the same roles again with the partnership's admin access).
rules.add_perm("relationships.use_reseller_admin_access", has_role(Role.GLOBAL_ADMIN, Role.ADMIN_AGENT))
