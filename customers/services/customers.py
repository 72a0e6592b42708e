"""Adding a customer (the wizard's Submit), its customer agreement, and ending a customer relationship."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field
from datetime import date

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements.models import AgreementType, CustomerAgreementAcceptance
from agreements.selectors import VERSION_OVERDUE, agreement_standing, current_version
from enrollment.models import Program
from partnerhub.accounts.models import Membership, Organization, Role, User
from partnerhub.accounts.rules import require_global_admin
from partnerhub.accounts.services import recovery_email_set
from partnerhub.accounts.webmail import email_domain
from partnerhub.core import rls
from partnerhub.core.audit import audit_record
from partnerhub.core.outbox import outbound_email_queue
from partnerhub.core.regions import CspRegion, MarketUnavailable, market_for
from partnerhub.core.registration import registration_label, registration_required
from relationships.models import PartnerRelationship

from ..models import Customer, CustomerRelationship, Subscription
from ..selectors import has_active_subscriptions
from ..validation import company_name_errors, domain_for, domain_prefix_error
from .common import (
    CustomersError,
    eligible_resellers,
    location_partner_id,
    notify_admins,
    require_agreement_in_force,
    require_seller,
)
from .orders import LineInput, check_lines, order_create_locked

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


@dataclass
class AgreementInput:
    """The customer agreement step: attested now by the partner, or left for the customer to accept."""

    attest: bool
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    date_agreed: date | None = None


@dataclass
class NewCustomer:
    account: dict
    reseller: Organization | None = None
    agreement: AgreementInput = field(default_factory=lambda: AgreementInput(attest=False))
    lines: list[LineInput] = field(default_factory=list)


def domain_available(domain: str) -> bool:
    return not (
        Customer.objects.filter(domain=domain).exists() or Organization.objects.filter(primary_domain=domain).exists()
    )


def _on_partner_domain(email: str, partner: Organization) -> bool:
    domain, own = email_domain(email), partner.primary_domain.lower()
    return bool(own) and (domain == own or domain.endswith("." + own))


def check_account(partner: Organization, account: dict) -> None:
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


def check_reseller(partner: Organization, reseller: Organization | None) -> None:
    if reseller is None:
        return
    if require_seller(partner) != Program.INDIRECT_PROVIDER:
        raise CustomersError(_("Only indirect providers associate customers with a reseller."), field="reseller")
    if not eligible_resellers(partner).filter(pk=reseller.pk).exists():
        # Named only to a provider it has (or had) a partnership with: anyone else learns nothing of it.
        known = PartnerRelationship.objects.filter(provider=partner, reseller=reseller).exists()
        if not known:
            raise CustomersError(
                _("This reseller isn't available to you: choose one of the resellers listed."), field="reseller"
            )
        standing = agreement_standing(organization=reseller)
        if standing.code == VERSION_OVERDUE:  # the precise reason, as the status lookup and the order form say
            raise CustomersError(standing.reason(), field="reseller", code=standing.code)
        raise CustomersError(
            _(
                "%(reseller)s can't be associated: it needs an active partnership with you, an authorized "
                "enrolment and the partner agreement accepted."
            )
            % {"reseller": reseller.legal_name},
            field="reseller",
        )


def check_agreement(agreement: AgreementInput) -> None:
    if not agreement.attest:
        return
    if current_version(type=AgreementType.MCA) is None:
        raise CustomersError(_("The customer agreement isn't published yet; ask PartnerHub support."), field="attest")
    for name, label in (("first_name", _("first name")), ("last_name", _("last name")), ("email", _("email"))):
        if not getattr(agreement, name).strip():
            raise CustomersError(_("Enter the %(field)s of the person who accepted.") % {"field": label}, field=name)
    if agreement.date_agreed is None:
        raise CustomersError(_("Enter the date the customer accepted the agreement."), field="date_agreed")
    if agreement.date_agreed > timezone.now().date():
        raise CustomersError(_("The date agreed can't be in the future."), field="date_agreed")


TEMPORARY_PASSWORD_ALPHABET = string.ascii_letters + string.digits


def temporary_password() -> str:
    """16 random characters in groups, e.g. `Xk3p-9QaZ-m2Rt-Lw8e`: easy to note, hard to guess."""
    raw = "".join(secrets.choice(TEMPORARY_PASSWORD_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def _create_tenant(*, account: dict, created_by_partner: Organization | None) -> tuple[Organization, Customer]:
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


def _create_admin(organization: Organization, customer: Customer, *, password: str, temporary: bool) -> User:
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


def _relate(*, partner: Organization, customer: Organization, kind: str, reseller=None, delegated_admin=True):
    """Create the active relationship, or update the existing one (a second invitation, say)."""
    relationship = (
        CustomerRelationship.objects.select_for_update()
        .filter(partner=partner, customer=customer, status=CustomerRelationship.Status.ACTIVE)
        .first()
    )
    if relationship is None:
        return CustomerRelationship.objects.create(
            partner=partner,
            customer=customer,
            kind=kind,
            reseller=reseller,
            customer_name=customer.legal_name,
            delegated_admin=delegated_admin,
        )
    relationship.delegated_admin = relationship.delegated_admin or delegated_admin
    relationship.reseller = relationship.reseller or reseller
    relationship.save(update_fields=["delegated_admin", "reseller"])
    return relationship


def relate_through(*, partner: Organization, customer: Organization, reseller=None, delegated_admin=True):
    """The relationships a sale or an accepted invitation creates: the seller's row (naming the reseller)
    and, for an indirect sale, the reseller's own row."""
    program = require_seller(partner)
    kind = CustomerRelationship.Kind.INDIRECT_PROVIDER if program == Program.INDIRECT_PROVIDER else "direct"
    rows = [_relate(partner=partner, customer=customer, kind=kind, reseller=reseller, delegated_admin=delegated_admin)]
    if reseller is not None:
        rows.append(
            _relate(
                partner=reseller,
                customer=customer,
                kind=CustomerRelationship.Kind.INDIRECT_RESELLER,
                delegated_admin=delegated_admin,
            )
        )
    return rows


def _record_attestation(*, partner, customer: Organization, actor, agreement: AgreementInput):
    version = current_version(type=AgreementType.MCA)
    acceptance = CustomerAgreementAcceptance.objects.create(
        customer=customer,
        version=version,
        method=CustomerAgreementAcceptance.Method.PARTNER_ATTESTED,
        partner=partner,
        user=actor,
        first_name=agreement.first_name.strip(),
        last_name=agreement.last_name.strip(),
        email=agreement.email.strip().lower(),
        phone=agreement.phone or "",
        date_agreed=agreement.date_agreed,
        document_sha256=version.sha256,
    )
    audit_record(code="partnerhub.customer_agreement.attested", actor=actor, organization=partner, target=acceptance)
    audit_record(code="partnerhub.customer_agreement.attested", actor=actor, organization=customer, target=acceptance)
    outbound_email_queue(
        to=acceptance.email,
        template="customer_agreement_attested",
        organization=customer,
        context={
            "name": acceptance.first_name,
            "customer": customer.legal_name,
            "partner": partner.legal_name,
            "date_agreed": acceptance.date_agreed,
            "version": str(version),
            "url": settings.SITE_URL + reverse("customers:partner-relationships"),
        },
    )
    return acceptance


@dataclass
class CreatedCustomer:
    organization: Organization
    user_name: str
    temporary_password: str  # exists only in this object: the database holds its hash


@rls.elevated("tenant:create-customer")
def customer_create(*, partner: Organization, actor: User, data: NewCustomer) -> CreatedCustomer:
    """The wizard's Submit: tenant, admin user, relationships, agreement and first order, all or nothing."""
    require_seller(partner)
    check_account(partner, data.account)
    check_reseller(partner, data.reseller)
    check_agreement(data.agreement)
    if data.lines:
        require_agreement_in_force(partner)
    if data.lines and not data.agreement.attest:
        raise CustomersError(
            _(
                "Before you can place an order the customer must accept the customer agreement: confirm their "
                "acceptance, or add subscriptions after they accept it."
            ),
            code="13605",
        )
    country = str(data.account["country"]).upper()
    market = market_for(country)
    partner_of_record = location_partner_id(data.reseller) if data.reseller else None
    check_lines(partner=partner, customer=None, country=country, region=market.region, currency=market.currency,
                lines=data.lines)  # fmt: skip
    password = temporary_password()
    with transaction.atomic():
        organization, customer = _create_tenant(account=data.account, created_by_partner=partner)
        admin = _create_admin(organization, customer, password=password, temporary=True)
        relate_through(partner=partner, customer=organization, reseller=data.reseller)
        if data.agreement.attest:
            _record_attestation(partner=partner, customer=organization, actor=actor, agreement=data.agreement)
        if data.lines:
            for line in data.lines:
                line.partner_of_record = line.partner_of_record or partner_of_record
            order_create_locked(partner=partner, customer=organization, actor=actor, lines=data.lines)
        audit_record(code="partnerhub.customer.created", actor=actor, organization=partner, target=organization)
        audit_record(code="partnerhub.customer.created", actor=actor, organization=organization, target=organization)
        if data.reseller is not None:
            notify_admins(
                data.reseller,
                title=_("%(provider)s added the customer %(customer)s for you")
                % {"provider": partner.legal_name, "customer": organization.legal_name},
                url=reverse("customers:customer-detail", args=[organization.tenant_id]),
                template="customer_added_for_reseller",
                context={"provider": partner.legal_name, "customer": organization.legal_name},
            )
    return CreatedCustomer(organization=organization, user_name=admin.email, temporary_password=password)


# --- the customer agreement on an existing customer ------------------------------------------------------


def customer_agreement_attest(*, partner: Organization, customer: Organization, actor: User, agreement: AgreementInput):
    """ "Update" under Customer agreement: the partner confirms the customer accepted (duplicates refused)."""
    require_seller(partner)
    agreement.attest = True
    check_agreement(agreement)
    with transaction.atomic():
        Organization.objects.select_for_update().get(pk=customer.pk)
        if not CustomerRelationship.objects.filter(
            partner=partner, customer=customer, status=CustomerRelationship.Status.ACTIVE
        ).exists():
            raise CustomersError(_("You no longer have a relationship with this customer."), code="no_relationship")
        latest = (
            CustomerAgreementAcceptance.objects.filter(customer=customer, partner=partner)
            .order_by("-created_at", "-pk")
            .first()
        )
        unchanged = latest is not None and (
            latest.first_name.casefold(),
            latest.last_name.casefold(),
            latest.email.casefold(),
            str(latest.phone or ""),
        ) == (
            agreement.first_name.strip().casefold(),
            agreement.last_name.strip().casefold(),
            agreement.email.strip().casefold(),
            str(agreement.phone or ""),
        )
        if unchanged:
            raise CustomersError(
                _(
                    "A partner confirmed agreement already exists for the customer. Change the contact's name, "
                    "email or phone to record a new confirmation."
                ),
                code="600061",
            )
        return _record_attestation(partner=partner, customer=customer, actor=actor, agreement=agreement)


def customer_agreement_accept(*, customer: Organization, user: User) -> CustomerAgreementAcceptance:
    """The customer's Global admin accepts the customer agreement directly (once per version)."""
    message = _("Only a Global admin of %(customer)s can accept the customer agreement.")
    require_global_admin(
        user, customer, CustomersError(message % {"customer": customer.legal_name}, code="not_global_admin")
    )
    version = current_version(type=AgreementType.MCA)
    if version is None:
        raise CustomersError(_("The customer agreement isn't published yet; ask PartnerHub support."))
    with transaction.atomic():
        Organization.objects.select_for_update().get(pk=customer.pk)
        existing = CustomerAgreementAcceptance.objects.filter(
            customer=customer, version=version, method=CustomerAgreementAcceptance.Method.DIRECT
        ).first()
        if existing is not None:
            return existing
        acceptance = CustomerAgreementAcceptance.objects.create(
            customer=customer,
            version=version,
            method=CustomerAgreementAcceptance.Method.DIRECT,
            user=user,
            first_name=user.first_name or user.email.split("@")[0],
            last_name=user.last_name,
            email=user.email,
            phone=user.phone or "",
            date_agreed=timezone.now().date(),
            document_sha256=version.sha256,
        )
        audit_record(
            code="partnerhub.customer_agreement.accepted", actor=user, organization=customer, target=acceptance
        )
    return acceptance


# --- ending a relationship ------------------------------------------------------------------------------


def customer_relationship_remove(*, relationship: CustomerRelationship, actor: User) -> CustomerRelationship:
    """ "Remove reseller relationship": only a Global admin, only without active subscriptions. The partner
    leaves the customer's support contacts and loses delegated admin access."""
    require_global_admin(
        actor,
        relationship.partner,
        CustomersError(_("Only a Global admin can remove a customer relationship."), code="not_global_admin"),
    )
    with transaction.atomic():
        relationship = CustomerRelationship.objects.select_for_update().get(pk=relationship.pk)
        if relationship.status != CustomerRelationship.Status.ACTIVE:
            raise CustomersError(_("This customer relationship was already removed."), code="gone")
        if has_active_subscriptions(relationship=relationship):
            raise CustomersError(
                _("Suspend or cancel the customer's active subscriptions before removing the relationship."),
                code="active_subscriptions",
            )
        now = timezone.now()
        relationship.move_to(CustomerRelationship.Status.REMOVED)
        relationship.removed_at = now
        relationship.delegated_admin = False
        relationship.save(update_fields=["status", "removed_at", "delegated_admin"])
        for subscription in Subscription.objects.select_for_update().filter(
            customer=relationship.customer_id, support_contact=relationship.partner_id
        ):
            subscription.support_contact_id = subscription.partner_id
            subscription.updated_at = now
            subscription.save(update_fields=["support_contact", "updated_at"])
        audit_record(
            code="partnerhub.customer_relationship.removed",
            actor=actor,
            organization=relationship.partner,
            target=relationship,
        )
    return relationship


def customer_admin_roles_remove(*, relationship: CustomerRelationship, user: User) -> CustomerRelationship:
    """The customer's Global admin removes a partner's admin roles; the reseller relationship stays."""
    require_global_admin(
        user,
        relationship.customer,
        CustomersError(_("Only a Global admin can remove a partner's admin roles."), code="not_global_admin"),
    )
    with transaction.atomic():
        relationship = (
            CustomerRelationship.objects.select_for_update().select_related("partner").get(pk=relationship.pk)
        )
        if not relationship.delegated_admin:
            return relationship
        relationship.delegated_admin = False
        relationship.save(update_fields=["delegated_admin"])
        audit_record(
            code="partnerhub.customer_relationship.admin_roles_removed",
            actor=user,
            organization=relationship.customer,
            target=relationship,
        )
        notify_admins(
            relationship.partner,
            title=_("%(customer)s removed your admin roles") % {"customer": relationship.customer_name},
            url=reverse("customers:customer-detail", args=[relationship.customer.tenant_id]),
        )
    return relationship
