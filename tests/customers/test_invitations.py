"""Reseller relationship requests to customers, the three-party link, the customer's Partner relationships
page (remove roles, accept the agreement), and removing a customer relationship."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from access.models import AdminRelationship
from customers import services
from customers.models import CustomerInvitation, CustomerRelationship, Subscription
from partnerhub.accounts.models import Membership, Organization, Role, User
from partnerhub.core.models import OutboundEmail
from relationships.models import PartnerRelationship
from tests.factories import UserFactory
from tests.scenarios import ACCOUNT

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _link(client, data=None) -> tuple[CustomerInvitation, str]:
    response = client.post("/customers/invitations/new/", data or {"delegated_admin": "on"})
    assert response.status_code == 302, response
    draft = client.get(response.headers["Location"]).content.decode()
    path = re.search(r"http://testserver(/customer-invitation/[\w-]+/)", draft).group(1)
    return CustomerInvitation.objects.latest("pk"), path


@pytest.fixture
def other_customer(make_customer):
    """A customer of the provider, without the reseller, whose Global admin has a password of their own."""
    created = make_customer("northwindtraders", with_reseller=False, company_name="Northwind Traders Inc.")
    admin = User.objects.get(email=created.user_name)
    admin.must_change_password = False
    admin.save()
    return created.organization, admin


@pytest.fixture
def fresh_customer(seller):
    """A customer tenant of the same region with no partner yet (created from an earlier, other link)."""
    organization = Organization.objects.create(
        kind="customer", legal_name="Tailspin Toys Inc.", country="US", address_line1="1 Way", city="Austin",
        postal_code="78701", primary_domain="tailspin.onpartnerhub.example", csp_region="united_states",
        currency="USD",
    )  # fmt: skip
    admin = UserFactory(email="admin@tailspin.onpartnerhub.example", first_name="Tia", last_name="Spin")
    Membership.objects.create(organization=organization, user=admin, roles=[Role.GLOBAL_ADMIN])
    return organization, admin


def test_a_provider_request_is_accepted_by_the_customers_global_admin(seller, fresh_customer):
    provider = seller[0]
    customer, admin = fresh_customer
    invitation, path = _link(_client(seller[1]))
    client = _client(admin)

    page = client.get(path).content.decode()
    refused = client.post(path, {})
    accepted = client.post(path, {"authorize": "on", "accept_agreement": "on"})

    assert "asks to become a reseller for your organization" in page
    assert "Tick the box to accept the relationship." in refused.content.decode()
    assert accepted.headers["Location"] == "/customer/partners/"
    row = CustomerRelationship.objects.get(customer=customer)
    assert (row.partner, row.kind, row.delegated_admin) == (provider, "indirect_provider", True)
    assert customer.customer_agreement_acceptances.get().method == "direct"
    assert OutboundEmail.objects.filter(template="customer_invitation_accepted", to="megan@contoso.example").exists()
    # the link works once
    assert client.get(path).status_code == 410
    assert "Tailspin Toys Inc." in _client(seller[1]).get("/customers/").content.decode()


def test_a_request_without_delegated_admin(seller, fresh_customer):
    customer, admin = fresh_customer
    _, path = _link(_client(seller[1]), {"delegated_admin": ""})

    _client(admin).post(path, {"authorize": "on"})

    assert CustomerRelationship.objects.get(customer=customer).delegated_admin is False


def test_the_three_party_link_makes_the_reseller_and_its_provider_partners(seller, fresh_customer):
    provider, _, reseller, reseller_user = seller
    customer, admin = fresh_customer
    relationship = PartnerRelationship.objects.get(provider=provider, reseller=reseller)
    reseller_client = _client(reseller_user)
    providers_page = reseller_client.get("/partners/providers/").content.decode()
    assert "Invite new customers" in providers_page

    invitation, path = _link(reseller_client, {"relationship": relationship.pk, "delegated_admin": "on"})
    page = _client(admin).get(path).content.decode()
    _client(admin).post(path, {"authorize": "on"})

    assert (invitation.partner, invitation.reseller, invitation.sent_by) == (provider, reseller, reseller)
    assert "and its indirect provider" in page
    rows = dict(CustomerRelationship.objects.filter(customer=customer).values_list("partner", "kind"))
    assert rows == {provider.pk: "indirect_provider", reseller.pk: "indirect_reseller"}
    assert CustomerRelationship.objects.get(partner=provider, customer=customer).reseller == reseller
    shared = reseller_client.get(f"/partners/providers/{relationship.pk}/customers/").content.decode()
    assert "Tailspin Toys Inc." in shared


def test_a_reseller_can_only_invite_with_its_own_providers(seller, make_reseller):
    other_reseller, other_user = make_reseller("Other Reseller LLC")
    relationship = PartnerRelationship.objects.get(reseller=seller[2])

    response = _client(other_user).post("/customers/invitations/new/", {"relationship": relationship.pk})

    assert response.status_code == 404
    assert not CustomerInvitation.objects.exists()


def test_a_visitor_creates_the_customer_account_from_the_link(seller, client):
    _, path = _link(_client(seller[1]))

    form = client.get(path).content.decode()
    response = client.post(
        path,
        {**ACCOUNT, "domain_prefix": "fourthcoffee", "company_name": "Fourth Coffee Inc.",
         "password": "a-long-enough-passphrase", "authorize": "on", "accept_agreement": "on"},
    )  # fmt: skip

    assert "Create your customer account" in form
    assert response.headers["Location"] == "/customer/partners/"
    user = User.objects.get(email="admin@fourthcoffee.onpartnerhub.example")
    assert not user.must_change_password
    customer = Organization.objects.get(legal_name="Fourth Coffee Inc.")
    assert customer.kind == "customer"
    assert CustomerRelationship.objects.filter(customer=customer, partner=seller[0]).exists()
    assert "Contoso Distribution Inc." in client.get("/customer/partners/").content.decode()


def test_the_signup_form_refuses_a_bad_company_and_a_weak_password(seller, client):
    _, path = _link(_client(seller[1]))
    base = {**ACCOUNT, "domain_prefix": "fourthcoffee", "authorize": "on"}

    bad_name = client.post(path, {**base, "company_name": "Inc", "password": "a-long-enough-passphrase"})
    weak = client.post(path, {**base, "company_name": "Fourth Coffee Inc.", "password": "123"})

    assert "is a legal form, not a company name" in " ".join(bad_name.context["form"].errors["company_name"])
    assert weak.context["form"].errors["password"]
    assert not Organization.objects.filter(kind="customer").exists()


@pytest.mark.parametrize("who", ["partner_user", "customer_user"])
def test_only_a_customer_global_admin_can_accept(seller, fresh_customer, make_member, who):
    customer, _ = fresh_customer
    _, path = _link(_client(seller[1]))
    if who == "partner_user":
        user = seller[3]  # a reseller's Global admin, not a customer
    else:
        user = UserFactory(email="user@tailspin.onpartnerhub.example")
        Membership.objects.create(organization=customer, user=user, roles=[Role.ADMIN_AGENT])
    client = _client(user)

    page = client.get(path)
    client.post(path, {"authorize": "on"})

    assert page.status_code == 403
    assert not CustomerRelationship.objects.filter(customer=customer).exists()


def test_expired_and_revoked_links_are_gone(seller, fresh_customer):
    provider_client = _client(seller[1])
    invitation, path = _link(provider_client)
    _, admin = fresh_customer
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert _client(admin).get(path).status_code == 410

    revoked, revoked_path = _link(provider_client)
    provider_client.post(f"/customers/invitations/{revoked.pk}/revoke/")
    assert _client(admin).get(revoked_path).status_code == 410
    assert _client(admin).get("/customer-invitation/not-a-token/").status_code == 404
    assert not CustomerRelationship.objects.filter(customer=fresh_customer[0]).exists()


def test_sending_the_request_from_partnerhub_emails_the_link(seller):
    client = _client(seller[1])
    invitation, path = _link(client)

    response = client.post(
        f"/customers/invitations/{invitation.pk}/draft/", {"email": "it@tailspin.example", "message": "Hello"}
    )

    assert response.status_code == 302
    email = OutboundEmail.objects.get(to="it@tailspin.example", template="customer_invitation")
    assert f"http://testserver{path}" in email.body_text


def test_the_customer_removes_a_partners_admin_roles_and_accepts_the_agreement(seller, make_customer):
    created = make_customer("rolesco", attest=False)
    admin = User.objects.get(email=created.user_name)
    admin.must_change_password = False
    admin.save()
    client = _client(admin)
    row = CustomerRelationship.objects.get(customer=created.organization, partner=seller[2])

    page = client.get("/customer/partners/").content.decode()
    client.post(f"/customer/partners/{row.pk}/remove-roles/")
    refused = client.post("/customer/agreement/accept/", {}, follow=True)
    client.post("/customer/agreement/accept/", {"accept": "on"})

    assert "Remove roles" in page
    assert "Not accepted" in page
    row.refresh_from_db()
    assert row.status == "active"  # still its partner, without admin roles
    assert set(AdminRelationship.objects.filter(partner=seller[2], customer=created.organization)
               .values_list("status", flat=True)) == {AdminRelationship.Status.TERMINATED}  # fmt: skip
    assert "Tick the box to accept the customer agreement." in refused.content.decode()
    assert created.organization.customer_agreement_acceptances.get().method == "direct"
    assert services.has_customer_agreement(created.organization)


def test_removing_a_customer_relationship_needs_no_active_subscription(seller, customer):
    provider, user, reseller, _ = seller
    client = _client(user)
    detail = client.get(f"/customers/{customer.organization.tenant_id}/").content.decode()
    blocked = client.post(f"/customers/{customer.organization.tenant_id}/remove/")
    subscription = Subscription.objects.filter(customer=customer.organization).first()
    subscription.support_contact = reseller
    subscription.save()

    assert "only after every active subscription is suspended or cancelled" in detail
    assert "only after every active subscription" in blocked.content.decode()
    assert CustomerRelationship.objects.get(partner=provider, customer=customer.organization).status == "active"

    for subscription in Subscription.objects.filter(customer=customer.organization):
        services.subscription_suspend(subscription=subscription, actor=user)
    reseller_admin = seller[3]
    done = _client(reseller_admin).post(f"/customers/{customer.organization.tenant_id}/remove/")

    assert done.headers["Location"] == "/customers/"
    row = CustomerRelationship.objects.get(partner=reseller, customer=customer.organization)
    assert (row.status, row.delegated_admin) == ("removed", False)
    # the reseller left the support contacts, and its customer list
    assert not Subscription.objects.filter(customer=customer.organization, support_contact=reseller).exists()
    assert "Woodgrove" not in _client(reseller_admin).get("/customers/").content.decode()
    assert _client(reseller_admin).get(f"/customers/{customer.organization.tenant_id}/").status_code == 404


def test_only_a_global_admin_removes_a_customer_relationship(seller, customer, make_member):
    agent = make_member(seller[0], Role.ADMIN_AGENT, email="agent@contoso.example")

    response = _client(agent.user).post(f"/customers/{customer.organization.tenant_id}/remove/")

    assert response.status_code == 403
    assert CustomerRelationship.objects.filter(customer=customer.organization, status="active").count() == 2


def test_indirect_resellers_page_counts_customers_and_offers_add_new_customer(seller, customer):
    page = _client(seller[1]).get("/partners/resellers/").content.decode()

    assert 'data-testid="reseller-customer-count">1<' in page
    assert f"/customers/new/?reseller={seller[2].pk}" in page


def test_other_customer_is_not_related_to_the_reseller(seller, other_customer):
    customer, _ = other_customer
    assert not CustomerRelationship.objects.filter(customer=customer, partner=seller[2]).exists()


def test_a_signed_in_user_without_an_organization_is_told_what_to_do(seller):
    _, path = _link(_client(seller[1]))
    loner = _client(UserFactory(email="loner@tailspin.example"))

    page = loner.get(path)
    loner.post(path, {"authorize": "on"})

    assert page.status_code == 403
    assert "create your customer account from this link" in page.content.decode()
    assert not CustomerRelationship.objects.filter(partner=seller[0], kind="direct").exists()


@pytest.mark.parametrize("url", ["/programs/csp/", "/settings/agreements/", "/partners/resellers/", "/directory/"])
def test_customer_organizations_dont_reach_partner_pages(seller, fresh_customer, url):
    response = _client(fresh_customer[1]).get(url, follow=True)

    assert response.redirect_chain[-1][0] == "/customer/partners/"


def test_resend_issues_a_new_link_and_kills_the_old_one(seller, fresh_customer):
    provider_client = _client(seller[1])
    invitation, old_path = _link(provider_client)

    response = provider_client.post(f"/customers/invitations/{invitation.pk}/resend/")
    draft = provider_client.get(response.headers["Location"]).content.decode()
    new_path = re.search(r"http://testserver(/customer-invitation/[\w-]+/)", draft).group(1)
    admin_client = _client(fresh_customer[1])

    assert new_path != old_path
    assert admin_client.get(old_path).status_code == 404
    assert admin_client.get(new_path).status_code == 200
    admin_client.post(new_path, {"authorize": "on"})
    refused = provider_client.post(f"/customers/invitations/{invitation.pk}/resend/", follow=True)
    assert "was accepted or revoked" in refused.content.decode()


def test_reseller_relationship_requests_list_only_the_senders_own(seller):
    """Customers → Reseller relationship requests: the links this partner sent, reachable from Customers;
    another partner's links never show, and its revoke is a 404."""
    provider, user, _, fabrikam_user = seller
    provider_client = _client(user)
    invitation, _ = _link(provider_client)

    assert 'href="/customers/invitations/"' in provider_client.get("/customers/").content.decode()
    listed = provider_client.get("/customers/invitations/").content.decode()
    assert f"/customers/invitations/{invitation.pk}/revoke/" in listed
    reseller_client = _client(fabrikam_user)
    foreign = reseller_client.get("/customers/invitations/").content.decode()
    assert f"/customers/invitations/{invitation.pk}/" not in foreign
    assert "You haven't sent a reseller relationship request yet." in foreign
    assert reseller_client.post(f"/customers/invitations/{invitation.pk}/revoke/").status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
