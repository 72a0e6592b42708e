"""Adding a customer: the wizard's Submit creates the tenant, its admin, the relationships, the customer
agreement and the first order in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from partnerhub.accounts.models import Organization, User
from partnerhub.core import rls
from partnerhub.core.audit import audit_record
from partnerhub.core.regions import market_for

from .agreement import AgreementInput, check_agreement, record_attestation
from .common import CustomersError, notify_admins, require_agreement_in_force, require_seller, temporary_password
from .orders import LineInput, check_lines, order_create_locked
from .relationships import relate_through
from .resellers import check_reseller, location_partner_id
from .tenants import check_account, create_admin, create_tenant


@dataclass
class NewCustomer:
    account: dict[str, Any]
    reseller: Organization | None = None
    agreement: AgreementInput = field(default_factory=lambda: AgreementInput(attest=False))
    lines: list[LineInput] = field(default_factory=list)


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
        organization, customer = create_tenant(account=data.account, created_by_partner=partner)
        admin = create_admin(organization, customer, password=password, temporary=True)
        relate_through(partner=partner, customer=organization, reseller=data.reseller)
        if data.agreement.attest:
            record_attestation(partner=partner, customer=organization, actor=actor, agreement=data.agreement)
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
