"""The transfers world: Woodgrove, a customer of Contoso (an indirect provider) associated with its reseller
Fabrikam, moves to Northwind, another provider Fabrikam partners with; Tailspin is a third partner."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from enrollment.models import PartnerId
from partnerhub.accounts.models import Membership, Organization, Role, User
from tests import scenarios
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory


@dataclass
class World:
    source: Organization  # Contoso, selling
    source_user: User
    reseller: Organization  # Fabrikam, reseller of record
    reseller_user: User
    target: Organization  # Northwind, another indirect provider
    target_user: User
    customer: Organization  # Woodgrove
    customer_user: User
    outsider: Organization  # Tailspin, an active provider that is no party
    outsider_user: User

    @property
    def por(self) -> str:
        return str(PartnerId.objects.get(organization=self.reseller, csp_associated=True).number)

    @property
    def subscriptions(self):
        return list(self.customer.subscriptions.order_by("pk"))


def make_provider(staff, mpa, name: str, email: str) -> tuple[Organization, User]:
    organization = OrganizationFactory(legal_name=name, primary_domain=email.split("@")[1])
    user = UserFactory(email=email, first_name=name.split()[0])
    MembershipFactory(organization=organization, user=user, roles=[Role.GLOBAL_ADMIN])
    scenarios.qualify(organization, user, staff, program="indirect_provider")
    scenarios.sign(organization, user, mpa)
    return organization, user


@pytest.fixture
def world(seller, customer, staff, mpa) -> World:
    source, source_user, reseller, reseller_user = seller
    target, target_user = make_provider(staff, mpa, "Northwind Traders Inc.", "nina@northwind.example")
    scenarios.partner(target, target_user, reseller, reseller_user)
    outsider, outsider_user = make_provider(staff, mpa, "Tailspin Toys Inc.", "tom@tailspin.example")
    customer_user = Membership.objects.get(organization=customer.organization).user
    customer_user.must_change_password = False  # the temporary password was changed at first sign-in
    customer_user.save(update_fields=["must_change_password"])
    return World(source, source_user, reseller, reseller_user, target, target_user, customer.organization,
                 customer_user, outsider, outsider_user)  # fmt: skip


DIRECT_BILL_DATA = {
    **scenarios.ENROLLMENT_DATA,
    **{f"requirement_{key}": True for key in ("partner_id", "endorsement", "support", "managed_service",
                                              "accounts_receivable")},
}  # fmt: skip


def make_direct_bill_partner(staff, mpa, name: str, email: str) -> tuple[Organization, User]:
    """An active direct-bill partner (verified, location partner ID associated, agreement accepted)."""
    from enrollment import services as enrollment_services

    organization = OrganizationFactory(legal_name=name, primary_domain=email.split("@")[1])
    user = UserFactory(email=email, first_name=name.split()[0])
    MembershipFactory(organization=organization, user=user, roles=[Role.GLOBAL_ADMIN])
    enrollment = enrollment_services.enrollment_submit(
        organization=organization, actor=user, program="direct_bill", data=DIRECT_BILL_DATA
    )
    case = enrollment.cases.get()
    enrollment_services.contact_email_verify(case_pk=case.pk)
    for _ in range(3):
        case = enrollment_services.case_approve_step(case=case, reviewer=staff)
    location = enrollment_services.partner_id_add_location(
        organization=organization, actor=user, business_name=name, country="US", address_line1="1 Main Street",
        city="Seattle", postal_code="98101", contact_name="Pat", contact_email=email,
    )  # fmt: skip
    enrollment_services.partner_id_associate(organization=organization, actor=user, partner_id_pk=location.pk)
    scenarios.sign(organization, user, mpa)
    return organization, user
