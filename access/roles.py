"""The fixed catalogue of roles an admin relationship grants, each described by what it allows in PartnerHub.

A role is *satisfied* by itself and by the roles above it: Global administrator satisfies every role, a User
administrator may do what a Helpdesk administrator does, and every role that manages users or licences may
see the users and subscriptions it manages (Global reader's reads)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AdminRole(models.TextChoices):
    GLOBAL_READER = "global_reader", _("Global reader")
    USER_ADMINISTRATOR = "user_administrator", _("User administrator")
    HELPDESK_ADMINISTRATOR = "helpdesk_administrator", _("Helpdesk administrator")
    LICENSE_ADMINISTRATOR = "license_administrator", _("License administrator")
    BILLING_READER = "billing_reader", _("Billing reader")
    GLOBAL_ADMINISTRATOR = "global_administrator", _("Global administrator")


DESCRIPTIONS = {
    AdminRole.GLOBAL_READER: _("See the customer's users and subscriptions."),
    AdminRole.USER_ADMINISTRATOR: _(
        "Create the customer's users and reset any user's password, with a temporary password shown once."
    ),
    AdminRole.HELPDESK_ADMINISTRATOR: _("Reset the passwords of the customer's users who are not admins."),
    AdminRole.LICENSE_ADMINISTRATOR: _(
        "Assign and unassign the licences of the customer's active subscriptions to its users."
    ),
    AdminRole.BILLING_READER: _("See the customer's charges and invoices, once billing is available."),
    AdminRole.GLOBAL_ADMINISTRATOR: _(
        "Everything the other roles allow; the most privileged role, which can't be auto-extended."
    ),
}

# role needed → the roles that satisfy it
SATISFIED_BY: dict[str, frozenset[str]] = {
    AdminRole.GLOBAL_READER: frozenset(
        {
            AdminRole.GLOBAL_READER,
            AdminRole.USER_ADMINISTRATOR,
            AdminRole.HELPDESK_ADMINISTRATOR,
            AdminRole.LICENSE_ADMINISTRATOR,
            AdminRole.GLOBAL_ADMINISTRATOR,
        }
    ),
    AdminRole.USER_ADMINISTRATOR: frozenset({AdminRole.USER_ADMINISTRATOR, AdminRole.GLOBAL_ADMINISTRATOR}),
    AdminRole.HELPDESK_ADMINISTRATOR: frozenset(
        {AdminRole.HELPDESK_ADMINISTRATOR, AdminRole.USER_ADMINISTRATOR, AdminRole.GLOBAL_ADMINISTRATOR}
    ),
    AdminRole.LICENSE_ADMINISTRATOR: frozenset({AdminRole.LICENSE_ADMINISTRATOR, AdminRole.GLOBAL_ADMINISTRATOR}),
    AdminRole.BILLING_READER: frozenset({AdminRole.BILLING_READER, AdminRole.GLOBAL_ADMINISTRATOR}),
    AdminRole.GLOBAL_ADMINISTRATOR: frozenset({AdminRole.GLOBAL_ADMINISTRATOR}),
}

# What an invitation with delegated admin, or a customer the partner creates, grants (Partner Center's default
# GDAP): two years, no auto-extend, approved as part of accepting.
DEFAULT_ROLES = (
    AdminRole.GLOBAL_READER,
    AdminRole.USER_ADMINISTRATOR,
    AdminRole.HELPDESK_ADMINISTRATOR,
    AdminRole.LICENSE_ADMINISTRATOR,
)
DEFAULT_DURATION_DAYS = 730
MAX_DURATION_DAYS = 730
AUTO_EXTEND_DAYS = 180
REQUEST_TTL_DAYS = 90
REMINDER_DAYS = (30, 7)


def catalogue() -> list[tuple[str, object, object]]:
    """(code, name, description) of every role, in the catalogue's order."""
    return [(role.value, role.label, DESCRIPTIONS[role]) for role in AdminRole]
