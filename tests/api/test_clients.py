"""API clients: created by a Global admin with at most their roles, client-credentials tokens, revocation that
ends every token at once, the IP allow-list, expiry, the call log; and the request budget (Redis)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from api.models import ApiCall, ApiLimit
from api.services import ApiError, api_client_create, api_client_revoke
from partnerhub.accounts.models import Membership, Role
from partnerhub.core.models import AuditEvent
from tests.api.calls import Api, api_for, request_token, reset_budgets

pytestmark = pytest.mark.django_db(transaction=False)


def test_a_client_gets_a_token_and_reads_its_organization(admin_member):
    api = api_for(admin_member)

    response = api.get("/api/v1/organization")

    assert response.status_code == 200
    assert response.json()["legal_name"] == "Contoso Distribution Inc."
    assert response["RateLimit-Limit"] == "500"
    assert int(response["RateLimit-Remaining"]) < 500
    call = ApiCall.objects.get(client=api.client)
    assert (call.method, call.path, call.status, str(call.request_id)) == (
        "GET", "/api/v1/organization", 200, response["X-Request-Id"])  # fmt: skip


def test_the_secret_is_stored_hashed_and_the_token_as_a_checksum(admin_member):
    from oauth2_provider.models import AccessToken, Application

    api = api_for(admin_member)

    application = Application.objects.get(client_id=api.client.client_id)
    assert api.secret not in application.client_secret
    assert application.client_secret.startswith(("pbkdf2", "md5", "argon2", "bcrypt"))
    assert AccessToken.objects.filter(token=api.token).count() == 0  # redacted at rest
    assert AccessToken.objects.filter(application=application).count() == 1


def test_the_client_is_nobody_in_the_people_lists(admin_member):
    api = api_for(admin_member)

    assert list(Membership.objects.filter(organization=admin_member.organization)) == [admin_member]
    assert Membership.seats.filter(organization=admin_member.organization).count() == 2
    assert api.client.seat.is_api_client


def test_a_client_holds_at_most_its_creators_roles(make_member, provider):
    sales_admin = make_member(provider, Role.GLOBAL_ADMIN, Role.SALES_AGENT)
    with pytest.raises(ApiError) as refused:
        api_client_create(organization=provider, actor=sales_admin.user, name="PSA",
                          roles=[Role.SALES_AGENT, Role.BILLING_ADMIN])  # fmt: skip
    assert refused.value.code == "role_beyond_own"
    assert "Billing admin" in refused.value.message

    agent = make_member(provider, Role.ADMIN_AGENT)
    with pytest.raises(ApiError, match="Only a Global admin"):
        api_client_create(organization=provider, actor=agent.user, name="PSA", roles=[Role.ADMIN_AGENT])


def test_revoking_ends_the_clients_tokens_at_once(admin_member):
    api = api_for(admin_member)
    assert api.get("/api/v1/organization").status_code == 200

    api_client_revoke(client=api.client, actor=admin_member.user)

    response = api.get("/api/v1/organization")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "invalid_token"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert request_token(api.client.client_id, api.secret).status_code == 401
    assert AuditEvent.objects.filter(code="partnerhub.api_client.revoked", actor=admin_member.user).exists()


def test_an_expired_client_gets_no_token_and_its_tokens_stop(admin_member):
    api = api_for(admin_member, expires_at=timezone.now() + timedelta(days=1))

    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        assert api.get("/api/v1/organization").status_code == 401
        assert request_token(api.client.client_id, api.secret).status_code == 401


def test_the_allow_list_refuses_other_addresses(admin_member):
    api = api_for(admin_member, name="Office", allowed_ips=["127.0.0.0/8"])
    assert api.get("/api/v1/organization").status_code == 200

    client_obj, secret = api_client_create(organization=admin_member.organization, actor=admin_member.user,
                                           name="Branch", roles=[Role.GLOBAL_ADMIN],
                                           allowed_ips=["203.0.113.0/24"])  # fmt: skip
    assert request_token(client_obj.client_id, secret).status_code == 401
    with pytest.raises(ApiError, match="neither an IP address"):
        api_client_create(organization=admin_member.organization, actor=admin_member.user, name="Bad",
                          roles=[Role.GLOBAL_ADMIN], allowed_ips=["10.0.0.300"])  # fmt: skip


def test_no_token_and_a_bad_token_are_problems_not_pages(admin_member):
    api = api_for(admin_member)
    anonymous = Api(api.client, api.secret, token="not-a-token")

    assert anonymous.get("/api/v1/organization").json()["code"] == "invalid_token"
    response = api.http.get("/api/v1/organization")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.json()["request_id"] == response["X-Request-Id"]


@time_machine.travel("2026-12-07 10:00:30Z", tick=False)
def test_the_budget_is_per_organization_across_its_clients_and_answers_429(admin_member, staff):
    reset_budgets()
    ApiLimit.objects.create(organization=admin_member.organization, requests_per_minute=3)
    erp, psa = api_for(admin_member, name="ERP"), api_for(admin_member, name="PSA")

    codes = [erp.get("/api/v1/organization").status_code, psa.get("/api/v1/organization").status_code,
             erp.get("/api/v1/organization").status_code]  # fmt: skip
    refused = psa.get("/api/v1/organization")

    assert codes == [200, 200, 200]
    assert refused.status_code == 429
    assert refused["Retry-After"] == "30"
    assert refused["RateLimit-Remaining"] == "0"
    assert refused.json()["code"] == "rate_limited"
    with time_machine.travel("2026-12-07 10:01:00Z", tick=False):
        assert psa.get("/api/v1/organization").status_code == 200


def test_the_sweep_forgets_old_calls_and_idempotency_keys(admin_member, settings):
    from api.models import IdempotencyRecord
    from api.services import sweep_api_records

    api = api_for(admin_member)
    api.get("/api/v1/organization")
    IdempotencyRecord.objects.create(organization=admin_member.organization, key="k", fingerprint="f")
    later = timezone.now() + timedelta(days=settings.API_CALL_LOG_DAYS, hours=1)

    assert sweep_api_records(now=timezone.now()) == {"calls": 0, "idempotency_keys": 0}
    assert sweep_api_records(now=later) == {"calls": 1, "idempotency_keys": 1}


def test_the_clients_service_user_can_never_sign_in(admin_member, client):
    api = api_for(admin_member)
    user = api.client.seat.user

    assert not user.is_active
    assert not user.has_usable_password()
    response = client.post("/accounts/login/", {"login": user.email, "password": ""})
    assert response.status_code == 200  # the form again, no session
    assert "_auth_user_id" not in client.session
