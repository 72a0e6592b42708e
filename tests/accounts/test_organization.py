"""Create your company account: the country fixes region and currency; the creator is Global admin."""

import pytest

from partnerhub.accounts.models import Membership, Organization, Role
from partnerhub.core.models import AuditEvent
from tests.factories import UserFactory

FORM = {
    "legal_name": "Contoso Ltd",
    "country": "FR",
    "address_line1": "12 rue de la Paix",
    "city": "Paris",
    "postal_code": "75002",
    "primary_domain": "contoso.fr",
}


@pytest.fixture
def newcomer_client(client, db):
    user = UserFactory(email="jane@contoso.fr")
    client.force_login(user)
    return client


def test_user_without_organization_is_led_to_create_one(newcomer_client):
    response = newcomer_client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/organization/new/"
    page = newcomer_client.get("/organization/new/").content.decode()
    assert "Create your company account" in page
    assert 'value="contoso.fr"' in page  # the primary domain defaults to the email's domain


def test_creating_the_organization_makes_the_creator_global_admin(newcomer_client):
    response = newcomer_client.post("/organization/new/", FORM)

    assert response.status_code == 302
    organization = Organization.objects.get()
    assert (organization.csp_region, organization.currency) == ("europe", "EUR")
    membership = Membership.objects.get(organization=organization)
    assert membership.roles == [Role.GLOBAL_ADMIN]
    assert AuditEvent.objects.filter(code="partnerhub.organization.created", organization=organization).exists()
    dashboard = newcomer_client.get("/").content.decode()
    assert "Contoso Ltd" in dashboard
    assert "Europe" in dashboard
    assert "EUR" in dashboard


@pytest.mark.parametrize(
    ("country", "name"), [("RU", "Russia"), ("BY", "Belarus"), ("IR", "Iran"), ("KP", "North Korea")]
)
def test_unlisted_country_is_refused_by_name(newcomer_client, country, name):
    response = newcomer_client.post("/organization/new/", {**FORM, "country": country})

    assert response.status_code == 200
    assert f"PartnerHub is not available in {name}" in response.content.decode()
    assert not Organization.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("legal_name", "", "This field is required."),
        ("primary_domain", "https://contoso.fr/", "Enter a domain name only"),
        ("primary_domain", "localhost", "Enter a valid domain name"),
        ("country", "ZZ", "Select a valid choice"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_changes_nothing(newcomer_client, field, value, message):
    response = newcomer_client.post("/organization/new/", {**FORM, field: value})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Organization.objects.exists()


def test_member_of_an_organization_is_sent_home(admin_client):
    assert admin_client.get("/organization/new/")["Location"] == "/"


def test_anonymous_visitor_must_sign_in(client, db):
    assert client.get("/organization/new/")["Location"].startswith("/accounts/login/")


def test_a_member_of_two_organizations_switches_between_them(client, make_member, provider, outsider):
    first = make_member(provider, Role.GLOBAL_ADMIN, email="dual@contoso.example")
    make_member_second = Membership.objects.create(organization=outsider, user=first.user, roles=[Role.SALES_AGENT])
    client.force_login(first.user)
    assert "Switch organization" in client.get("/").content.decode()

    client.post("/organization/switch/", {"organization": outsider.pk})

    assert client.get("/").context["acting_organization"] == outsider
    assert make_member_second.organization == outsider


def test_switching_to_an_organization_one_is_not_in_changes_nothing(admin_client, provider, outsider):
    response = admin_client.post("/organization/switch/", {"organization": outsider.pk}, follow=True)

    assert "You are not a member of that organization." in response.content.decode()
    assert response.context["acting_organization"] == provider
    assert admin_client.post("/organization/switch/", {"organization": "not-a-number"}).status_code == 302
