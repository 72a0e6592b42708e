"""Pending actions about the organization's users."""

from django.urls import reverse
from django.utils.translation import gettext as _

from partnerhub.core.pending_actions import PendingAction, register


@register
def invite_team(request) -> list[PendingAction]:
    membership = request.membership
    if not request.user.has_perm("accounts.manage_users", membership):
        return []
    if membership.organization.memberships.exclude(pk=membership.pk).exists():
        return []
    return [
        PendingAction(
            key="invite_team",
            title=_("Invite your team"),
            description=_(
                "You are the only user of this account. Invite colleagues and give them the roles they need."
            ),
            url=reverse("accounts:invitation-create"),
            link_text=_("Invite users"),
        )
    ]
