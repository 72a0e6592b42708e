"""A new customer tenant: the rules of its account information, the tenant (organization and customer
rows) and its first Global admin."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from partnerhub.accounts.models import Membership, Organization, Role, User
from partnerhub.accounts.services import recovery_email_set
from partnerhub.accounts.webmail import email_domain
from partnerhub.core.regions import CspRegion, MarketUnavailable, market_for
from partnerhub.core.registration import registration_label, registration_required

from ..models import Customer
from ..validation import company_name_errors, domain_for, domain_prefix_error
from .common import CustomersError

ACCOUNT_FIELDS = (
    "company_name",
    "domain_prefix",
    "country",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "contact_first_name",
    "contact_last_name",
    "contact_email",
    "contact_phone",
    "culture",
    "language",
    "registration_number",
)


def domain_available(domain: str) -> bool:
    return not (
        Customer.objects.filter(domain=domain).exists() or Organization.objects.filter(primary_domain=domain).exists()
    )


def _on_partner_domain(email: str, partner: Organization) -> bool:
    domain, own = email_domain(email), partner.primary_domain.lower()
    return bool(own) and (domain == own or domain.endswith("." + own))


def check_account(partner: Organization, account: dict[str, Any]) -> None:
    """Every rule of the Account info step; raises CustomersError naming the field."""
    if message := company_name_errors(account.get("company_name", "")):
        raise CustomersError(message, field="company_name")
    prefix = (account.get("domain_prefix") or "").strip().lower()
    if message := domain_prefix_error(prefix):
        raise CustomersError(message, field="domain_prefix")
    if not domain_available(domain_for(prefix)):
        raise CustomersError(
            _("%(domain)s is already taken. Choose another domain name.") % {"domain": domain_for(prefix)},
            field="domain_prefix",
        )
    country = str(account.get("country") or "").upper()
    try:
        market = market_for(country)
    except MarketUnavailable:
        raise CustomersError(_("PartnerHub doesn't serve customers in this country."), field="country") from None
    if market.region != partner.csp_region:
        raise CustomersError(
            _(
                "%(partner)s sells in the %(ours)s CSP region; a customer in this country belongs to %(theirs)s. "
                "Partners can only sell to customers of their own region."
            )
            % {
                "partner": partner.legal_name,
                "ours": CspRegion(partner.csp_region).label,
                "theirs": CspRegion(market.region).label,
            },
            field="country",
        )
    email = (account.get("contact_email") or "").strip().lower()
    if _on_partner_domain(email, partner):
        raise CustomersError(
            _(
                "Use an address of the customer's organization. %(email)s is on your own domain, %(domain)s: "
                "a partner can't sell to itself."
            )
            % {"email": email, "domain": partner.primary_domain},
            field="contact_email",
        )
    number = (account.get("registration_number") or "").strip()
    if registration_required(country):
        if not number:
            raise CustomersError(
                _("Customers in this country need a company registration number (%(label)s).")
                % {"label": registration_label(country)},
                field="registration_number",
            )
        if not account.get("contact_phone"):
            raise CustomersError(
                _("Customers in this country need the primary contact's phone number."), field="contact_phone"
            )
    elif number:
        raise CustomersError(
            _("A registration number is only collected for customers in the countries that require one."),
            field="registration_number",
        )


def create_tenant(*, account: dict[str, Any], created_by_partner: Organization | None) -> tuple[Organization, Customer]:
    market = market_for(str(account["country"]).upper())
    domain = domain_for(account["domain_prefix"].strip().lower())
    organization = Organization.objects.create(
        kind=Organization.Kind.CUSTOMER,
        legal_name=account["company_name"].strip(),
        country=market.country,
        address_line1=account["address_line1"].strip(),
        address_line2=(account.get("address_line2") or "").strip(),
        city=account["city"].strip(),
        state=(account.get("state") or "").strip(),
        postal_code=account["postal_code"].strip(),
        primary_domain=domain,
        csp_region=market.region,
        currency=market.currency,
    )
    try:
        with transaction.atomic():
            customer = Customer.objects.create(
                organization=organization,
                domain=domain,
                culture=account.get("culture") or "en-US",
                language=account.get("language") or "en",
                registration_number=(account.get("registration_number") or "").strip(),
                contact_first_name=account["contact_first_name"].strip(),
                contact_last_name=account["contact_last_name"].strip(),
                contact_email=account["contact_email"].strip().lower(),
                contact_phone=account.get("contact_phone") or "",
                created_by_partner=created_by_partner,
            )
    except IntegrityError:
        raise CustomersError(
            _("%(domain)s is already taken. Choose another domain name.") % {"domain": domain}, field="domain_prefix"
        ) from None
    return organization, customer


def create_admin(organization: Organization, customer: Customer, *, password: str, temporary: bool) -> User:
    """The customer's first Global admin, `admin@<domain>`; the domain is ours, so the address is verified."""
    email = f"admin@{customer.domain}"
    language = customer.language if customer.language in dict(settings.LANGUAGES) else ""
    user = User.objects.create_user(
        email=email,
        password=password,
        first_name=customer.contact_first_name,
        last_name=customer.contact_last_name,
        language=language,
        must_change_password=temporary,
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    Membership.objects.create(organization=organization, user=user, roles=[Role.GLOBAL_ADMIN])
    # admin@<domain> is no mailbox: the contact who owns the account recovers it through their own address.
    recovery_email_set(user=user, email=customer.contact_email)
    return user
