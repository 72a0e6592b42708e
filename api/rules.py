"""Who may do what with the API in the portal: only a Global admin manages the organization's API clients."""

import rules

from partnerhub.accounts.rules import is_global_admin

rules.add_perm("api.manage_clients", is_global_admin)
