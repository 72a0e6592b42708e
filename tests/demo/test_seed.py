"""The demo seed of `make run`: every sign-in works, every verification state is on show, twice is once."""

import re

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.management import call_command
from django.utils import timezone

from api.models import ApiClient
from customers.models import CustomerRelationship, Offer, Subscription
from demo.world import DEMO_API_CLIENT_NAME
from enrollment.models import ProgramEnrollment, VerificationCase
from partnerhub.accounts.models import Organization, User
from relationships.models import PartnerRelationship
from tests.api.calls import request_token


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_shows_every_state(capsys):
    call_command("seed_demo")
    call_command("seed_demo")

    out = capsys.readouterr().out
    assert "operator@partnerhub.example" in out
    assert "megan.bowen@contoso-distribution.example" in out
    assert User.objects.get(email="operator@partnerhub.example").is_staff
    assert Organization.objects.filter(kind="partner").count() == 7  # with Proseware Cloud (demo/transfers.py)
    statuses = set(ProgramEnrollment.objects.values_list("status", flat=True))
    assert statuses >= {"email_pending", "pending_qualification", "action_needed", "active"}
    assert VerificationCase.objects.filter(status="in_review", sla_due_at__lt=timezone.now()).exists()  # overdue
    assert ProgramEnrollment.objects.count() == 7
    assert PartnerRelationship.objects.filter(
        provider__legal_name="Contoso Distribution Inc.", reseller__legal_name="Fabrikam Solutions LLC", status="active"
    ).exists()
    # a dozen offers, and one customer of Contoso associated with Fabrikam, with two subscriptions
    assert Offer.objects.count() == 12
    woodgrove = Organization.objects.get(kind="customer")
    assert set(
        CustomerRelationship.objects.filter(customer=woodgrove).values_list("partner__legal_name", flat=True)
    ) == {
        "Contoso Distribution Inc.",
        "Fabrikam Solutions LLC",
    }
    # two bought with the customer, and an upgradeable Business Standard (issue 18); one renews this week
    assert Subscription.objects.filter(customer=woodgrove, status="active").count() == 3
    renewing = Subscription.objects.get(customer=woodgrove, offer__sku="PH-SECURITY")
    assert 0 < (renewing.term_end - timezone.localdate()).days < 7
    assert renewing.next_quantity == 20
    assert "admin@woodgrovefoods.onpartnerhub.example" in out
    # a pending transfer of one of Woodgrove's subscriptions to Proseware Cloud, another provider of Fabrikam
    from transfers.models import Transfer

    pending = Transfer.objects.get(status="pending")
    assert (pending.customer, pending.target_name, pending.items.count()) == (woodgrove, "Proseware Cloud Inc.", 1)
    assert "diego.siciliani@proseware-cloud.example" in out
    # the provider's API client: each seed printed a new secret; the last one printed is the one that works
    demo_client = ApiClient.objects.live().get(name=DEMO_API_CLIENT_NAME)
    assert demo_client.organization.legal_name == "Contoso Distribution Inc."
    assert ApiClient.objects.filter(name=DEMO_API_CLIENT_NAME).count() == 2  # the first seed's, revoked
    secrets = re.findall(r"client secret +(\S+)", out)
    assert re.findall(r"client ID +(\S+)", out)[-1] == demo_client.client_id
    assert request_token(demo_client.client_id, secrets[-1]).status_code == 200
    assert request_token(demo_client.client_id, secrets[0]).status_code == 401


def _sign_in_with_demo_code(client, email: str):
    """Password, then the demo authenticator-app code (every demo user has one: Global admins need it)."""
    from demo.world import demo_totp_secret

    response = client.post("/accounts/login/", {"login": email, "password": "partnerhub-demo"})
    assert response["Location"] == "/accounts/2fa/authenticate/"
    code = format_hotp_value(hotp_value(demo_totp_secret(), int(timezone.now().timestamp()) // 30))
    return client.post("/accounts/2fa/authenticate/", {"code": code})


@pytest.mark.django_db
def test_demo_users_can_sign_in(client):
    call_command("seed_demo", verbosity=0)

    response = _sign_in_with_demo_code(client, "alex.wilber@fabrikam-solutions.example")

    assert response.status_code == 302
    assert "Fabrikam Solutions LLC" in client.get("/").content.decode()


@pytest.mark.django_db
def test_demo_customer_signs_in_with_the_demo_password_and_sees_its_partners(client):
    call_command("seed_demo", verbosity=0)

    _sign_in_with_demo_code(client, "admin@woodgrovefoods.onpartnerhub.example")
    page = client.get("/", follow=True).content.decode()

    assert "Partner relationships" in page
    assert "Contoso Distribution Inc." in page
    assert "Business Premium" in page


def test_the_demo_webhook_endpoint_points_at_the_receiver_with_its_secret_on_disk(db, settings, tmp_path, monkeypatch):
    from standardwebhooks.webhooks import Webhook

    from api.webhooks.models import WebhookEndpoint
    from demo.world import DEMO_WEBHOOK_URL

    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    monkeypatch.setenv("PARTNERHUB_DATA_DIR", str(tmp_path))
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)

    endpoint = WebhookEndpoint.objects.get(url=DEMO_WEBHOOK_URL)  # one: the second seed replaced the first
    secret = (tmp_path / "demo-webhook-secret").read_text().strip()
    assert endpoint.secret == secret
    Webhook(secret)  # a well-formed whsec_ secret the receiver can verify with
