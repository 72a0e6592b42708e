"""The direct-bill move's block on Program info (enrollment's page, which may not import this app)."""

from django import template

from enrollment.services import transition_customers_waiting_count

from .. import selectors

register = template.Library()


@register.inclusion_tag("transfers/_transition.html", takes_context=True)
def transition_status(context, enrollment):
    """After approval: pick an indirect provider and move the customers; then what the move waits for."""
    request = context["request"]
    organization = request.organization
    status = selectors.transition_transfers(organization=organization, enrollment_pk=enrollment.pk)
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "enrollment": enrollment,
        "providers": selectors.active_providers(reseller=organization),
        "status": status,
        "customers_waiting": transition_customers_waiting_count(enrollment),
        "may_move": request.user.has_perm("transfers.decide_transfer", request.membership),
    }
