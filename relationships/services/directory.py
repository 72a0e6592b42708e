"""Writes of the provider directory: a provider's listing (drafted, published) and its change requests."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from enrollment.models import ProgramEnrollment
from partnerhub.accounts.models import Membership, User
from partnerhub.core.audit import audit_record
from partnerhub.core.notifications import notification_create
from partnerhub.core.outbox import outbound_email_queue

from ..models import ListingChangeRequest, ProviderListing
from .common import RelationshipsError


def provider_listing_create_draft(*, enrollment: ProgramEnrollment) -> ProviderListing:
    """A draft listing for a newly authorized indirect provider (a no-op when it has one)."""
    organization = enrollment.organization
    listing, created = ProviderListing.objects.get_or_create(
        organization=organization,
        defaults={
            "display_name": organization.legal_name,
            "website": enrollment.support_website,
            "contact_email": enrollment.support_email,
            "countries": [organization.country.code],  # type: ignore[attr-defined]
            "csp_regions": [organization.csp_region],
        },
    )
    if created:
        audit_record(code="partnerhub.provider_listing.drafted", organization=organization, target=listing)
        _alert_operators_listing_drafted(listing)
    return listing


def _alert_operators_listing_drafted(listing: ProviderListing) -> None:
    """Until staff publish it, the provider is invisible in Find a provider: tell the directory team."""
    if not settings.OPERATOR_ALERT_EMAIL:
        return
    outbound_email_queue(
        to=settings.OPERATOR_ALERT_EMAIL,
        template="provider_listing_drafted",
        context={
            "provider": listing.organization.legal_name,
            "url": settings.SITE_URL + reverse("admin:relationships_providerlisting_change", args=[listing.pk]),
            "queue_url": settings.SITE_URL
            + reverse("admin:relationships_providerlisting_changelist")
            + f"?status__exact={ProviderListing.Status.DRAFT}",
        },
        language=settings.LANGUAGE_CODE,
    )


def provider_listing_publish(*, listing: ProviderListing, actor: User) -> ProviderListing:
    """Staff publish a listing in the directory."""
    with transaction.atomic():
        listing = ProviderListing.objects.select_for_update().select_related("organization").get(pk=listing.pk)
        if listing.status == ProviderListing.Status.PUBLISHED:
            return listing
        if not (listing.display_name and listing.contact_email and listing.csp_regions):
            raise RelationshipsError(_("A listing needs a display name, a contact email and at least one CSP region."))
        listing.move_to(ProviderListing.Status.PUBLISHED)
        listing.published_at = timezone.now()
        listing.save(update_fields=["status", "published_at"])
        audit_record(
            code="partnerhub.provider_listing.published", actor=actor, organization=listing.organization, target=listing
        )
        for membership in (
            Membership.objects.global_admins().filter(organization=listing.organization).select_related("user")
        ):
            notification_create(
                user=membership.user,
                organization=listing.organization,
                title=_("Your directory listing is published"),
                body=_("Resellers now find %(name)s in Find a provider.") % {"name": listing.display_name},
                url=reverse("relationships:my-listing"),
            )
    return listing


def listing_change_request_create(*, listing: ProviderListing, actor: User, message: str) -> ListingChangeRequest:
    """A provider asks staff to change its listing."""
    message = (message or "").strip()
    if not message:
        raise RelationshipsError(_("Describe the change you'd like."), field="message")
    with transaction.atomic():
        request = ListingChangeRequest.objects.create(
            listing=listing, organization=listing.organization, requested_by=actor, message=message
        )
        audit_record(
            code="partnerhub.provider_listing.change_requested",
            actor=actor,
            organization=listing.organization,
            target=request,
        )
    return request
