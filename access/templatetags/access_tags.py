from django import template

from ..roles import DEFAULT_DURATION_DAYS, DEFAULT_ROLES, DESCRIPTIONS

register = template.Library()


@register.simple_tag
def default_admin_roles() -> dict:
    """The default admin relationship an invitation with delegated admin approves: roles and duration."""
    return {"roles": [(role.label, DESCRIPTIONS[role]) for role in DEFAULT_ROLES], "days": DEFAULT_DURATION_DAYS}
