"""A newly active provider is invisible in Find a provider until staff publish its draft listing: both sides
are told (issue 14, rough edge)."""

from django.test import Client

from partnerhub.core.models import Notification, OutboundEmail
from relationships import services as relationship_services
from relationships.models import ProviderListing


def test_new_provider_is_told_its_listing_awaits_publication_and_staff_are_alerted(
    active_provider,
    admin_client,
    staff,
):
    listing = ProviderListing.objects.get(organization=active_provider)
    assert listing.status == "draft"
    assert OutboundEmail.objects.filter(template="provider_listing_drafted", to="operations@partnerhub.localhost")

    assert "Your directory listing awaits publication" in admin_client.get("/").content.decode()
    staff_client = Client()
    staff_client.force_login(staff)
    assert "1 provider listing awaits publication" in staff_client.get("/admin/").content.decode()
    drafts = staff_client.get("/admin/relationships/providerlisting/?status__exact=draft").content.decode()
    assert "Contoso Distribution Inc." in drafts

    relationship_services.provider_listing_publish(listing=listing, actor=staff)

    assert "Your directory listing awaits publication" not in admin_client.get("/").content.decode()
    assert "Every provider listing is published." in staff_client.get("/admin/").content.decode()
    assert Notification.objects.filter(title="Your directory listing is published").exists()
