from django import template

from agreements import selectors

register = template.Library()


@register.simple_tag
def partner_agreement_acceptance(organization):
    """The organization's latest partner-agreement acceptance for its CSP region, or None."""
    return selectors.acceptance_latest(organization=organization) if organization else None


@register.simple_tag
def partner_agreement_standing(organization):
    """Where the organization stands with the partner agreement (selectors.agreement_standing, the one rule:
    `in_force`, `accepted`, `pending`, `own_reason`), or None without an organization."""
    return selectors.agreement_standing(organization=organization) if organization else None
