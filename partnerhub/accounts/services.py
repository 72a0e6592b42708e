"""Writes for organizations, memberships and user invitations."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from partnerhub.core import rls
from partnerhub.core.audit import audit_record
from partnerhub.core.errors import ApplicationError
from partnerhub.core.invitations import invitation_issue, invitation_resend, invitation_revoke
from partnerhub.core.notifications import notification_create
from partnerhub.core.outbox import outbound_email_queue
from partnerhub.core.regions import market_for

from .models import Membership, Organization, Role, User, UserInvitation
from .rules import require_global_admin
from .signals import organization_created


class AccountsError(ApplicationError):
    """A rule about organizations, members or invitations was broken."""


def _clean_roles(roles: Iterable[str]) -> list[str]:
    valid = [str(role) for role in Role if role in set(roles)]  # keep Role's order, drop duplicates
    if not valid:
        raise AccountsError(_("Choose at least one role."), field="roles")
    return valid


@rls.elevated("tenant:create")
def organization_create(
    *,
    user: User,
    legal_name: str,
    country: str,
    address_line1: str,
    address_line2: str = "",
    city: str,
    state: str = "",
    postal_code: str,
    primary_domain: str,
) -> Organization:
    """Create a partner organization; its country fixes region and currency; the creator is Global admin."""
    try:
        market = market_for(country)
    except LookupError as exc:
        raise AccountsError(str(exc), field="country") from exc
    with transaction.atomic():
        organization = Organization.objects.create(
            kind=Organization.Kind.PARTNER,
            legal_name=legal_name.strip(),
            country=market.country,
            address_line1=address_line1.strip(),
            address_line2=address_line2.strip(),
            city=city.strip(),
            state=state.strip(),
            postal_code=postal_code.strip(),
            primary_domain=primary_domain.strip().lower().rstrip("."),
            csp_region=market.region,
            currency=market.currency,
        )
        Membership.objects.create(organization=organization, user=user, roles=[Role.GLOBAL_ADMIN])
        organization_created.send(sender=Organization, organization=organization, user=user)
        audit_record(
            code="partnerhub.organization.created",
            actor=user,
            organization=organization,
            target=organization,
            data={"country": market.country, "csp_region": market.region, "currency": market.currency},
        )
    return organization


def _ensure_may_grant_global_admin(*, actor: User, organization: Organization) -> None:
    """Only a Global admin may make someone a Global admin or take the role away."""
    require_global_admin(
        actor,
        organization,
        AccountsError(_("Only a Global admin can grant or remove the Global admin role."), field="roles"),
    )


def _lock_organization(organization: Organization) -> Organization:
    """Serialize membership changes of one organization (the last-Global-admin rule depends on it)."""
    return Organization.objects.select_for_update().get(pk=organization.pk)


def _ensure_another_global_admin(organization: Organization, membership: Membership) -> None:
    others = Membership.objects.global_admins().filter(organization=organization).exclude(pk=membership.pk)
    if not others.exists():
        raise AccountsError(
            _("%(name)s is the last Global admin of %(organization)s. Make someone else a Global admin first.")
            % {"name": membership.user.get_full_name(), "organization": organization.legal_name},
            code="last_global_admin",
        )


def membership_update_roles(*, membership: Membership, roles: Iterable[str], actor: User) -> Membership:
    """Replace a member's roles; the organization always keeps at least one Global admin."""
    roles = _clean_roles(roles)
    with transaction.atomic():
        _lock_organization(membership.organization)
        membership = (  # only the seat is locked: a colleague's user row is not the actor's to lock
            Membership.objects.select_for_update(of=("self",))
            .select_related("user", "organization")
            .get(pk=membership.pk)
        )
        if Role.GLOBAL_ADMIN in membership.roles and Role.GLOBAL_ADMIN not in roles:
            _ensure_another_global_admin(membership.organization, membership)
        if (Role.GLOBAL_ADMIN in membership.roles) != (Role.GLOBAL_ADMIN in roles):
            _ensure_may_grant_global_admin(actor=actor, organization=membership.organization)
        before = list(membership.roles)
        membership.roles = roles
        membership.save(update_fields=["roles"])
        audit_record(
            code="partnerhub.membership.roles_changed",
            actor=actor,
            organization=membership.organization,
            target=membership,
            data={"user": membership.user.email, "before": before, "after": roles},
        )
    return membership


def membership_remove(*, membership: Membership, actor: User) -> None:
    """Remove a member from the organization; never its last Global admin."""
    with transaction.atomic():
        _lock_organization(membership.organization)
        membership = (  # only the seat is locked: a colleague's user row is not the actor's to lock
            Membership.objects.select_for_update(of=("self",))
            .select_related("user", "organization")
            .get(pk=membership.pk)
        )
        if membership.is_global_admin:
            _ensure_another_global_admin(membership.organization, membership)
            if membership.user_id != actor.pk:
                _ensure_may_grant_global_admin(actor=actor, organization=membership.organization)
        audit_record(
            code="partnerhub.membership.removed",
            actor=actor,
            organization=membership.organization,
            target=membership,
            data={"user": membership.user.email, "roles": membership.roles},
        )
        membership.delete()


def _invitation_url(token: str) -> str:
    return str(settings.SITE_URL) + reverse("accounts:invitation-accept", args=[token])


def _send_invitation_email(invitation: UserInvitation, token: str) -> None:
    inviter = invitation.invited_by
    outbound_email_queue(
        to=invitation.email,
        template="user_invitation",
        organization=invitation.organization,
        context={
            "organization": invitation.organization.legal_name,
            "inviter": inviter.get_full_name() if inviter else "",
            "roles": invitation.get_roles_display(),
            "accept_url": _invitation_url(token),
            "expires_at": invitation.expires_at,
        },
    )


def user_invitation_create(
    *, organization: Organization, invited_by: User, email: str, roles: Iterable[str]
) -> UserInvitation:
    """Invite an address to join the organization with the given roles, and email the link."""
    email = email.strip().lower()
    roles = _clean_roles(roles)
    now = timezone.now()
    with transaction.atomic():
        _lock_organization(organization)
        if Role.GLOBAL_ADMIN in roles:
            _ensure_may_grant_global_admin(actor=invited_by, organization=organization)
        if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
            raise AccountsError(
                _("%(email)s is already a member of %(organization)s.")
                % {"email": email, "organization": organization.legal_name},
                field="email",
            )
        open_invitation = UserInvitation.objects.open().filter(organization=organization, email=email).first()
        if open_invitation is not None:
            if open_invitation.expires_at > now:
                raise AccountsError(
                    _("%(email)s already has a pending invitation. Resend it from the list instead.")
                    % {"email": email},
                    field="email",
                )
            open_invitation.revoke(now)  # an expired link makes way for the new one
        invitation, token = invitation_issue(
            UserInvitation,
            actor=invited_by,
            ttl_days=settings.USER_INVITATION_TTL_DAYS,
            audit_code="partnerhub.user_invitation.created",
            audit_data={"email": email, "roles": roles},
            now=now,
            organization=organization,
            email=email,
            roles=roles,
            invited_by=invited_by,
            sent_at=now,
        )
        _send_invitation_email(invitation, token)
    return invitation


def user_invitation_resend(*, invitation: UserInvitation, actor: User) -> UserInvitation:
    """Email a fresh link (the old one stops working) and restart the expiry clock."""
    invitation, _token = invitation_resend(
        invitation,
        actor=actor,
        ttl_days=settings.USER_INVITATION_TTL_DAYS,
        closed=AccountsError(_("This invitation was already accepted or revoked; it can't be resent.")),
        audit_code="partnerhub.user_invitation.resent",
        audit_data=lambda invitation: {"email": invitation.email},
        related=("organization",),
        changes=lambda invitation, now: {"invited_by": invitation.invited_by or actor, "sent_at": now},
        send=_send_invitation_email,
    )
    return invitation


def user_invitation_revoke(*, invitation: UserInvitation, actor: User) -> UserInvitation:
    """Kill a pending invitation's link."""
    return invitation_revoke(
        invitation,
        actor=actor,
        audit_code="partnerhub.user_invitation.revoked",
        accepted=AccountsError(_("This invitation was already accepted; remove the member instead.")),
        audit_data=lambda invitation: {"email": invitation.email},
        related=("organization",),
    )


class InvitationGone(AccountsError):
    """The link is expired, revoked or already used (shown as 410)."""


class InvitationForSomeoneElse(AccountsError):
    """The signed-in user's address is not the invited one (shown as 403)."""


@rls.elevated("invitation:accept")
def user_invitation_accept(*, invitation: UserInvitation, user: User) -> Membership:
    """Join the organization through an invitation: once, before it expires, as the invited address.

    The claim is a conditional UPDATE, so two concurrent accepts (a double click, two tabs) cannot
    both succeed; the membership is created in the same transaction.
    """
    if not EmailAddress.objects.filter(user=user, email__iexact=invitation.email, verified=True).exists():
        raise InvitationForSomeoneElse(
            _("This invitation was sent to %(invited)s, but you are signed in as %(current)s.")
            % {"invited": invitation.email, "current": user.email},
            code="wrong_user",
        )
    now = timezone.now()
    with transaction.atomic():
        claimed = UserInvitation.objects.claim(invitation, user=user, now=now)
        if not claimed:
            raise InvitationGone(_("This invitation link is no longer valid."), code="gone")
        organization = invitation.organization
        try:
            with transaction.atomic():
                membership = Membership.objects.create(organization=organization, user=user, roles=invitation.roles)
        except IntegrityError:
            raise AccountsError(
                _("You are already a member of %(organization)s.") % {"organization": organization.legal_name},
                code="already_member",
            ) from None
        audit_record(
            code="partnerhub.user_invitation.accepted",
            actor=user,
            organization=organization,
            target=invitation,
            data={"email": invitation.email, "roles": invitation.roles},
        )
        if invitation.invited_by_id:
            notification_create(
                user=invitation.invited_by,
                organization=organization,
                title=_("%(name)s joined %(organization)s")
                % {"name": user.get_full_name(), "organization": organization.legal_name},
                url=reverse("accounts:member-list"),
            )
    return membership


# --- the recovery address of an account whose sign-in name is no mailbox ---------------------------------

RECOVERY_SALT = "partnerhub.accounts.recovery-email"


def recovery_email_token(user: User) -> str:
    """A signed, expiring claim "this user's recovery address is this one"; it dies if the address changes."""
    return signing.dumps({"user": user.pk, "email": user.recovery_email}, salt=RECOVERY_SALT)


def recovery_email_set(*, user: User, email: str) -> User:
    """Name the person who owns the account (`admin@…` is no mailbox) and ask them to confirm their address.

    Until they confirm, nothing about the account is sent there: the address was typed by someone, maybe a
    partner, maybe with a typo, and a password-reset link must only reach its owner."""
    email = (email or "").strip().lower()
    if not email or email == user.email:
        return user
    with transaction.atomic():
        user.recovery_email, user.recovery_email_verified = email, False
        user.save(update_fields=["recovery_email", "recovery_email_verified"])
        outbound_email_queue(
            to=email,
            template="recovery_email_confirm",
            language=user.language or None,
            context={
                "name": user.first_name,
                "sign_in_name": user.email,
                "confirm_url": settings.SITE_URL + reverse("accounts:recovery-email-confirm", args=[
                    recovery_email_token(user)]),
                "days": settings.RECOVERY_EMAIL_CONFIRM_DAYS,
            },
        )  # fmt: skip
    return user


class RecoveryLinkInvalid(AccountsError):
    """A recovery-address link PartnerHub never signed."""


@rls.elevated("auth:recovery-email-link")  # the signed link is the capability: no one is signed in
def recovery_email_user(token: str) -> User | None:
    """The user a confirmation link names, if it is still recent and the address unchanged (else None);
    RecoveryLinkInvalid if PartnerHub never signed it."""
    try:
        claim = signing.loads(token, salt=RECOVERY_SALT, max_age=timedelta(days=settings.RECOVERY_EMAIL_CONFIRM_DAYS))
    except signing.SignatureExpired:
        return None
    except signing.BadSignature:
        raise RecoveryLinkInvalid(_("This link is not valid.")) from None
    user = User.objects.filter(pk=claim.get("user"), is_active=True).first()
    if user is None or not user.recovery_email or user.recovery_email != claim.get("email"):
        return None
    return user


@rls.elevated("auth:recovery-email-link")
def recovery_email_confirm(*, user: User) -> User:
    """The owner clicked the link: resets and security notices of the account go to their address from now on."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if not user.recovery_email_verified:
            user.recovery_email_verified = True
            user.save(update_fields=["recovery_email_verified"])
            audit_record(code="partnerhub.user.recovery_email_confirmed", actor=user, organization=None, target=user,
                         data={"email": user.recovery_email})  # fmt: skip
    return user
