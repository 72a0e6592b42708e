"""Acting in a customer's account through an admin relationship, by the pages and the API: who may see the
customer's users and subscriptions, reset passwords, create users and assign licences; every action audited on
both sides naming the partner user and the relationship; another tenant's customer, relationship or user is a
404; a user not assigned, or a relationship ended, is refused with the reason."""

from __future__ import annotations

import json
import re

import pytest

from access import services
from access.models import AdminRelationship, LicenseAssignment
from customers.models import Subscription
from partnerhub.accounts.models import Membership, Role
from partnerhub.core.models import AuditEvent
from tests.access.conftest import client_for
from tests.api.calls import api_for

pytestmark = pytest.mark.django_db


def _users(world) -> str:
    return f"/customers/{world.customer.tenant_id}/users/"


def _reset(world, user) -> str:
    return f"/customers/{world.customer.tenant_id}/users/{user.pk}/reset-password/"


def test_the_partner_resets_a_users_password_and_both_sides_see_who_did_it(world):
    partner = client_for(world.provider_admin)

    page = partner.get(_users(world)).content.decode()
    done = partner.post(_reset(world, world.customer_user)).content.decode()
    shown = re.search(r'data-testid="reset-temporary-password">([^<]+)<', done).group(1)

    world.customer_user.refresh_from_db()
    assert "sam@woodgrovefoods.onpartnerhub.example" in page
    assert world.customer_user.check_password(shown)
    assert world.customer_user.must_change_password
    rows = AuditEvent.objects.filter(code="partnerhub.customer_user.password_reset")
    assert set(rows.values_list("organization", flat=True)) == {world.provider.pk, world.customer.pk}
    assert {row.data["partner_user"] for row in rows} == {world.provider_admin.email}
    relationship = world.default()
    customer_page = (
        client_for(world.customer_admin)
        .get(f"/customer/admin-relationships/{relationship.public_id}/")
        .content.decode()
    )
    assert world.provider_admin.email in customer_page
    assert "partnerhub.customer_user.password_reset" in customer_page


def test_a_partner_user_not_assigned_to_the_role_cannot_act(world, make_member):
    agent = make_member(world.provider, Role.HELPDESK_AGENT, email="hd@contoso.example").user

    page = client_for(agent).get(_users(world)).content.decode()
    refused = client_for(agent).post(_reset(world, world.customer_user))

    assert "aren&#x27;t assigned to the Global reader role" in page
    assert refused.status_code == 403
    world.customer_user.refresh_from_db()
    assert world.customer_user.check_password("sams-own-password")


def test_helpdesk_administrator_resets_users_but_not_admins(world, make_member):
    agent = make_member(world.provider, Role.HELPDESK_AGENT, email="hd@contoso.example")
    services.admin_relationship_assignments_set(
        relationship=world.default(),
        actor=world.provider_admin,
        by_role={"global_reader": ["global_admin"]},
        by_member={"helpdesk_administrator": [agent.pk], "global_reader": [agent.pk]},
    )
    client = client_for(agent.user)

    users = client.get(_users(world)).content.decode()
    admin = client.post(_reset(world, world.customer_admin))
    plain = client.post(_reset(world, world.customer_user))

    assert users.count("Reset password") == 1
    assert admin.status_code == 403
    assert "User administrator" in admin.content.decode()
    assert plain.status_code == 200
    world.customer_admin.refresh_from_db()
    assert world.customer_admin.check_password("the-forgotten-password")


def test_after_the_customer_terminates_the_same_reset_is_refused(world):
    partner = client_for(world.provider_admin)
    relationship = world.default()
    client_for(world.customer_admin).post(
        f"/customer/admin-relationships/{relationship.public_id}/", {"action": "terminate"}
    )

    refused = partner.post(_reset(world, world.customer_user))

    assert refused.status_code == 403
    assert "was terminated on" in refused.content.decode()
    assert AdminRelationship.objects.get(pk=relationship.pk).status == AdminRelationship.Status.TERMINATED


def test_user_administrator_creates_a_user_with_a_password_shown_once(world):
    partner = client_for(world.provider_admin)

    done = partner.post(
        f"/customers/{world.customer.tenant_id}/users/new/", {"local_part": "ines", "first_name": "Inès"}
    ).content.decode()
    again = partner.post(
        f"/customers/{world.customer.tenant_id}/users/new/", {"local_part": "ines", "first_name": "Inès"}
    ).content.decode()

    shown = re.search(r'data-testid="created-temporary-password">([^<]+)<', done).group(1)
    member = Membership.objects.get(organization=world.customer, user__email="ines@woodgrovefoods.onpartnerhub.example")
    assert member.user.check_password(shown)
    assert member.user.must_change_password
    assert member.roles == ["user"]
    assert "There is already a user ines@woodgrovefoods.onpartnerhub.example" in again


def test_licences_are_assigned_within_the_quantity_of_an_active_subscription(world, make_member):
    subscription = Subscription.objects.get(customer=world.customer)  # quantity 2
    extra = make_member(world.customer, "user", email="third@woodgrovefoods.onpartnerhub.example").user
    partner = client_for(world.provider_admin)

    def assign(user):
        path = f"/customers/{world.customer.tenant_id}/users/{user.pk}/licences/"
        return partner.post(path, {"subscription": subscription.pk, "action": "assign"}, follow=True).content.decode()

    assign(world.customer_admin)
    assign(world.customer_user)
    full = assign(extra)
    assign(extra)

    assert "All 2 licences of" in full
    assert LicenseAssignment.objects.filter(subscription=subscription).count() == 2
    path = f"/customers/{world.customer.tenant_id}/users/{world.customer_user.pk}/licences/"
    partner.post(path, {"subscription": subscription.pk, "action": "unassign"})
    assert "Licence assigned" in assign(extra)
    assert AuditEvent.objects.filter(code="partnerhub.license.assigned").count() == 6  # three, on both sides


def test_a_cancelled_subscriptions_licences_cannot_be_assigned(world):
    subscription = Subscription.objects.get(customer=world.customer)
    Subscription.objects.filter(pk=subscription.pk).update(status=Subscription.Status.CANCELLED)
    partner = client_for(world.provider_admin)
    path = f"/customers/{world.customer.tenant_id}/users/{world.customer_user.pk}/licences/"

    partner.post(path, {"subscription": subscription.pk, "action": "assign"})

    assert not LicenseAssignment.objects.exists()


def test_another_tenants_customer_relationships_and_users_are_not_found(world, make_reseller, make_customer):
    outsider, outsider_admin = make_reseller("Outsider Solutions LLC")
    other = make_customer("northwindtraders", with_reseller=False)
    relationship = world.default()
    outsider_client = client_for(outsider_admin)
    provider_client = client_for(world.provider_admin)
    other_admin = Membership.objects.get(organization=other.organization).user
    other_admin.must_change_password = False
    other_admin.save()
    tenant = world.customer.tenant_id

    answers = [
        outsider_client.get(_users(world)).status_code,
        outsider_client.post(_reset(world, world.customer_user)).status_code,
        outsider_client.get(f"/customers/{tenant}/admin-relationships/").status_code,
        outsider_client.get(f"/customers/{tenant}/admin-relationships/{relationship.public_id}/").status_code,
        outsider_client.get(f"/customers/{tenant}/account-subscriptions/").status_code,
        provider_client.post(_reset(world, other_admin)).status_code,  # Northwind's admin, via Woodgrove
        provider_client.get(
            f"/customers/{other.organization.tenant_id}/admin-relationships/{relationship.public_id}/"
        ).status_code,
        client_for(other_admin).get(f"/customer/admin-relationships/{relationship.public_id}/").status_code,
    ]

    assert answers == [404] * 8


def test_the_api_requests_lists_and_terminates_and_sets_assignments(world, make_member):
    api = api_for(world.membership(world.provider_admin))
    base = f"/api/v1/customers/{world.customer.tenant_id}/admin-relationships"
    agent = make_member(world.provider, Role.ADMIN_AGENT, email="aa@contoso.example").user

    created = api.post(base, {"name": "Licensing", "roles": ["license_administrator"], "duration_days": 60})
    assert created.status_code == 201, created.content
    listed = api.get(base).json()
    one = api.get(f"{base}/{created.json()['id']}").json()
    put = api.http.put(
        f"{base}/{created.json()['id']}/assignments",
        json.dumps({"assignments": [{"role": "license_administrator", "user": agent.email}]}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.token}"},
    )
    wrong_role = api.http.put(
        f"{base}/{created.json()['id']}/assignments",
        json.dumps({"assignments": [{"role": "global_reader", "partner_role": "admin_agent"}]}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.token}"},
    )
    terminated = api.post(f"{base}/{created.json()['id']}/terminate")
    users = api.get(f"/api/v1/customers/{world.customer.tenant_id}/users").json()
    bad = api.post(base, {"name": "x", "roles": ["global_administrator"], "duration_days": 5, "auto_extend": True})

    assert created.status_code == 201
    assert created.json()["status"] == "approval_pending"
    assert {row["name"] for row in listed} >= {"Licensing", world.default().name}
    assert one["roles"] == ["license_administrator"]
    assert put.json() == {"assignments": [{"role": "license_administrator", "partner_role": "", "user": agent.email}]}
    assert wrong_role.status_code == 400
    assert wrong_role.json()["code"] == "role_not_held"
    assert terminated.json()["status"] == "terminated"
    assert {row["email"] for row in users} >= {world.customer_user.email}
    assert bad.status_code == 400
    assert bad.json()["code"] == "auto_extend_global_admin"


def test_the_api_is_404_for_another_tenants_customer_and_relationship(world, make_reseller, make_customer):
    outsider, outsider_admin = make_reseller("Outsider Solutions LLC")
    api = api_for(Membership.objects.get(organization=outsider, user=outsider_admin))
    relationship = world.default()
    base = f"/api/v1/customers/{world.customer.tenant_id}"

    answers = [
        api.get(f"{base}/admin-relationships").status_code,
        api.post(
            f"{base}/admin-relationships", {"name": "x", "roles": ["global_reader"], "duration_days": 5}
        ).status_code,
        api.get(f"{base}/admin-relationships/{relationship.public_id}").status_code,
        api.post(f"{base}/admin-relationships/{relationship.public_id}/terminate").status_code,
        api.get(f"{base}/users").status_code,
        api.get(f"{base}/admin-relationships/not-a-uuid").status_code,
    ]

    assert answers == [404] * 6
    assert AdminRelationship.objects.get(pk=relationship.pk).status == AdminRelationship.Status.ACTIVE


def test_the_api_refuses_customer_users_without_the_role(world):
    relationship = world.default()
    services.admin_relationship_terminate(
        relationship=relationship, actor=world.customer_admin, organization=world.customer
    )
    api = api_for(world.membership(world.provider_admin))

    refused = api.get(f"/api/v1/customers/{world.customer.tenant_id}/users")

    assert refused.status_code == 403
    assert refused.json()["code"] == "relationship_ended"


def test_the_partner_requests_through_the_page_and_assigns_by_user(world, make_member):
    agent = make_member(world.provider, Role.SALES_AGENT, email="sales@contoso.example")
    partner = client_for(world.provider_admin)
    tenant = world.customer.tenant_id

    form = partner.get(f"/customers/{tenant}/admin-relationships/new/").content.decode()
    refused = partner.post(
        f"/customers/{tenant}/admin-relationships/new/",
        {"name": "All", "roles": ["global_administrator"], "duration_days": "30", "auto_extend": "on"},
    )
    sent = partner.post(
        f"/customers/{tenant}/admin-relationships/new/",
        {"name": "Readers", "roles": ["global_reader"], "duration_days": "30"},
    )
    relationship = AdminRelationship.objects.get(name="Readers")
    partner.post(sent.headers["Location"], {"action": "assignments", "member-global_reader": [str(agent.pk)]})

    assert "Assign and unassign the licences" in form  # each role says what it allows
    assert "can&#x27;t be auto-extended" in refused.content.decode()
    assert sent.status_code == 302
    assert list(relationship.assignments.values_list("membership", flat=True)) == [agent.pk]
    assert client_for(agent.user).post(sent.headers["Location"], {"action": "terminate"}).status_code == 403
