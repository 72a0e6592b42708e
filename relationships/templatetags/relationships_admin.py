from django import template

from relationships.models import ProviderListing

register = template.Library()


@register.simple_tag
def draft_listing_count() -> int:
    """Provider listings waiting for staff to publish them, for the admin index."""
    return ProviderListing.objects.filter(status=ProviderListing.Status.DRAFT).count()
