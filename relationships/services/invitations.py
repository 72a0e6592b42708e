"""Partnership invitations: a provider's personal link asking a reseller to authorize it (create, send,
resend, revoke, and the first view of the link). Accepting one is in partnerships.py."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from enrollment.selectors import active_provider_enrollment
from partnerhub.accounts.models import Organization, User
from partnerhub.core.invitations import invitation_issue, invitation_resend, invitation_revoke, invitation_send

from ..models import PartnershipInvitation
from .common import RelationshipsError


def invitation_url(token: str) -> str:
    site_url: str = settings.SITE_URL
    return site_url + reverse("relationships:invitation-accept", args=[token])


def partnership_invitation_create(
    *, provider: Organization, actor: User, message: str = ""
) -> tuple[PartnershipInvitation, str]:
    """ "Request a partnership": a new personal link for this provider. Returns the row and the token,
    which exists only in this response (and the email, if sent from PartnerHub)."""
    if active_provider_enrollment(provider) is None:
        raise RelationshipsError(
            _(
                "Only an active indirect provider can request partnerships: finish your enrolment and accept "
                "the partner agreement."
            ),
            code="not_active_provider",
        )
    return invitation_issue(
        PartnershipInvitation,
        actor=actor,
        ttl_days=settings.PARTNERSHIP_INVITATION_TTL_DAYS,
        audit_code="partnerhub.partnership_invitation.created",
        provider=provider,
        created_by=actor,
        message=message.strip(),
    )


def partnership_invitation_send(
    *, invitation: PartnershipInvitation, actor: User, token: str, email: str, message: str
) -> PartnershipInvitation:
    """ "Send from PartnerHub": email the draft through the outbox."""
    message = (message or "").strip()
    return invitation_send(
        invitation,
        actor=actor,
        token=token,
        email=email,
        error=RelationshipsError,
        no_email=_("Enter the reseller's email address."),
        template="partnership_invitation",
        context=lambda invitation: {
            "provider": invitation.provider.legal_name,
            "sender": actor.get_full_name(),
            "message": invitation.message,
            "accept_url": invitation_url(token),
            "expires_at": invitation.expires_at,
        },
        audit_code="partnerhub.partnership_invitation.sent",
        message=message,
        sent_at=timezone.now(),
    )


def partnership_invitation_resend(
    *, invitation: PartnershipInvitation, actor: User
) -> tuple[PartnershipInvitation, str]:
    """A new link for the same request; the old link stops working."""
    return invitation_resend(
        invitation,
        actor=actor,
        ttl_days=settings.PARTNERSHIP_INVITATION_TTL_DAYS,
        closed=RelationshipsError(_("This invitation was accepted or revoked; request a new partnership instead.")),
        audit_code="partnerhub.partnership_invitation.renewed",
        changes=lambda invitation, now: {"opened_at": None},
    )


def partnership_invitation_revoke(*, invitation: PartnershipInvitation, actor: User) -> PartnershipInvitation:
    return invitation_revoke(
        invitation,
        actor=actor,
        audit_code="partnerhub.partnership_invitation.revoked",
        accepted=RelationshipsError(_("This invitation was already accepted; remove the partnership instead.")),
    )


def partnership_invitation_mark_opened(*, invitation: PartnershipInvitation) -> None:
    """Record the first view of the link (tracking only: no business state changes). Later views write nothing."""
    if invitation.opened_at is None:
        PartnershipInvitation.objects.filter(pk=invitation.pk, opened_at=None).update(opened_at=timezone.now())
