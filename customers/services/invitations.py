"""Reseller relationship requests to customers: by a provider or direct-bill partner, or three-party by a
reseller for itself and one of its providers. Same token rules as partnership links."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from enrollment.selectors import selling_program
from partnerhub.accounts.models import Organization, User
from partnerhub.accounts.rules import is_global_admin_of
from partnerhub.core import rls
from partnerhub.core.audit import audit_record
from partnerhub.core.invitations import invitation_issue, invitation_resend, invitation_revoke, invitation_send
from partnerhub.core.regions import CspRegion
from relationships.models import PartnerRelationship

from ..models import CustomerInvitation, CustomerRelationship
from .agreement import customer_agreement_accept
from .common import CustomersError, notify_admins, require_seller
from .relationships import relate_through
from .tenants import check_account, create_admin, create_tenant


def invitation_url(token: str) -> str:
    site_url: str = settings.SITE_URL
    return site_url + reverse("customers:invitation-accept", args=[token])


def customer_invitation_create(
    *, sender: Organization, actor: User, delegated_admin: bool = True, provider: Organization | None = None
) -> tuple[CustomerInvitation, str]:
    """A new personal link. A seller invites for itself; a reseller names one of its providers."""
    if provider is None:
        require_seller(sender)
        partner, reseller = sender, None
    else:
        partnered = PartnerRelationship.objects.filter(
            provider=provider, reseller=sender, status=PartnerRelationship.Status.ACTIVE
        ).exists()
        if not partnered:
            raise CustomersError(_("You can invite customers only with a provider you're in partnership with."))
        partner, reseller = provider, sender
    return invitation_issue(
        CustomerInvitation,
        actor=actor,
        ttl_days=settings.CUSTOMER_INVITATION_TTL_DAYS,
        audit_code="partnerhub.customer_invitation.created",
        partner=partner,
        reseller=reseller,
        sent_by=sender,
        delegated_admin=delegated_admin,
        created_by=actor,
    )


def customer_invitation_send(
    *, invitation: CustomerInvitation, actor: User, token: str, email: str, message: str
) -> CustomerInvitation:
    """Email the draft through the outbox."""
    return invitation_send(
        invitation,
        actor=actor,
        token=token,
        email=email,
        error=CustomersError,
        no_email=_("Enter the customer's email address."),
        template="customer_invitation",
        context=lambda invitation: {
            "partner": invitation.sent_by.legal_name,
            "message": message.strip(),
            "accept_url": invitation_url(token),
            "expires_at": invitation.expires_at,
        },
        audit_code="partnerhub.customer_invitation.sent",
    )


def customer_invitation_resend(*, invitation: CustomerInvitation, actor: User) -> tuple[CustomerInvitation, str]:
    """A new link for the same request; the old link stops working."""
    return invitation_resend(
        invitation,
        actor=actor,
        ttl_days=settings.CUSTOMER_INVITATION_TTL_DAYS,
        closed=CustomersError(_("This request was accepted or revoked; create a new one instead."), code="gone"),
        audit_code="partnerhub.customer_invitation.renewed",
    )


def customer_invitation_revoke(*, invitation: CustomerInvitation, actor: User) -> CustomerInvitation:
    return invitation_revoke(invitation, actor=actor, audit_code="partnerhub.customer_invitation.revoked")


def check_invitation(*, invitation: CustomerInvitation, customer: Organization | None, user: User | None) -> None:
    """Every reason this customer can't accept this invitation (nothing written)."""
    if not invitation.is_usable:
        raise CustomersError(_("This invitation link is no longer valid."), code="gone")
    if customer is None:
        return
    if customer.kind != Organization.Kind.CUSTOMER:
        raise CustomersError(
            _("%(organization)s is a partner organization. Sign in with your customer account to accept.")
            % {"organization": customer.legal_name},
            code="not_customer",
        )
    if user is not None and not is_global_admin_of(user, customer):
        raise CustomersError(
            _("Only a Global admin of %(customer)s can accept a reseller relationship.")
            % {"customer": customer.legal_name},
            code="not_global_admin",
        )
    partner = invitation.partner
    if selling_program(partner) is None:
        raise CustomersError(
            _("%(partner)s can't take on customers at the moment.") % {"partner": partner.legal_name},
            code="partner_inactive",
        )
    if customer.csp_region != partner.csp_region:
        raise CustomersError(
            _("%(partner)s sells in the %(theirs)s CSP region and %(customer)s is in %(ours)s: partners can only "
              "serve customers of their own region.")
            % {
                "partner": partner.legal_name,
                "theirs": CspRegion(partner.csp_region).label,
                "customer": customer.legal_name,
                "ours": CspRegion(customer.csp_region).label,
            },
            code="region_mismatch",
        )  # fmt: skip
    if (
        invitation.reseller_id
        and not PartnerRelationship.objects.filter(
            provider=partner, reseller=invitation.reseller_id, status=PartnerRelationship.Status.ACTIVE
        ).exists()
    ):
        raise CustomersError(_("The reseller and its provider are no longer partners; ask for a new link."),
                             code="partnership_ended")  # fmt: skip


def _accept(
    invitation: CustomerInvitation, customer: Organization, user: User, accept_agreement: bool
) -> list[CustomerRelationship]:
    invitation = CustomerInvitation.objects.select_related("partner", "reseller", "sent_by").get(pk=invitation.pk)
    check_invitation(invitation=invitation, customer=customer, user=user)
    now = timezone.now()
    claimed = CustomerInvitation.objects.claim(invitation, user=user, now=now, customer=customer)
    if not claimed:
        raise CustomersError(_("This invitation link is no longer valid."), code="gone")
    rows = relate_through(
        partner=invitation.partner,
        customer=customer,
        reseller=invitation.reseller,
        delegated_admin=invitation.delegated_admin,
    )
    if accept_agreement:
        customer_agreement_accept(customer=customer, user=user)
    audit_record(code="partnerhub.customer_invitation.accepted", actor=user, organization=customer, target=invitation)
    for row in rows:
        audit_record(code="partnerhub.customer_relationship.created", actor=user, organization=row.partner, target=row)
        notify_admins(
            row.partner,
            title=_("%(customer)s accepted your reseller relationship request") % {"customer": customer.legal_name},
            url=reverse("customers:customer-detail", args=[customer.tenant_id]),
            template="customer_invitation_accepted",
            context={"customer": customer.legal_name},
        )
    return rows


@rls.elevated("invitation:accept")
def customer_invitation_accept(*, invitation: CustomerInvitation, customer: Organization, user: User,
                               accept_agreement: bool = False) -> list[CustomerRelationship]:  # fmt: skip
    """The customer's Global admin authorizes the partner(s) as resellers of record."""
    with transaction.atomic():
        Organization.objects.select_for_update().get(pk=customer.pk)
        return _accept(invitation, customer, user, accept_agreement)


@rls.elevated("tenant:create-customer")
def customer_signup_and_accept(
    *, invitation: CustomerInvitation, account: dict[str, Any], password: str, accept_agreement: bool
) -> User:
    """A visitor without an account creates its customer tenant from the link and accepts in one go."""
    check_invitation(invitation=invitation, customer=None, user=None)
    check_account(invitation.partner, account)
    try:
        password_validation.validate_password(password)
    except ValidationError as exc:
        raise CustomersError(" ".join(exc.messages), field="password") from None
    with transaction.atomic():
        organization, customer = create_tenant(account=account, created_by_partner=None)
        user = create_admin(organization, customer, password=password, temporary=False)
        audit_record(code="partnerhub.customer.created", actor=user, organization=organization, target=organization)
        _accept(invitation, organization, user, accept_agreement)
    return user
