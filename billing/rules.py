"""Who may see and run billing. A partner's Global admins, Account admins and Billing admins see its invoices,
balances and Insights; Global admins and Billing admins manage what it bills others (billing profiles, price
lists, tax rates, payments, credit notes, blocks). Customers' users see nothing here."""

import rules

from partnerhub.accounts.models import Role
from partnerhub.accounts.rules import has_role

rules.add_perm("billing.view_billing", has_role(Role.GLOBAL_ADMIN, Role.ACCOUNT_ADMIN, Role.BILLING_ADMIN))
rules.add_perm("billing.manage_billing", has_role(Role.GLOBAL_ADMIN, Role.BILLING_ADMIN))
