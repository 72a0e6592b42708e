"""Account settings → API: a Global admin lists the organization's API clients, creates one (its secret shown
once), reads its recent calls and revokes it; bad input changes nothing; nobody else manages them, and another
organization's clients are 404."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from api.models import ApiCall, ApiClient
from api.services import api_client_create, api_client_revoke
from partnerhub.accounts.models import Organization, Role
from tests.api.calls import api_for, request_token
from tests.budgets import PAGE_QUERY_BUDGET
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=False)

NOW = "2026-12-07 10:00:00Z"
NEW = {"name": "ERP", "roles": [Role.GLOBAL_ADMIN], "allowed_ips": "", "expires_at": ""}


def _client(member, name="ERP", roles=(Role.GLOBAL_ADMIN,), **options) -> ApiClient:
    return api_client_create(organization=member.organization, actor=member.user, name=name, roles=list(roles),
                             **options)[0]  # fmt: skip


def _call(client: ApiClient, path="/api/v1/organization", status=200, at=None) -> ApiCall:
    return ApiCall.objects.create(organization=client.organization, client=client, method="GET", path=path,
                                  status=status, request_id=uuid.uuid4(), at=at or timezone.now())  # fmt: skip


def _secret_on(page: str) -> str | None:
    match = re.search(r'id="client-secret" value="([^"]+)"', page)
    return match.group(1) if match else None


# --- the list ----------------------------------------------------------------------------------------------


def test_account_settings_lead_to_the_api_page(admin_client):
    page = admin_client.get("/").content.decode()

    assert 'href="/settings/api/"' in page


@time_machine.travel(NOW, tick=False)
def test_the_list_shows_each_client_with_its_roles_allow_list_expiry_creator_last_call_and_status(
    admin_client, admin_member
):
    erp = _client(admin_member, "ERP", allowed_ips=["203.0.113.0/24"])
    _call(erp, at=timezone.now() - timedelta(hours=2))
    _client(admin_member, "PSA", expires_at=timezone.now() + timedelta(days=1))
    old = _client(admin_member, "Old billing")
    api_client_revoke(client=old, actor=admin_member.user)

    with time_machine.travel("2026-12-09 10:00:00Z", tick=False):
        page = admin_client.get("/settings/api/").content.decode()

    rows = {name: re.search(rf"<tr data-testid=\"api-client-\d+\">.*?{name}.*?</tr>", page, re.S).group(0)
            for name in ("ERP", "PSA", "Old billing")}  # fmt: skip
    assert erp.client_id in rows["ERP"]
    assert "Global admin" in rows["ERP"]
    assert "203.0.113.0/24" in rows["ERP"]
    assert "Megan" in rows["ERP"]
    assert "Dec. 7, 2026, 8 a.m." in rows["ERP"]  # its last call
    assert "Live" in rows["ERP"]
    assert "Any address" in rows["PSA"]
    assert "Expired" in rows["PSA"]
    assert "No calls yet" in rows["PSA"]
    assert "Revoked" in rows["Old billing"]
    assert "/revoke/" not in rows["Old billing"]


def test_the_list_runs_a_fixed_number_of_queries(admin_client, admin_member, django_assert_num_queries):
    for n in range(2):
        _call(_client(admin_member, f"System {n}"))
    with django_assert_num_queries(PAGE_QUERY_BUDGET["api_client_list"]):
        admin_client.get("/settings/api/")
    for n in range(2, 20):
        client = _client(admin_member, f"System {n}")
        for _ in range(3):
            _call(client)
    with django_assert_num_queries(PAGE_QUERY_BUDGET["api_client_list"]):
        admin_client.get("/settings/api/")


def test_the_list_shows_no_other_organizations_clients(admin_client, outsider_member):
    _client(outsider_member, "Outsider ERP")

    page = admin_client.get("/settings/api/").content.decode()

    assert "Outsider ERP" not in page
    assert "No API clients yet." in page


# --- a new client, its secret once -----------------------------------------------------------------------


def test_a_new_clients_secret_is_shown_once_and_works(admin_client, admin_member):
    response = admin_client.post("/settings/api/new/", {**NEW, "allowed_ips": "127.0.0.1\n10.0.0.0/8"})

    client = ApiClient.objects.get(organization=admin_member.organization)
    assert response.status_code == 302
    assert response["Location"] == f"/settings/api/{client.pk}/created/"
    shown = admin_client.get(response["Location"])
    assert "no-store" in shown["Cache-Control"]
    page = shown.content.decode()
    secret = _secret_on(page)
    assert secret
    assert client.client_id in page
    assert "the only time it is shown" in page
    assert f"curl -s -u &#x27;{client.client_id}:{secret}&#x27; -d grant_type=client_credentials" in page
    assert client.allowed_ips == ["127.0.0.1/32", "10.0.0.0/8"]
    assert request_token(client.client_id, secret).status_code == 200

    again = admin_client.get(response["Location"]).content.decode()
    assert _secret_on(again) is None
    assert secret not in again
    assert "can't be shown again" in again
    assert secret not in str(dict(admin_client.session))


@time_machine.travel(NOW, tick=False)
def test_an_expiry_date_means_the_end_of_that_day(admin_client, admin_member):
    admin_client.post("/settings/api/new/", {**NEW, "expires_at": "2026-12-31"})

    client = ApiClient.objects.get(organization=admin_member.organization)
    assert client.expires_at.isoformat() == "2026-12-31T23:59:59+00:00"


def test_only_the_creators_own_roles_are_offered(client, make_member, provider):
    member = make_member(provider, Role.GLOBAL_ADMIN, Role.SALES_AGENT)
    client.force_login(member.user)

    page = client.get("/settings/api/new/").content.decode()

    offered = set(re.findall(r'name="roles" value="(\w+)"', page))
    assert offered == {Role.GLOBAL_ADMIN, Role.SALES_AGENT}


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": "Taken"}, "name", "You already have a client named Taken."),
        ({"name": "  "}, "name", "Give the client a name."),
        ({"allowed_ips": "127.0.0.1\n10.0.0.300"}, "allowed_ips",
         "10.0.0.300 is neither an IP address nor a network such as 203.0.113.0/24."),
        ({"expires_at": "2026-12-06"}, "expires_at", "The expiry must be in the future."),
        ({"roles": []}, "roles", "Choose at least one role."),
    ],
)  # fmt: skip
def test_bad_input_is_answered_on_its_field_and_creates_nothing(admin_client, admin_member, change, field, message):
    _client(admin_member, "Taken")
    before = ApiClient.objects.count()

    response = admin_client.post("/settings/api/new/", {**NEW, **change})

    assert response.status_code == 200
    page = response.content.decode().replace("&#x27;", "'")
    error = re.search(rf'id="error_1_id_{field}"[^>]*>(.*?)</', page, re.S)
    assert error is not None, page
    assert message in error.group(1)
    assert ApiClient.objects.count() == before
    assert _secret_on(page) is None


# --- who may ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.USER_MANAGEMENT_ADMIN, Role.ACCOUNT_ADMIN, Role.SALES_AGENT])
def test_only_a_global_admin_manages_api_clients(client, make_member, provider, admin_member, role):
    existing = _client(admin_member)
    member = make_member(provider, role)
    client.force_login(member.user)

    for url in ("/settings/api/", "/settings/api/new/", f"/settings/api/{existing.pk}/",
                f"/settings/api/{existing.pk}/revoke/"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Only a Global admin manages API clients" in response.content.decode()
        assert "megan@contoso.example" in response.content.decode()  # whom to ask
    assert client.post("/settings/api/new/", NEW).status_code == 403
    assert client.post(f"/settings/api/{existing.pk}/revoke/").status_code == 403

    assert ApiClient.objects.count() == 1
    existing.refresh_from_db()
    assert existing.revoked_at is None


def test_another_organizations_client_is_not_found(admin_client, outsider_member):
    theirs = _client(outsider_member, "Outsider ERP")
    _call(theirs)

    for url in (f"/settings/api/{theirs.pk}/", f"/settings/api/{theirs.pk}/created/",
                f"/settings/api/{theirs.pk}/revoke/"):  # fmt: skip
        assert admin_client.get(url).status_code == 404, url
    assert admin_client.post(f"/settings/api/{theirs.pk}/revoke/").status_code == 404

    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_a_customer_organization_has_no_api_page(client, make_member):
    admin = make_member(OrganizationFactory(kind=Organization.Kind.CUSTOMER), Role.GLOBAL_ADMIN)
    client.force_login(admin.user)

    response = client.get("/settings/api/")

    assert response.status_code == 302


# --- a client's calls, revoking ----------------------------------------------------------------------------


def test_the_detail_page_shows_the_clients_last_50_calls_newest_first(admin_client, admin_member):
    erp, psa = _client(admin_member, "ERP"), _client(admin_member, "PSA")
    start = timezone.now() - timedelta(hours=1)
    for n in range(55):
        _call(erp, path=f"/api/v1/customers/{n}", at=start + timedelta(seconds=n))
    _call(psa, path="/api/v1/psa-only")

    page = admin_client.get(f"/settings/api/{erp.pk}/").content.decode()

    paths = re.findall(r"<code>(/api/v1/[^<]+)</code>", page)
    assert paths == [f"/api/v1/customers/{n}" for n in range(54, 4, -1)]
    assert str(erp.calls.latest("at").request_id) in page
    assert erp.client_id in page


def test_revoking_asks_first_then_ends_the_clients_tokens(admin_client, admin_member):
    api = api_for(admin_member, name="ERP")
    assert api.get("/api/v1/organization").status_code == 200

    confirm = admin_client.get(f"/settings/api/{api.client.pk}/revoke/")
    assert "Revoke ERP?" in confirm.content.decode()
    api.client.refresh_from_db()
    assert api.client.revoked_at is None

    response = admin_client.post(f"/settings/api/{api.client.pk}/revoke/", follow=True)

    assert "ERP is revoked" in response.content.decode()
    assert api.get("/api/v1/organization").status_code == 401
    api.client.refresh_from_db()
    assert api.client.revoked_by == admin_member.user
    again = admin_client.post(f"/settings/api/{api.client.pk}/revoke/", follow=True)
    assert "ERP is already revoked." in again.content.decode()
