"""Find a provider, and a provider's own listing with its change requests."""

import pytest

from relationships.models import ListingChangeRequest, ProviderListing
from tests.budgets import PAGE_QUERY_BUDGET
from tests.factories import OrganizationFactory


def _dir(client, url):
    """The directory's results only (the header names the acting organization, Contoso too)."""
    return client.get(url).content.decode().split('data-testid="directory"')[1]


def _listing(name, regions, countries=("US",), services=()):
    return ProviderListing.objects.create(
        organization=OrganizationFactory(legal_name=name),
        display_name=name,
        status="published",
        contact_email="hello@provider.example",
        csp_regions=list(regions),
        countries=list(countries),
        services=list(services),
    )


@pytest.fixture
def listings(db):
    return [
        _listing("Contoso Distribution", ["united_states"], services=["technical_training", "credit"]),
        _listing("Adventure Works Cloud", ["united_states", "canada"], countries=("US", "CA"), services=["marketing"]),
        _listing("Eurocloud SA", ["europe"], countries=("FR",)),
    ]


def test_a_reseller_sees_providers_of_its_region_by_default(admin_client, listings):
    page = _dir(admin_client, "/directory/")

    assert "Contoso Distribution" in page
    assert "Adventure Works Cloud" in page
    assert "Eurocloud SA" not in page
    assert "Eurocloud SA" in _dir(admin_client, "/directory/?all_regions=on")


def test_filter_by_country_and_service_and_search_by_name(admin_client, listings):
    assert "Contoso" not in _dir(admin_client, "/directory/?country=CA")
    assert "Adventure Works" in _dir(admin_client, "/directory/?country=CA")
    by_service = _dir(admin_client, "/directory/?service=credit")
    assert "Contoso" in by_service
    assert "Adventure Works" not in by_service
    assert "Adventure Works" in _dir(admin_client, "/directory/?q=adventure")


def test_drafts_are_not_listed(admin_client, listings):
    ProviderListing.objects.filter(display_name="Contoso Distribution").update(status="draft")

    assert "Contoso Distribution" not in _dir(admin_client, "/directory/")


def test_directory_runs_a_fixed_number_of_queries(admin_client, listings, django_assert_num_queries):
    with django_assert_num_queries(PAGE_QUERY_BUDGET["directory"]):
        admin_client.get("/directory/")


def test_a_provider_sees_its_listing_and_requests_a_change(admin_client, provider):
    ProviderListing.objects.create(organization=provider, display_name="Contoso", csp_regions=["united_states"])

    page = admin_client.get("/directory/mine/").content.decode()
    assert "Request a change" in page
    admin_client.post("/directory/mine/", {"message": "Add credit and financing to our services."})

    request = ListingChangeRequest.objects.get()
    assert (request.organization, request.status) == (provider, "open")


def test_an_empty_change_request_is_refused(admin_client, provider):
    ProviderListing.objects.create(organization=provider, display_name="Contoso", csp_regions=["united_states"])

    response = admin_client.post("/directory/mine/", {"message": "  "})

    assert "This field is required." in response.content.decode()
    assert not ListingChangeRequest.objects.exists()


def test_without_a_listing_the_page_is_404(admin_client):
    assert admin_client.get("/directory/mine/").status_code == 404
