"""A pending transfer: Woodgrove's subscriptions, sold by Contoso with Fabrikam as reseller, asked to move to
Proseware Cloud, a second indirect provider Fabrikam partners with (so the Transfers pages show something)."""

from __future__ import annotations

from allauth.account.models import EmailAddress

from customers.models import Customer, Subscription
from demo.enrollments import authorize_and_associate, enrol, sign
from enrollment.models import PartnerId, Program, ProgramEnrollment
from partnerhub.accounts.models import Organization, User
from partnerhub.accounts.services import organization_create
from relationships.models import PartnerRelationship
from relationships.services import partnership_accept, partnership_invitation_create
from transfers.models import Transfer
from transfers.services import transfer_create

PROSEWARE = {
    "legal_name": "Proseware Cloud Inc.",
    "country": "US",
    "address_line1": "10 Water Street",
    "city": "Boston",
    "state": "MA",
    "postal_code": "02109",
    "primary_domain": "proseware-cloud.example",
}
PROSEWARE_ADMIN = ("diego.siciliani@proseware-cloud.example", "Diego", "Siciliani")


def seed_transfers(password: str, operator_email: str) -> str | None:
    """Proseware Cloud (a second provider) and a pending transfer of Woodgrove's subscriptions to it. Returns
    Proseware's Global admin's sign-in."""
    email, first, last = PROSEWARE_ADMIN
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password, first_name=first, last_name=last)
        EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        organization_create(user=user, **PROSEWARE)
    proseware = Organization.objects.get(primary_domain=PROSEWARE["primary_domain"])
    if not ProgramEnrollment.objects.filter(organization=proseware).exists():
        _, case = enrol(proseware, Program.INDIRECT_PROVIDER, first, last, "+16175550100")
        authorize_and_associate(proseware, case, User.objects.get(email=operator_email))
        sign(proseware)
    reseller = Organization.objects.get(primary_domain="fabrikam-solutions.example")
    if not PartnerRelationship.objects.filter(provider=proseware, reseller=reseller).exists():
        invitation, _token = partnership_invitation_create(provider=proseware, actor=user)
        partnership_accept(invitation=invitation, reseller=reseller, user=reseller.memberships.first().user)
    woodgrove = Customer.objects.filter(domain__startswith="woodgrovefoods.").first()
    if woodgrove is not None and not Transfer.objects.filter(customer=woodgrove.organization_id).exists():
        provider = Organization.objects.get(primary_domain="contoso-distribution.example")
        subscriptions = list(
            Subscription.objects.filter(customer=woodgrove.organization_id, partner=provider, status="active")
        )
        if subscriptions:
            transfer_create(
                organization=provider,
                actor=provider.memberships.first().user,
                customer=woodgrove.organization,
                target=proseware,
                subscriptions=subscriptions[:1],
                partner_of_record=str(PartnerId.objects.get(organization=reseller, csp_associated=True).number),
            )
    return email
