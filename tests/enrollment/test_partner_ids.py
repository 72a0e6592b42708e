"""Partner IDs: a global ID per organization, "Add location", and the same-country association."""

import pytest

from enrollment import services
from enrollment.models import EnrollmentError, PartnerId
from partnerhub.accounts.services import organization_create
from tests.budgets import PAGE_QUERY_BUDGET
from tests.factories import UserFactory

LOCATION = {
    "business_name": "Contoso Paris",
    "country": "FR",
    "address_line1": "12 rue de la Paix",
    "city": "Paris",
    "postal_code": "75002",
    "contact_name": "Pat Lee",
    "contact_email": "pat.lee@contoso.example",
}


@pytest.fixture
def french_org(db):
    user = UserFactory(email="anne@contoso.fr")
    org = organization_create(
        user=user, legal_name="Contoso SAS", country="FR", address_line1="1 rue X", city="Paris",
        postal_code="75001", primary_domain="contoso.fr",
    )  # fmt: skip
    return org, user


def test_every_new_organization_gets_a_global_partner_id(french_org):
    org, _ = french_org

    global_id = PartnerId.objects.get(organization=org)

    assert global_id.kind == "global"
    assert global_id.number >= 6100000
    assert global_id.country == "FR"


def test_numbers_are_unique_and_never_reused(french_org):
    org, user = french_org
    first = services.partner_id_add_location(organization=org, actor=user, **LOCATION)
    number = first.number
    first.delete()

    second = services.partner_id_add_location(organization=org, actor=user, **LOCATION)

    assert second.number > number


def test_associating_a_location_of_the_same_country(french_org):
    org, user = french_org
    paris = services.partner_id_add_location(organization=org, actor=user, **LOCATION)

    services.partner_id_associate(organization=org, actor=user, partner_id_pk=paris.pk)

    assert PartnerId.objects.get(organization=org, csp_associated=True) == paris


def test_a_location_in_another_country_of_the_same_region_is_refused(french_org):
    org, user = french_org
    london = services.partner_id_add_location(
        organization=org, actor=user, **{**LOCATION, "country": "GB", "city": "London"}
    )

    with pytest.raises(EnrollmentError, match="must be in the same country/region"):
        services.partner_id_associate(organization=org, actor=user, partner_id_pk=london.pk)

    assert not PartnerId.objects.filter(organization=org, csp_associated=True).exists()


def test_the_global_id_is_never_associated(french_org):
    org, user = french_org
    global_id = PartnerId.objects.get(organization=org, kind="global")

    with pytest.raises(EnrollmentError, match="global partner ID can't be associated"):
        services.partner_id_associate(organization=org, actor=user, partner_id_pk=global_id.pk)


def test_reassociating_moves_the_single_association(french_org):
    org, user = french_org
    paris = services.partner_id_add_location(organization=org, actor=user, **LOCATION)
    lyon = services.partner_id_add_location(organization=org, actor=user, **{**LOCATION, "city": "Lyon"})
    services.partner_id_associate(organization=org, actor=user, partner_id_pk=paris.pk)

    services.partner_id_associate(organization=org, actor=user, partner_id_pk=lyon.pk)

    assert list(PartnerId.objects.filter(organization=org, csp_associated=True)) == [lyon]


def test_identifiers_page_offers_only_same_country_locations(client, french_org):
    org, user = french_org
    paris = services.partner_id_add_location(organization=org, actor=user, **LOCATION)
    london = services.partner_id_add_location(organization=org, actor=user, **{**LOCATION, "country": "GB"})
    client.force_login(user)

    page = client.get("/settings/identifiers/").content.decode()

    assert f'value="{paris.pk}"' in page
    assert f'value="{london.pk}"' not in page
    assert "location in another country isn't offered" in page


def test_posting_another_country_location_is_refused_with_the_reason(client, french_org):
    org, user = french_org
    london = services.partner_id_add_location(organization=org, actor=user, **{**LOCATION, "country": "GB"})
    client.force_login(user)

    response = client.post("/settings/identifiers/", {"partner_id": london.pk})

    assert response.status_code == 200
    assert "must be in the same country/region" in response.content.decode()
    assert not PartnerId.objects.filter(csp_associated=True).exists()


def test_add_location_from_the_page(client, french_org):
    org, user = french_org
    client.force_login(user)

    response = client.post("/settings/identifiers/locations/new/", LOCATION)

    assert response.status_code == 302
    assert PartnerId.objects.filter(organization=org, kind="location", city="Paris").exists()


def test_identifiers_page_runs_a_fixed_number_of_queries(client, french_org, django_assert_num_queries):
    org, user = french_org
    client.force_login(user)
    services.partner_id_add_location(organization=org, actor=user, **LOCATION)
    with django_assert_num_queries(PAGE_QUERY_BUDGET["identifiers"]) as first:
        client.get("/settings/identifiers/")
    for n in range(10):
        services.partner_id_add_location(organization=org, actor=user, **{**LOCATION, "city": f"City {n}"})
    with django_assert_num_queries(len(first.captured_queries)):
        client.get("/settings/identifiers/")


@pytest.mark.parametrize("role", ["admin_agent", "sales_agent", "helpdesk_agent", "billing_admin"])
def test_only_global_admins_associate_and_admins_add_locations(client, make_member, french_org, role):
    org, user = french_org
    paris = services.partner_id_add_location(organization=org, actor=user, **LOCATION)
    member = make_member(org, role)
    client.force_login(member.user)

    assert client.post("/settings/identifiers/", {"partner_id": paris.pk}).status_code == 403
    assert client.get("/settings/identifiers/locations/new/").status_code == 403
    assert not PartnerId.objects.filter(csp_associated=True).exists()
