"""Who may do what in enrolment (domain.md §2.2, §2.3, §3, §7)."""

import rules

from partnerhub.accounts.models import Role
from partnerhub.accounts.rules import has_role, is_global_admin

is_account_admin = has_role(Role.ACCOUNT_ADMIN)

rules.add_perm("enrollment.enroll", is_global_admin)
rules.add_perm("enrollment.manage_verification", is_global_admin | is_account_admin)
rules.add_perm("enrollment.add_location", is_global_admin | is_account_admin)
rules.add_perm("enrollment.associate_partner_id", is_global_admin)
