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
    return World(source, source_user, reseller, reseller_user, target, target_user, customer.organization,
                 customer_user, outsider, outsider_user)  # fmt: skip
