"""seed_bench: a small-factor benchmark world loads in proportion, sound, and every page of its manifest
answers 200 for the principal the load test signs in as."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api.models import ApiClient
from bench.load.api_endpoints import API_ENDPOINTS
from bench.seeding.plan import plan_for
from bench.seeding.sql import foreign_key_violations
from bench.seeding.world import COUNTED_MODELS
from customers.models import Customer, CustomerInvitation, CustomerRelationship, Subscription
from partnerhub.accounts.models import Organization
from relationships.models import PartnerRelationship, PartnershipInvitation
from tests.api.calls import request_token

pytestmark = pytest.mark.usefixtures("bench_app")  # seed_bench is bench.settings' command only

FACTOR = 0.002
ENDPOINTS = {
    "dashboard", "customer_list", "customer_list_whale", "customer_list_whale_deep", "customer_search",
    "subscription_list", "reseller_list", "invitation_landing", "invitation_accept", "enrollment_status",
    # the whale's search (a word some of its customers have, one none has), filter and other lists (issue 20)
    "customer_search_whale", "customer_search_whale_none", "customer_list_whale_by_reseller",
    "subscription_list_whale", "reseller_list_whale",
}  # fmt: skip


def seed(tmp_path: Path, scale: str = "1") -> dict:
    manifest = tmp_path / "bench" / "manifest.json"
    call_command("seed_bench", scale=scale, factor=FACTOR, manifest=manifest, stdout=io.StringIO())
    return json.loads(manifest.read_text())


@pytest.fixture
def manifest(db, tmp_path) -> dict:
    return seed(tmp_path)


def signed_in(manifest: dict, principal: str) -> Client:
    """A client signed in through allauth's forms, as the load test does: password, then the two-step code of
    the authenticator app the seed gave the principal (a Global admin)."""
    client = Client()
    email = manifest["principals"][principal]["email"]
    response = client.post(reverse("account_login"), {"login": email, "password": manifest["password"]})
    assert response.status_code == 302, f"{principal} could not sign in"
    assert response["Location"] == reverse("mfa_authenticate"), f"{principal} was not asked for a two-step code"
    code = format_hotp_value(hotp_value(manifest["totp_secret"], int(time.time()) // 30))
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302, f"{principal}: the two-step code was refused"
    assert response["Location"] == reverse("core:dashboard")
    return client


def provider_customer_counts() -> dict[int, int]:
    rows = (
        CustomerRelationship.objects.filter(kind="indirect_provider", status="active")
        .values("partner")
        .annotate(n=Count("pk"))
    )
    return {row["partner"]: row["n"] for row in rows}


def test_world_is_in_proportion_and_sound(manifest):
    counts = provider_customer_counts()
    whale = manifest["principals"]["whale"]["organization_id"]
    provider = manifest["principals"]["provider"]["organization_id"]
    assert max(counts, key=counts.get) == whale
    assert sorted(counts.values())[-2] < counts[whale]
    assert provider in counts
    customers = Customer.objects.count()
    assert customers == sum(counts.values()) == plan_for("1", FACTOR).customers
    assert 1.6 < Subscription.objects.count() / customers < 2.6
    # Pending invitations of both kinds besides the accept pool; accepted, expired and revoked ones too.
    now = timezone.now()
    pool = manifest["counts"]["accept_pool"]
    pending = PartnershipInvitation.objects.filter(accepted_at=None, revoked_at=None, expires_at__gt=now)
    assert pending.count() > pool
    assert pending.values("provider").distinct().count() >= pool
    assert CustomerInvitation.objects.filter(accepted_at=None, revoked_at=None, expires_at__gt=now).exists()
    assert PartnershipInvitation.objects.filter(expires_at__lte=now).exists()
    assert PartnerRelationship.objects.filter(status="active").count() >= 3
    assert manifest["counts"]["customers_subscription"] == Subscription.objects.count()
    assert foreign_key_violations(COUNTED_MODELS) == {}


def test_every_customer_has_its_relationships_and_its_own_domain(manifest):
    customers = Customer.objects.select_related("organization")
    suffix = "." + settings.CUSTOMER_DOMAIN_SUFFIX
    assert all(c.domain.endswith(suffix) and c.organization.primary_domain == c.domain for c in customers)
    assert customers.values("domain").distinct().count() == customers.count()
    assert Organization.objects.filter(kind="customer").count() == customers.count()
    provider_rows = {
        r.customer_id: r for r in CustomerRelationship.objects.filter(kind="indirect_provider", status="active")
    }
    assert set(provider_rows) == {c.organization_id for c in customers}
    names = dict(Organization.objects.filter(kind="customer").values_list("pk", "legal_name"))
    assert all(r.customer_name == names[r.customer_id] for r in provider_rows.values())
    reseller_rows = set(
        CustomerRelationship.objects.filter(kind="indirect_reseller", status="active").values_list(
            "partner", "customer"
        )
    )
    associated = {(r.reseller_id, r.customer_id) for r in provider_rows.values() if r.reseller_id}
    assert associated
    assert reseller_rows == associated
    partnered = set(PartnerRelationship.objects.filter(status="active").values_list("provider", "reseller"))
    assert all((r.partner_id, r.reseller_id) in partnered for r in provider_rows.values() if r.reseller_id)


def test_manifest_names_every_endpoint_and_principal(manifest):
    assert set(manifest) == {
        "scale", "factor", "seconds", "counts", "password", "totp_secret", "principals", "endpoints", "api",
    }  # fmt: skip
    assert manifest["scale"] == "1"
    assert manifest["factor"] == FACTOR
    assert {endpoint["name"] for endpoint in manifest["endpoints"]} == ENDPOINTS
    assert set(manifest["principals"]) == {"provider", "whale", "reseller"}
    accept = next(e for e in manifest["endpoints"] if e["name"] == "invitation_accept")
    paths = Path(accept["paths_file"]).read_text().splitlines()
    assert Path(accept["paths_file"]).is_absolute()
    assert len(paths) == len(set(paths)) == manifest["counts"]["accept_pool"]
    assert accept["expect_redirect"] == reverse("relationships:provider-list")


def test_every_principal_signs_in_with_two_steps(manifest):
    """Global admins must use two-step sign-in in production: the load test's principals have it set up."""
    emails = [principal["email"] for principal in manifest["principals"].values()]
    assert Authenticator.objects.filter(user__email__in=emails, type=Authenticator.Type.TOTP).count() == 3
    password_only = Client()
    email = manifest["principals"]["provider"]["email"]
    password_only.post(reverse("account_login"), {"login": email, "password": manifest["password"]})
    assert password_only.get(reverse("core:dashboard"))["Location"].startswith(reverse("account_login"))


def test_every_endpoint_answers_200_for_its_principal(manifest):
    clients = {principal: signed_in(manifest, principal) for principal in manifest["principals"]}
    clients[None] = Client()
    for endpoint in manifest["endpoints"]:
        if endpoint["method"] != "GET":
            continue
        response = clients[endpoint["principal"]].get(endpoint["path"])
        assert response.status_code == 200, f"{endpoint['name']}: {response.status_code}"
    for name, principal in (("customer_search", "provider"), ("customer_search_whale", "whale")):
        search = next(e for e in manifest["endpoints"] if e["name"] == name)
        term = search["path"].split("q=", 1)[1]
        page = clients[principal].get(search["path"]).content.decode()
        table = page.split('data-testid="customer-table"', 1)[1].split("</table>", 1)[0]
        assert term in table, name  # the seeded words were written (the bulk session skips the triggers)
    none = next(e for e in manifest["endpoints"] if e["name"] == "customer_search_whale_none")
    assert "No customer found." in clients["whale"].get(none["path"]).content.decode()
    detail = next(e for e in manifest["endpoints"] if e["name"] == "subscription_list")
    tenant_id = detail["path"].rstrip("/").rsplit("/", 1)[1]
    assert Subscription.objects.filter(customer__tenant_id=tenant_id, status="active").count() >= 30


def test_each_api_principal_has_a_client_that_gets_a_token_and_the_bench_budget(manifest):
    """The load test's API clients were made by the app's service (hashed secret, a hidden service seat), get a
    token at the real token endpoint with the manifest's secret, and call under staff's high limit."""
    api = manifest["api"]
    assert set(api["clients"]) == {"provider", "whale", "reseller"}
    assert {spec.principal for spec in API_ENDPOINTS} <= set(api["clients"])
    for name, seeded in api["clients"].items():
        client = ApiClient.objects.select_related("application", "seat").get(client_id=seeded["client_id"])
        assert client.organization_id == seeded["organization_id"] == manifest["principals"][name]["organization_id"]
        assert client.application.client_secret != seeded["client_secret"]  # stored hashed
        assert client.seat.is_api_client
        token = request_token(seeded["client_id"], seeded["client_secret"])
        assert token.status_code == 200, token.content
        bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
        response = Client().get("/api/v1/organization", headers=bearer)
        assert response.status_code == 200
        assert response.json()["id"] == seeded["organization_id"]
        assert response["RateLimit-Limit"] == str(api["requests_per_minute"])
        assert int(response["RateLimit-Remaining"]) < api["requests_per_minute"]  # the budget was spent
    assert api["requests_per_minute"] > 100 * settings.API_REQUESTS_PER_MINUTE
    assert api["facts"]["reseller_id"] == manifest["principals"]["reseller"]["organization_id"]
    assert api["facts"]["search_term"]
    for spec in API_ENDPOINTS:  # every row, "needs route" ones too, can be enabled without a reseed
        assert "{" not in spec.path.format(**api["facts"]), spec.name


def test_accept_pool_link_makes_one_partnership(manifest):
    accept = next(e for e in manifest["endpoints"] if e["name"] == "invitation_accept")
    path = Path(accept["paths_file"]).read_text().splitlines()[0]
    reseller = manifest["principals"]["reseller"]["organization_id"]
    before = PartnerRelationship.objects.filter(reseller=reseller, status="active").count()

    response = signed_in(manifest, "reseller").post(path, accept["form"])

    assert response.status_code == 302
    assert response["Location"] == reverse("relationships:provider-list")
    assert PartnerRelationship.objects.filter(reseller=reseller, status="active").count() == before + 1


def test_seeding_twice_is_refused(manifest, tmp_path):
    with pytest.raises(CommandError, match="already has"):
        seed(tmp_path / "again")


@pytest.mark.django_db
def test_whale_scale_grows_the_whale_tenant(tmp_path):
    manifest = seed(tmp_path, scale="whale")

    whale = provider_customer_counts()[manifest["principals"]["whale"]["organization_id"]]
    assert whale == plan_for("whale", FACTOR).provider_customers[0]
    assert whale >= 5 * plan_for("1", FACTOR).provider_customers[0]
    assert (
        Customer.objects.count() - whale
        == plan_for("1", FACTOR).customers - plan_for("1", FACTOR).provider_customers[0]
    )
