"""Pending actions of the directory: a provider whose listing still waits for staff to publish it."""

from django.urls import reverse
from django.utils.translation import gettext as _

from enrollment.models import Program
from enrollment.selectors import enrollments_of_request
from partnerhub.core.pending_actions import PendingAction, register

from .models import ProviderListing


@register
def listing_actions(request) -> list[PendingAction]:
    provider = any(
        enrollment.program == Program.INDIRECT_PROVIDER and enrollment.is_authorized
        for enrollment in enrollments_of_request(request)
    )
    if not provider:
        return []
    if not ProviderListing.objects.filter(
        organization=request.organization, status=ProviderListing.Status.DRAFT
    ).exists():
        return []
    return [
        PendingAction(
            key="listing_awaits_publication",
            title=_("Your directory listing awaits publication"),
            description=_(
                "Resellers can't find you in Find a provider until our team publishes your listing. Check it, "
                "and ask for any change before it goes live; we'll notify you when it is published."
            ),
            url=reverse("relationships:my-listing"),
            link_text=_("Review your listing"),
        )
    ]
