"""Account settings → Users: roles, removal, the last Global admin, who may manage users."""

import pytest

from partnerhub.accounts.models import Membership, Role
from partnerhub.core.models import AuditEvent
from tests.budgets import PAGE_QUERY_BUDGET


@pytest.fixture
def colleague(make_member, provider):
    return make_member(provider, Role.SALES_AGENT, email="sam@contoso.example", first_name="Sam")


def test_members_are_listed_with_their_roles(admin_client, colleague):
    page = admin_client.get("/settings/users/").content.decode()

    assert "sam@contoso.example" in page
    assert "Sales agent" in page
    assert "megan@contoso.example" in page
    assert "Global admin" in page


def test_member_list_runs_a_fixed_number_of_queries(admin_client, make_member, provider, django_assert_num_queries):
    for n in range(3):
        make_member(provider, Role.HELPDESK_AGENT, email=f"h{n}@contoso.example")
    with django_assert_num_queries(PAGE_QUERY_BUDGET["member_list"]) as first:
        admin_client.get("/settings/users/")
    for n in range(30):
        make_member(provider, Role.HELPDESK_AGENT, email=f"more{n}@contoso.example")
    with django_assert_num_queries(len(first.captured_queries)):
        admin_client.get("/settings/users/")


def test_change_roles(admin_client, colleague):
    response = admin_client.post(f"/settings/users/{colleague.pk}/", {"roles": [Role.ADMIN_AGENT, Role.BILLING_ADMIN]})

    assert response.status_code == 302
    colleague.refresh_from_db()
    assert colleague.roles == [Role.ADMIN_AGENT, Role.BILLING_ADMIN]
    assert AuditEvent.objects.filter(code="partnerhub.membership.roles_changed").exists()


def test_roles_cannot_be_emptied(admin_client, colleague):
    response = admin_client.post(f"/settings/users/{colleague.pk}/", {"roles": []})

    assert "Choose at least one role." in response.content.decode()
    colleague.refresh_from_db()
    assert colleague.roles == [Role.SALES_AGENT]


def test_last_global_admin_cannot_be_demoted(admin_client, admin_member):
    response = admin_client.post(f"/settings/users/{admin_member.pk}/", {"roles": [Role.SALES_AGENT]})

    assert response.status_code == 200
    assert "is the last Global admin of" in response.content.decode()
    admin_member.refresh_from_db()
    assert admin_member.roles == [Role.GLOBAL_ADMIN]


def test_last_global_admin_cannot_be_removed(admin_client, admin_member):
    response = admin_client.post(f"/settings/users/{admin_member.pk}/remove/", follow=True)

    assert "is the last Global admin of" in response.content.decode()
    assert Membership.objects.filter(pk=admin_member.pk).exists()


def test_a_global_admin_can_step_down_once_there_is_another(admin_client, admin_member, colleague):
    admin_client.post(f"/settings/users/{colleague.pk}/", {"roles": [Role.GLOBAL_ADMIN]})

    admin_client.post(f"/settings/users/{admin_member.pk}/", {"roles": [Role.ADMIN_AGENT]})

    admin_member.refresh_from_db()
    assert admin_member.roles == [Role.ADMIN_AGENT]


def test_remove_member_after_confirmation(admin_client, colleague):
    confirm = admin_client.get(f"/settings/users/{colleague.pk}/remove/")
    assert "Remove Sam" in confirm.content.decode()

    admin_client.post(f"/settings/users/{colleague.pk}/remove/")

    assert not Membership.objects.filter(pk=colleague.pk).exists()
    assert AuditEvent.objects.filter(code="partnerhub.membership.removed").exists()


def test_user_management_admin_manages_users_but_cannot_grant_global_admin(client, make_member, provider, colleague):
    manager = make_member(provider, Role.USER_MANAGEMENT_ADMIN)
    client.force_login(manager.user)

    assert client.get("/settings/users/").status_code == 200
    response = client.post(f"/settings/users/{colleague.pk}/", {"roles": [Role.GLOBAL_ADMIN]})

    assert "Only a Global admin can grant or remove the Global admin role." in response.content.decode()
    colleague.refresh_from_db()
    assert colleague.roles == [Role.SALES_AGENT]


@pytest.mark.parametrize(
    "role",
    [Role.ACCOUNT_ADMIN, Role.ADMIN_AGENT, Role.SALES_AGENT, Role.HELPDESK_AGENT, Role.BILLING_ADMIN],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/settings/users/"),
        ("get", "/settings/users/invite/"),
        ("post", "/settings/users/invite/"),
        ("get", "/settings/users/{member}/"),
        ("post", "/settings/users/{member}/"),
        ("get", "/settings/users/{member}/remove/"),
        ("post", "/settings/users/{member}/remove/"),
        ("post", "/settings/users/invitations/{invitation}/resend/"),
        ("post", "/settings/users/invitations/{invitation}/revoke/"),
    ],
)
def test_other_roles_get_403(client, make_member, provider, admin_member, role, method, path, pending_invitation):
    member = make_member(provider, role)
    client.force_login(member.user)

    url = path.format(member=admin_member.pk, invitation=pending_invitation.pk)
    response = getattr(client, method)(url, {"roles": [role], "email": "x@contoso.example"})

    assert response.status_code == 403
    assert Membership.objects.filter(pk=admin_member.pk, roles=[Role.GLOBAL_ADMIN]).exists()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/settings/users/{member}/"),
        ("post", "/settings/users/{member}/"),
        ("get", "/settings/users/{member}/remove/"),
        ("post", "/settings/users/{member}/remove/"),
        ("post", "/settings/users/invitations/{invitation}/resend/"),
        ("post", "/settings/users/invitations/{invitation}/revoke/"),
    ],
)
def test_outsider_organization_gets_404(client, outsider_member, admin_member, pending_invitation, method, path):
    client.force_login(outsider_member.user)

    url = path.format(member=admin_member.pk, invitation=pending_invitation.pk)
    response = getattr(client, method)(url, {"roles": [Role.SALES_AGENT]})

    assert response.status_code == 404
    admin_member.refresh_from_db()
    pending_invitation.refresh_from_db()
    assert admin_member.roles == [Role.GLOBAL_ADMIN]
    assert pending_invitation.status == "pending"


def test_outsider_list_shows_none_of_the_other_tenant(client, outsider_member, admin_member, pending_invitation):
    client.force_login(outsider_member.user)

    page = client.get("/settings/users/").content.decode()

    assert "megan@contoso.example" not in page
    assert pending_invitation.email not in page
