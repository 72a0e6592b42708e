"""The customer's side: Admin relationships (every one, with roles, dates, status and the partner users who
acted), approve or reject a request (from the page or the emailed link), terminate at once, "Remove roles"."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from customers import selectors as customer_selectors
from customers.views.customer import _customer_required
from partnerhub.accounts.rules import is_global_admin
from partnerhub.core.errors import ApplicationError
from partnerhub.core.invitations import no_referrer

from .. import selectors, services
from ..roles import catalogue


@_customer_required
def relationship_list(request):
    rows = selectors.customer_relationships(customer=request.organization)[:500]
    return render(
        request,
        "access/customer_relationships.html",
        {"relationships": rows, "is_global_admin": is_global_admin(request.user, request.membership)},
    )


def _detail(request, relationship, *, status: int = 200):
    roles = [(name, description) for code, name, description in catalogue() if code in relationship.roles]
    return render(
        request,
        "access/customer_detail.html",
        {
            "relationship": relationship,
            "roles": roles,
            "actions": selectors.actions(relationship=relationship),
            "is_global_admin": is_global_admin(request.user, request.membership),
        },
        status=status,
    )


@_customer_required
def relationship_detail(request, public_id):
    """One relationship: exactly which roles for how long; approve, reject, terminate."""
    relationship = selectors.customer_relationship_get(customer=request.organization, public_id=public_id)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "approve":
                services.admin_relationship_approve(relationship=relationship, actor=request.user)
                messages.success(request, _("You approved the admin relationship: it is active now."))
            elif action == "reject":
                services.admin_relationship_reject(relationship=relationship, actor=request.user)
                messages.success(request, _("You rejected the request."))
            elif action == "terminate":
                services.admin_relationship_terminate(
                    relationship=relationship, actor=request.user, organization=request.organization
                )
                messages.success(request, _("The admin relationship was terminated: its roles stopped working."))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("access:customer-relationship-detail", public_id)
    return _detail(request, relationship)


@_customer_required
def approval_link(request, token: str):
    """The emailed link: the customer's signed-in user lands on the relationship's page."""
    relationship = services.relationship_from_link(token)
    if relationship is None or relationship.customer_id != request.organization.pk:
        return no_referrer(render(request, "access/link_gone.html", status=404))
    return no_referrer(redirect("access:customer-relationship-detail", relationship.public_id))


@_customer_required
def admin_roles_remove(request, pk: int):
    """Partner relationships → "Remove roles": terminate every live admin relationship of that partner."""
    relationship = customer_selectors.customer_partner_get(customer=request.organization, pk=pk)
    live = selectors.customer_relationships(customer=request.organization).filter(
        partner=relationship.partner_id, status__in=("approval_pending", "active", "expiring")
    )
    if request.method != "POST":
        return render(
            request, "access/admin_roles_remove.html", {"relationship": relationship, "live_count": live.count()}
        )
    try:
        services.admin_relationships_terminate_all(
            partner=relationship.partner, customer=request.organization, actor=request.user
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("%(partner)s no longer has admin roles.") % {"partner": relationship.partner.legal_name}
        )
    return redirect("customers:partner-relationships")
