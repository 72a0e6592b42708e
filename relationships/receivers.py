"""Reactions to enrolment events."""

from django.dispatch import receiver

from enrollment.models import Program
from enrollment.signals import enrollment_authorized

from .services import provider_listing_create_draft


@receiver(enrollment_authorized, dispatch_uid="relationships.draft_provider_listing")
def draft_provider_listing(sender, enrollment, **kwargs) -> None:
    """An authorized indirect provider gets a draft directory listing for staff to publish."""
    if enrollment.program == Program.INDIRECT_PROVIDER:
        provider_listing_create_draft(enrollment=enrollment)
