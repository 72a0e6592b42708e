"""The provider's admin access to a reseller's account, used: opening it, resetting a reseller user's password,
resending a pending invitation (relationships/admin_access.py says what it allows, and why).

Each action locks the partnership row first and checks its admin access under that lock: the reseller's
"Remove admin access" locks the same row, so an action either finishes before the removal or is refused
after it. The reseller's rows are written under a named platform context, after that check.
Not re-exported by services/__init__ (it imports admin_access, which imports this package's errors).
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from partnerhub.accounts.models import Membership, Role, User, UserInvitation
from partnerhub.accounts.services import user_invitation_resend
from partnerhub.core import rls
from partnerhub.core.audit import audit_record
from partnerhub.core.models import AuditEvent
from partnerhub.core.notifications import notification_create
from partnerhub.core.outbox import outbound_email_queue

from ..admin_access import INVITATION_RESENT, OPENED, PASSWORD_RESET, check_reseller_account_access
from ..models import PartnerRelationship
from .common import RelationshipsError

# Opening the account is recorded once per provider user and hour, not on every page view.
OPENED_EVERY = timedelta(hours=1)

_PASSWORD_ALPHABET = string.ascii_letters + string.digits


def _temporary_password() -> str:
    """16 random characters in groups, e.g. `Xk3p-9QaZ-m2Rt-Lw8e` (the customers app's format; that module
    sits above this app)."""
    raw = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


@dataclass
class ResellerPasswordReset:
    user: User
    temporary_password: str  # exists only in this object: the database holds its hash


def _lock_checked(*, relationship: PartnerRelationship, membership: Membership) -> PartnerRelationship:
    """The partnership, locked and checked: the provider's admin access holds now, for this member."""
    relationship = (
        PartnerRelationship.objects.select_for_update(of=("self",))
        .select_related("provider", "reseller")
        .get(pk=relationship.pk, provider=membership.organization_id)
    )
    check_reseller_account_access(relationship=relationship, membership=membership)
    return relationship


def _record_use(
    relationship: PartnerRelationship, *, code: str, actor: User, data: dict[str, object] | None = None
) -> None:
    """One audit row in each organization, naming the provider's user (the reseller can't read the provider's
    user rows, so the name travels in the data)."""
    for organization in (relationship.provider, relationship.reseller):
        audit_record(
            code=code,
            actor=actor,
            organization=organization,
            target=relationship,
            data={
                "provider": relationship.provider.legal_name,
                "reseller": relationship.reseller.legal_name,
                "provider_user": actor.get_full_name(),
                "provider_user_email": actor.email,
                **(data or {}),
            },
        )


def reseller_account_open(*, relationship: PartnerRelationship, membership: Membership) -> None:
    """A provider member opened the reseller's account: audited on both sides, at most once an hour per member."""
    with transaction.atomic():
        relationship = _lock_checked(relationship=relationship, membership=membership)
        recently = AuditEvent.objects.filter(
            organization=relationship.provider,
            code=OPENED,
            actor=membership.user,
            object_type=relationship._meta.label_lower,
            object_id=str(relationship.pk),
            created_at__gte=timezone.now() - OPENED_EVERY,
        ).exists()
        if not recently:
            _record_use(relationship, code=OPENED, actor=membership.user)


@rls.elevated("reseller-account:admin-access")
def reseller_user_password_reset(
    *, relationship: PartnerRelationship, membership: Membership, user: User
) -> ResellerPasswordReset:
    """A new temporary password for a reseller user who isn't one of its Global admins: shown once to the
    provider's member, stored hashed, to be changed at the next sign-in (open sessions end with the old
    password). Audited on both sides; the reseller's Global admins are told under the bell, the user by email."""
    with transaction.atomic():
        relationship = _lock_checked(relationship=relationship, membership=membership)
        reseller = relationship.reseller
        user = User.objects.select_for_update().get(pk=user.pk)
        seat = Membership.objects.filter(organization=reseller, user=user).first()
        if seat is None:
            raise RelationshipsError(
                _("This user isn't a user of %(reseller)s.") % {"reseller": reseller.legal_name}, code="not_found"
            )
        if seat.has_role(Role.GLOBAL_ADMIN):
            raise RelationshipsError(
                _(
                    "%(name)s is a Global admin of %(reseller)s: a provider can't reset a Global admin's password. "
                    "Another Global admin of %(reseller)s can."
                )
                % {"name": user.get_full_name(), "reseller": reseller.legal_name},
                code="global_admin",
            )
        if user.is_staff or Membership.objects.filter(user=user).exclude(organization=reseller).exists():
            # The password also opens the user's other seats: the reseller alone isn't theirs to decide for.
            raise RelationshipsError(
                _("%(name)s also belongs to another organization: only they can change their password.")
                % {"name": user.get_full_name()},
                code="other_organization",
            )
        password = _temporary_password()
        user.set_password(password)
        user.must_change_password = True
        user.save(update_fields=["password", "must_change_password"])
        _record_use(relationship, code=PASSWORD_RESET, actor=membership.user, data={"user": user.email})
        title = _("%(provider)s reset the password of %(user)s") % {
            "provider": relationship.provider.legal_name,
            "user": user.email,
        }
        url = reverse("relationships:provider-detail", args=[relationship.pk])
        for admin in Membership.objects.global_admins().filter(organization=reseller).select_related("user"):
            notification_create(user=admin.user, organization=reseller, title=title, url=url)
        outbound_email_queue(
            to=user.mailbox,
            template="reseller_password_reset_by_provider",
            organization=reseller,
            language=user.language or None,
            context={
                "name": user.first_name,
                "sign_in_name": user.email,
                "provider": relationship.provider.legal_name,
                "provider_user": membership.user.get_full_name(),
                "reseller": reseller.legal_name,
                "sign_in_url": settings.SITE_URL + reverse("account_login"),
            },
        )
    return ResellerPasswordReset(user=user, temporary_password=password)


@rls.elevated("reseller-account:admin-access")
def reseller_invitation_resend(
    *, relationship: PartnerRelationship, membership: Membership, invitation: UserInvitation
) -> UserInvitation:
    """Resend a pending invitation of the reseller's (a fresh link to the same address, same roles) through the
    accounts service; audited on both sides as a use of the admin access."""
    with transaction.atomic():
        relationship = _lock_checked(relationship=relationship, membership=membership)
        if invitation.organization_id != relationship.reseller_id:
            raise RelationshipsError(
                _("This invitation isn't one of %(reseller)s.") % {"reseller": relationship.reseller.legal_name},
                code="not_found",
            )
        invitation = user_invitation_resend(invitation=invitation, actor=membership.user)
        _record_use(relationship, code=INVITATION_RESENT, actor=membership.user, data={"email": invitation.email})
    return invitation
