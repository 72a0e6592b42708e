"""An authorized indirect provider gets a draft directory listing; staff publish it."""

import pytest

from enrollment import services as enrollment_services
from enrollment.models import Program
from relationships.models import ProviderListing
from relationships.services import RelationshipsError, provider_listing_publish
from tests.scenarios import ENROLLMENT_DATA


def _authorize(admin_member, staff, program):
    enrollment = enrollment_services.enrollment_submit(
        organization=admin_member.organization, actor=admin_member.user, program=program, data=ENROLLMENT_DATA
    )
    case = enrollment.cases.get()
    enrollment_services.contact_email_verify(case_pk=case.pk)
    for _ in range(3):
        case = enrollment_services.case_approve_step(case=case, reviewer=staff)
    return enrollment


def test_authorized_provider_gets_a_draft_listing(admin_member, staff):
    assert not ProviderListing.objects.exists()

    _authorize(admin_member, staff, Program.INDIRECT_PROVIDER)

    listing = ProviderListing.objects.get()
    assert (listing.status, listing.display_name) == ("draft", "Contoso Distribution Inc.")
    assert listing.csp_regions == ["united_states"]
    assert listing.contact_email == "help@contoso.example"


def test_resellers_get_no_listing(admin_member, staff):
    _authorize(admin_member, staff, Program.INDIRECT_RESELLER)

    assert not ProviderListing.objects.exists()


def test_staff_publish_the_draft(admin_member, staff, client):
    _authorize(admin_member, staff, Program.INDIRECT_PROVIDER)
    listing = ProviderListing.objects.get()
    client.force_login(staff)

    client.post("/admin/relationships/providerlisting/", {"action": "publish", "_selected_action": [listing.pk]})

    listing.refresh_from_db()
    assert listing.status == "published"
    assert listing.published_at is not None


def test_an_incomplete_listing_cannot_be_published(admin_member, staff):
    _authorize(admin_member, staff, Program.INDIRECT_PROVIDER)
    listing = ProviderListing.objects.get()
    ProviderListing.objects.filter(pk=listing.pk).update(contact_email="")

    with pytest.raises(RelationshipsError, match="needs a display name, a contact email"):
        provider_listing_publish(listing=listing, actor=staff)


@pytest.mark.django_db
def test_listing_form_shows_an_array_error_whatever_the_submitted_text():
    """A region like "{% debug %}" holds "% d": Django formatted the item's error twice and raised TypeError."""
    from relationships.admin import ProviderListingForm

    form = ProviderListingForm(data={"display_name": "Contoso", "csp_regions": "{{ 7|add:7 }}{% debug %}"})

    assert not form.is_valid()
    assert "{% debug %} is not one of the available choices" in str(form.errors)
