"""Who may manage the API's clients and webhooks in the portal: a Global admin (issue 17 §1, §6)."""

import rules

from partnerhub.accounts.rules import is_global_admin

rules.add_perm("api.manage_clients", is_global_admin)
rules.add_perm("api.manage_webhooks", is_global_admin)
