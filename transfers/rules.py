"""Who may see, request, accept and decline transfers (commerce.md §5)."""

import rules

from partnerhub.accounts.models import Role
from partnerhub.accounts.rules import has_role, is_global_admin

rules.add_perm("transfers.view_transfers", has_role(*Role.values))
# A partner's Global admin or Admin agent requests a transfer; a customer's Global admin (customers' users hold
# only Global admin or no role), and the service checks which side the request comes from.
rules.add_perm("transfers.create_transfer", has_role(Role.GLOBAL_ADMIN, Role.ADMIN_AGENT))
rules.add_perm("transfers.decide_transfer", is_global_admin)
