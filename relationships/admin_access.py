"""What a provider's admin access to a reseller's account allows, written once (README "Provider admin access
to a reseller's account").

A reseller authorizes its indirect provider when it accepts the partnership (seed 000: "you're granting them
administrator access to your company's work account") and may remove that access at any time. While the
partnership is active and its admin access is on, the provider's Global admins and Admin agents may open the
reseller's account from Indirect resellers → Reseller account and:

- see its company profile, its program enrolments and their status, its partner IDs, where it stands with the
  partner agreement, its users and their roles, its pending user invitations, and the customers it holds
  through this provider;
- reset the password of a reseller user who is not a Global admin (a temporary password shown once, to be
  changed at the next sign-in);
- resend a pending invitation of the reseller's to join its account.

Nothing else: no roles change, no user is added or removed, no enrolment, agreement or partner-ID detail
changes. Every use is audited in both organizations, naming the provider's user, and the reseller reads it
under "Provider access" on its side of the partnership. Every request checks again, under a lock for the
actions, so removing admin access (or the partnership) refuses the provider's next request.
"""

from __future__ import annotations

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from partnerhub.accounts.models import Membership, Role

from .models import PartnerRelationship
from .services.common import RelationshipsError

# The provider's roles that may use the admin access (the same pair that resets a customer user's password).
ACCESS_ROLES = (Role.GLOBAL_ADMIN, Role.ADMIN_AGENT)

# The audit codes of each use; the reseller's "Provider access" list reads its own rows of these.
OPENED = "partnerhub.reseller_account.opened"
PASSWORD_RESET = "partnerhub.reseller_account.password_reset"  # noqa: S105 - an audit code
INVITATION_RESENT = "partnerhub.reseller_account.invitation_resent"
ACCESS_CODES = (OPENED, PASSWORD_RESET, INVITATION_RESENT)


def check_reseller_account_access(*, relationship: PartnerRelationship, membership: Membership) -> None:
    """RelationshipsError unless this provider member may use the admin access of this partnership now."""
    if relationship.provider_id != membership.organization_id:
        raise RelationshipsError(_("This reseller isn't one of yours."), code="not_found")
    if not membership.has_role(*ACCESS_ROLES):
        raise RelationshipsError(
            _("Only a Global admin or an Admin agent can use the admin access to a reseller's account."),
            code="forbidden",
        )
    if relationship.status != PartnerRelationship.Status.ACTIVE:
        raise RelationshipsError(
            _("%(reseller)s is no longer your indirect reseller: you have no access to its account.")
            % {"reseller": relationship.reseller.legal_name},
            code="removed",
        )
    if not relationship.admin_access:
        removed = relationship.admin_access_removed_at
        raise RelationshipsError(
            (
                _(
                    "%(reseller)s removed your admin access to its account on %(date)s: you can no longer see or "
                    "change anything in it. Ask its Global admin if you need it again."
                )
                % {"reseller": relationship.reseller.legal_name, "date": date_format(removed, "DATETIME_FORMAT")}
            )
            if removed
            else _("%(reseller)s hasn't given you admin access to its account.")
            % {"reseller": relationship.reseller.legal_name},
            code="no_admin_access",
        )
