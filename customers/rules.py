"""Who may add customers and orders, manage subscriptions, and remove customer relationships (domain.md §6, §7)."""

import rules

from partnerhub.accounts.models import Role
from partnerhub.accounts.rules import has_role, is_global_admin

rules.add_perm("customers.add_customer", has_role(Role.GLOBAL_ADMIN, Role.ADMIN_AGENT, Role.SALES_AGENT))
rules.add_perm("customers.place_order", has_role(Role.GLOBAL_ADMIN, Role.ADMIN_AGENT, Role.SALES_AGENT))
rules.add_perm(
    "customers.manage_subscription",
    has_role(Role.GLOBAL_ADMIN, Role.ADMIN_AGENT, Role.HELPDESK_AGENT, Role.SALES_AGENT),
)
rules.add_perm("customers.view_customers", has_role(*Role.values))
rules.add_perm("customers.remove_relationship", is_global_admin)
rules.add_perm("customers.reset_customer_password", has_role(Role.GLOBAL_ADMIN, Role.ADMIN_AGENT))
