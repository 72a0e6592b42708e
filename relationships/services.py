"""Writes of the provider directory."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partnerhub.core.errors import ApplicationError
from partnerhub.core.services import audit_record

from .models import ProviderListing


class RelationshipsError(ApplicationError):
    """A rule of the directory or of partnerships was broken."""


def provider_listing_create_draft(*, enrollment) -> ProviderListing:
    """A draft listing for a newly authorized indirect provider (a no-op when it has one)."""
    organization = enrollment.organization
    listing, created = ProviderListing.objects.get_or_create(
        organization=organization,
        defaults={
            "display_name": organization.legal_name,
            "website": enrollment.support_website,
            "contact_email": enrollment.support_email,
            "countries": [organization.country.code],
            "csp_regions": [organization.csp_region],
        },
    )
    if created:
        audit_record(code="partnerhub.provider_listing.drafted", organization=organization, target=listing)
    return listing


def provider_listing_publish(*, listing: ProviderListing, actor) -> ProviderListing:
    """Staff publish a listing in the directory."""
    with transaction.atomic():
        listing = ProviderListing.objects.select_for_update().select_related("organization").get(pk=listing.pk)
        if listing.status == ProviderListing.Status.PUBLISHED:
            return listing
        if not (listing.display_name and listing.contact_email and listing.csp_regions):
            raise RelationshipsError(_("A listing needs a display name, a contact email and at least one CSP region."))
        listing.status = ProviderListing.Status.PUBLISHED
        listing.published_at = timezone.now()
        listing.save(update_fields=["status", "published_at"])
        audit_record(
            code="partnerhub.provider_listing.published", actor=actor, organization=listing.organization, target=listing
        )
    return listing
