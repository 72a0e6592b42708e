"""Directory logos (staff upload them in admin) are parsed with Pillow, and served with their parsed type."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from relationships.admin import ProviderListingForm
from relationships.models import ProviderListing
from tests.factories import OrganizationFactory
from tests.uploads import JPEG, PDF, PNG

HTML_BEHIND_PNG = b"\x89PNG\r\n\x1a\n<html><script>alert(document.cookie)</script></html>"


@pytest.fixture
def listing(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return ProviderListing.objects.create(
        organization=OrganizationFactory(legal_name="Contoso Distribution"),
        display_name="Contoso Distribution",
        status="published",
        csp_regions=["united_states"],
        countries=["US"],
    )


def _form(listing, name, content):
    data = {"display_name": listing.display_name, "countries": "US", "csp_regions": "united_states"}
    files = {"logo": SimpleUploadedFile(name, content, "image/png")}
    return ProviderListingForm(data, files, instance=listing)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (HTML_BEHIND_PNG, "This image can't be read"),
        (PNG[: len(PNG) // 2], "This image can't be read"),
        (PDF, "Upload a PNG or JPEG image; this file is neither."),
    ],
    ids=["html behind a png header", "truncated png", "pdf"],
)
def test_a_bad_logo_is_refused_with_its_reason(listing, content, message):
    form = _form(listing, "logo.png", content)

    assert not form.is_valid()
    assert message in form.errors["logo"][0]


def test_a_real_logo_is_accepted(listing):
    assert _form(listing, "logo.jpg", JPEG).is_valid()


@pytest.mark.parametrize(("content", "content_type"), [(PNG, "image/png"), (JPEG, "image/jpeg")])
def test_a_logo_is_served_with_its_parsed_type_nosniff_and_as_an_attachment(client, listing, content, content_type):
    listing.logo.save("logo.bin", ContentFile(content))

    response = client.get(f"/directory/{listing.pk}/logo/")

    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == content


def test_a_stored_logo_that_is_not_an_image_is_not_served(client, listing):
    listing.logo.save("logo.png", ContentFile(HTML_BEHIND_PNG))  # stored before logos were parsed

    assert client.get(f"/directory/{listing.pk}/logo/").status_code == 404
