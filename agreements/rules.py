"""Only a Global admin views, downloads and signs the partner agreement (domain.md §4.1)."""

import rules

from partnerhub.accounts.rules import is_global_admin

rules.add_perm("agreements.sign", is_global_admin)
