"""Customers → a customer → Users: the partner's Admin agent resets a customer user's password."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from partnerhub.accounts.decorators import permission_required
from partnerhub.core.errors import ApplicationError
from partnerhub.core.throttle import throttle

from .. import selectors
from ..services import passwords

PERM = "customers.reset_customer_password"


@permission_required(PERM, partners_only=True)
def customer_users(request, tenant_id):
    """The customer's users, each with "Reset password" while the partner holds admin roles."""
    relationship = selectors.relationship_get(partner=request.organization, tenant_id=tenant_id)
    refusal = None
    try:
        passwords.check_admin_access(relationship=relationship, membership=request.membership)
    except ApplicationError as exc:
        refusal = exc.message
    members = [] if refusal else passwords.customer_users(relationship=relationship)
    return render(
        request,
        "customers/customer_users.html",
        {"relationship": relationship, "customer": relationship.customer, "members": members, "refusal": refusal},
    )


@never_cache
@permission_required(PERM, partners_only=True)
@throttle("customer_password_reset")
def customer_user_password_reset(request, tenant_id, pk):
    """Confirm (GET), then reset (POST) and show the temporary password once: it is never shown again."""
    relationship = selectors.relationship_get(partner=request.organization, tenant_id=tenant_id)
    try:
        passwords.check_admin_access(relationship=relationship, membership=request.membership)
    except ApplicationError as exc:
        return render(request, "customers/customer_users.html",
                      {"relationship": relationship, "customer": relationship.customer, "members": [],
                       "refusal": exc.message}, status=403)  # fmt: skip
    member = passwords.customer_user_get(relationship=relationship, pk=pk)
    if member is None:
        raise Http404
    context = {"relationship": relationship, "customer": relationship.customer, "member": member}
    if request.method == "POST":
        try:
            reset = passwords.customer_user_password_reset(
                relationship=relationship, membership=request.membership, user=member.user
            )
        except ApplicationError as exc:
            context["error"] = exc.message
        else:
            context["reset"] = reset
    return render(request, "customers/customer_user_password_reset.html", context)
