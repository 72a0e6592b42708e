"""Only a Global admin views, downloads and signs the partner agreement (domain.md §4.1)."""

import rules

from partnerhub.accounts.models import Role
from partnerhub.accounts.rules import has_role

rules.add_perm("agreements.sign", has_role(Role.GLOBAL_ADMIN))
