"""The scenario builder every app's tests share: small steps, each through the real services, that compose.

    staff = staff_user()
    mpa = partner_agreement()
    provider = active_provider(member, staff, mpa)               # an active indirect provider
    reseller, reseller_user = make_reseller(staff, mpa, "Fabrikam")  # a verified reseller that signed
    partner(provider, member.user, reseller, reseller_user)      # ... in partnership with the provider
    created = new_customer(provider, member.user, reseller, lines=[(offer, 10)])  # a customer with subscriptions

The fixtures that wrap these steps live in tests/fixtures.py (a plugin listed in tests/conftest.py), so no
conftest imports another. Organizations, users and memberships come from tests/factories.py.
"""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta

from django.utils import timezone

from agreements.services import agreement_sign, agreement_version_create
from customers import services as customer_services
from customers.models import Offer, OfferPrice
from demo.pdf import CUSTOMER_AGREEMENT, PARTNER_AGREEMENT, text_pdf
from enrollment import services as enrollment_services
from partnerhub.accounts.models import Role
from partnerhub.core.models import OutboundEmail
from relationships import services as relationship_services
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

PASSWORD = "correct-horse-battery"
STAFF_EMAIL = "olivia@partnerhub.example"

# --- data -----------------------------------------------------------------------------------

ENROLLMENT_DATA = {
    "legal_name": "Contoso Distribution Inc.",
    "address_line1": "1 Main Street",
    "address_line2": "",
    "city": "Seattle",
    "state": "WA",
    "postal_code": "98101",
    "registration_number": "",
    "contact_first_name": "Pat",
    "contact_last_name": "Lee",
    "contact_email": "pat.lee@contoso.example",
    "contact_phone": "+12065550100",
    "support_email": "help@contoso.example",
    "support_phone": "+12065550101",
    "support_website": "https://contoso.example/support",
}

# The enrolment form as a person types it (phone numbers with spaces).
FORM_DATA = {**ENROLLMENT_DATA, "contact_phone": "+1 206 555 0100", "support_phone": "+1 206 555 0101"}

# A new customer's account, as the customer wizard's first step takes it.
ACCOUNT = {
    "company_name": "Woodgrove Foods Inc.",
    "domain_prefix": "woodgrovefoods",
    "country": "US",
    "address_line1": "77 Market Street",
    "address_line2": "",
    "city": "Portland",
    "state": "OR",
    "postal_code": "97204",
    "contact_first_name": "Nestor",
    "contact_last_name": "Wilke",
    "contact_email": "nestor@woodgrove.example",
    "contact_phone": "",
    "culture": "en-US",
    "language": "en",
    "registration_number": "",
}

# The partner-agreement signing form, filled in by Megan (the provider's Global admin).
SIGN = {"first_name": "Megan", "last_name": "Bowen", "email": "megan@contoso.example", "phone": "", "accepted": "on"}

MPA_PDF = text_pdf("Partner Agreement (test)", PARTNER_AGREEMENT)
MCA_PDF = text_pdf("MCA", CUSTOMER_AGREEMENT)

# --- people and agreements ----------------------------------------------------------------------


def staff_user():
    """Olivia, PartnerHub staff (superuser): reviews enrolments."""
    return UserFactory(email=STAFF_EMAIL, is_staff=True, is_superuser=True)


def partner_agreement(content: bytes = MPA_PDF, **fields):
    """The current partner agreement (MPA 2026-01, English)."""
    values = {"type": "mpa", "version": "2026-01", "language": "en", "effective_date": date(2026, 1, 1)}
    return agreement_version_create(**{**values, **fields}, content=content)


def customer_agreement():
    """The current customer agreement (MCA 2026-01, English)."""
    return agreement_version_create(
        type="mca", version="2026-01", language="en", effective_date=date(2026, 1, 1), content=MCA_PDF
    )


# --- enrolment, signing, partnership ------------------------------------------------------------


def qualify(organization, actor, staff, *, program="indirect_reseller", associate=True):
    """Enrol, verify and (optionally) associate a location partner ID: ready to sign."""
    enrollment = enrollment_services.enrollment_submit(
        organization=organization, actor=actor, program=program, data=ENROLLMENT_DATA
    )
    case = enrollment.cases.get()
    enrollment_services.contact_email_verify(case_pk=case.pk)
    for _ in range(3):
        case = enrollment_services.case_approve_step(case=case, reviewer=staff)
    location = None
    if associate:
        location = enrollment_services.partner_id_add_location(
            organization=organization,
            actor=actor,
            business_name=organization.legal_name,
            country=organization.country.code,
            address_line1="1 Main Street",
            city="Seattle",
            postal_code="98101",
            contact_name="Pat",
            contact_email="pat@contoso.example",
        )
        enrollment_services.partner_id_associate(organization=organization, actor=actor, partner_id_pk=location.pk)
    return enrollment, location


def sign(organization, user, version):
    """The organization's user accepts the agreement version (as A B)."""
    agreement_sign(
        organization=organization,
        user=user,
        version=version,
        first_name="A",
        last_name="B",
        email=user.email,
        accepted=True,
    )


def active_provider(member, staff, mpa):
    """The member's organization, qualified as an indirect provider and signed: an active provider."""
    qualify(member.organization, member.user, staff, program="indirect_provider")
    sign(member.organization, member.user, mpa)
    return member.organization


_resellers = itertools.count()


def make_reseller(
    staff, mpa, name="Fabrikam LLC", *, n=None, country="US", csp_region="united_states", qualified=True, signed=True
):
    """A reseller organization and its Global admin (the n-th reseller: Alex R<n>); qualified and signed unless
    told otherwise."""
    n = next(_resellers) if n is None else n
    organization = OrganizationFactory(
        legal_name=name, country=country, csp_region=csp_region, primary_domain="contoso.example"
    )
    user = UserFactory(email=f"reseller{n}.{organization.pk}@fabrikam.example", first_name="Alex", last_name=f"R{n}")
    MembershipFactory(organization=organization, user=user, roles=[Role.GLOBAL_ADMIN])
    if qualified:
        qualify(organization, user, staff)
        if signed:
            sign(organization, user, mpa)
    return organization, user


def partner(provider, provider_user, reseller, reseller_user):
    """The provider invites the reseller by link and the reseller accepts: partners."""
    invitation, _ = relationship_services.partnership_invitation_create(provider=provider, actor=provider_user)
    return relationship_services.partnership_accept(invitation=invitation, reseller=reseller, user=reseller_user)


# --- catalogue and customers --------------------------------------------------------------------


def make_offer(sku, name, *, price="10.00", minimum=1, maximum=300, limit=None, regions=("united_states",), **extra):
    """An offer priced the same in USD, EUR and GBP."""
    offer = Offer.objects.create(
        sku=sku,
        name=name,
        billing_type="license",
        term=extra.pop("term", "P1M"),
        minimum_quantity=minimum,
        maximum_quantity=maximum,
        customer_limit=limit,
        csp_regions=list(regions),
        **extra,
    )
    for currency in ("USD", "EUR", "GBP"):
        OfferPrice.objects.create(offer=offer, currency=currency, unit_price=price)
    return offer


def catalogue():
    """Business Standard, Endpoint Security, a one-per-customer plan, and an EU-only offer."""
    return {
        "standard": make_offer("PH-BIZ-STD", "Business Standard", price="12.50"),
        "security": make_offer("PH-SECURITY", "Endpoint Security", price="5.20", maximum=50),
        "plan": make_offer("PH-PLAN", "Cloud Compute Plan", maximum=1, limit=1),
        "eu": make_offer("PH-EU", "EU Backup Vault", regions=("europe",)),
    }


def attested(**overrides):
    """The customer agreement, attested yesterday by Nestor Wilke."""
    values = {
        "attest": True,
        "first_name": "Nestor",
        "last_name": "Wilke",
        "email": "nestor@woodgrove.example",
        "date_agreed": timezone.now().date() - timedelta(days=1),
    }
    return customer_services.AgreementInput(**{**values, **overrides})


def new_customer(partner, actor, reseller=None, *, prefix, company_name, attest=True, lines=(), **account):
    """A customer of `partner` (associated with `reseller`, if any), with a subscription per (offer, quantity)."""
    data = customer_services.NewCustomer(
        account={**ACCOUNT, "domain_prefix": prefix, "company_name": company_name, **account},
        reseller=reseller,
        agreement=attested() if attest else customer_services.AgreementInput(attest=False),
        lines=[customer_services.LineInput(offer=offer, quantity=qty) for offer, qty in lines],
    )
    return customer_services.customer_create(partner=partner, actor=actor, data=data)


# --- links in the outbox ------------------------------------------------------------------------


def verification_link(to: str = "pat.lee@contoso.example") -> str:
    """The contact-verification path in the latest email to `to`."""
    body = OutboundEmail.objects.filter(to=to).latest("created_at", "pk").body_text
    return re.search(r"http://testserver(/verify-contact/[\w-]+/)", body).group(1)


def emailed_link(to: str) -> str:
    """The partnership-invitation path in the latest invitation email to `to`."""
    body = OutboundEmail.objects.filter(to=to, template="partnership_invitation").latest("pk").body_text
    return re.search(r"http://testserver(/partnership/[\w-]+/)", body).group(1)
