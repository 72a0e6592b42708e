from django import template

from agreements import selectors

register = template.Library()


@register.simple_tag
def partner_agreement_acceptance(organization):
    """The organization's latest partner-agreement acceptance for its CSP region, or None."""
    return selectors.acceptance_latest(organization=organization) if organization else None
