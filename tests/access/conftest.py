"""A provider (Contoso) serving a customer (Woodgrove, made through the wizard: it holds the default admin
relationship), Woodgrove's Global admin, and Woodgrove's user who is not an admin."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from access.models import AdminRelationship
from partnerhub.accounts.models import Membership, Organization, User
from tests.factories import MembershipFactory, UserFactory


@dataclass
class World:
    provider: Organization
    provider_admin: User
    reseller: Organization
    reseller_admin: User
    customer: Organization
    customer_admin: User
    customer_user: User

    def default(self) -> AdminRelationship:
        return AdminRelationship.objects.get(partner=self.provider, customer=self.customer, name__startswith="Default_")

    def membership(self, user: User) -> Membership:
        return Membership.objects.get(user=user)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world(seller, make_customer, offers) -> World:
    provider, provider_admin, reseller, reseller_admin = seller
    created = make_customer(
        "woodgrovefoods", company_name="Woodgrove Foods Inc.", with_reseller=False, lines=[(offers["standard"], 2)]
    )
    customer_admin = User.objects.get(email=created.user_name)
    customer_admin.must_change_password = False
    customer_admin.set_password("the-forgotten-password")
    customer_admin.save()
    plain = UserFactory(email="sam@woodgrovefoods.onpartnerhub.example")
    plain.set_password("sams-own-password")
    plain.save()
    MembershipFactory(organization=created.organization, user=plain, roles=["user"])
    return World(provider, provider_admin, reseller, reseller_admin, created.organization, customer_admin, plain)
