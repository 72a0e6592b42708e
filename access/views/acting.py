"""Customers → a customer → Users and subscriptions: a partner user acting in the customer's account through
an admin relationship (Partner Center's GDAP). Each page first asks `admin_role_check` for the role it needs
and says exactly why it can't when refused."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from customers import selectors as customer_selectors
from partnerhub.accounts.decorators import permission_required
from partnerhub.accounts.models import User
from partnerhub.core.errors import ApplicationError
from partnerhub.core.forms import add_service_error, posted
from partnerhub.core.throttle import throttle

from .. import selectors, services
from ..forms import CustomerUserForm
from ..roles import AdminRole
from ..services.acting import reset_role_for

VIEW = "access.view_admin_relationships"


def _refused(request, relationship, exc: ApplicationError):
    return render(
        request,
        "access/customer_users.html",
        {"relationship": relationship, "customer": relationship.customer, "members": [], "refusal": exc.message},
        status=403,
    )


@permission_required(VIEW, partners_only=True)
def customer_users(request, tenant_id):
    """The customer's users (Global reader or any role managing users), each with what this user may do."""
    relationship = customer_selectors.relationship_get(partner=request.organization, tenant_id=tenant_id)
    customer = relationship.customer
    try:
        selectors.admin_role_check(request.membership, customer, AdminRole.GLOBAL_READER)
    except ApplicationError as exc:
        return render(
            request,
            "access/customer_users.html",
            {"relationship": relationship, "customer": customer, "members": [], "refusal": exc.message},
        )
    may = {
        role: selectors.may_act(request.membership, customer, role)
        for role in (AdminRole.USER_ADMINISTRATOR, AdminRole.HELPDESK_ADMINISTRATOR, AdminRole.LICENSE_ADMINISTRATOR)
    }
    members = selectors.customer_users(customer=customer)
    for member in members:
        member.may_reset = may[reset_role_for(member)]
    return render(
        request,
        "access/customer_users.html",
        {
            "relationship": relationship,
            "customer": customer,
            "members": members,
            "may_create": may[AdminRole.USER_ADMINISTRATOR],
            "may_licences": may[AdminRole.LICENSE_ADMINISTRATOR],
        },
    )


@never_cache
@permission_required(VIEW, partners_only=True)
@throttle("customer_password_reset")
def customer_user_password_reset(request, tenant_id, pk):
    """Confirm (GET), then reset (POST) and show the temporary password once: it is never shown again."""
    relationship = customer_selectors.relationship_get(partner=request.organization, tenant_id=tenant_id)
    customer = relationship.customer
    member = selectors.customer_user_get(customer=customer, pk=pk)
    try:
        selectors.admin_role_check(request.membership, customer, reset_role_for(member))
    except ApplicationError as exc:
        return _refused(request, relationship, exc)
    context = {"relationship": relationship, "customer": customer, "member": member}
    if request.method == "POST":
        try:
            reset = services.customer_user_password_reset(
                membership=request.membership, customer=customer, user=member.user
            )
        except ApplicationError as exc:
            context["error"] = exc.message
            return render(request, "access/customer_user_password_reset.html", context, status=403)
        context["reset"] = reset
    return render(request, "access/customer_user_password_reset.html", context)


@never_cache
@permission_required(VIEW, partners_only=True)
def customer_user_create(request, tenant_id):
    """New user (User administrator): the temporary password is shown once."""
    relationship = customer_selectors.relationship_get(partner=request.organization, tenant_id=tenant_id)
    customer = relationship.customer
    try:
        selectors.admin_role_check(request.membership, customer, AdminRole.USER_ADMINISTRATOR)
    except ApplicationError as exc:
        return _refused(request, relationship, exc)
    form = CustomerUserForm(posted(request))
    context = {"relationship": relationship, "customer": customer, "form": form}
    if request.method == "POST" and form.is_valid():
        try:
            context["created"] = services.customer_user_create(
                membership=request.membership, customer=customer, **form.cleaned_data
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
    return render(request, "access/customer_user_create.html", context)


@permission_required(VIEW, partners_only=True)
def customer_user_licences(request, tenant_id, pk):
    """One user's licences: assign or unassign each active subscription's (License administrator)."""
    relationship = customer_selectors.relationship_get(partner=request.organization, tenant_id=tenant_id)
    customer = relationship.customer
    member = selectors.customer_user_get(customer=customer, pk=pk)
    try:
        selectors.admin_role_check(request.membership, customer, AdminRole.LICENSE_ADMINISTRATOR)
    except ApplicationError as exc:
        return _refused(request, relationship, exc)
    if request.method == "POST":
        subscription = request.POST.get("subscription", "")
        user = User.objects.get(pk=member.user_id)
        try:
            if not subscription.isdigit():
                raise ApplicationError(_("Choose a subscription."), code="invalid")
            if request.POST.get("action") == "unassign":
                services.license_unassign(
                    membership=request.membership, customer=customer, subscription_id=int(subscription), user=user
                )
                messages.success(request, _("Licence unassigned."))
            else:
                services.license_assign(
                    membership=request.membership, customer=customer, subscription_id=int(subscription), user=user
                )
                messages.success(request, _("Licence assigned."))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("access:customer-user-licences", tenant_id, pk)
    assignments = selectors.license_assignments(customer=customer)
    used: dict[int, int] = {}
    for assignment in assignments:
        used[assignment.subscription_id] = used.get(assignment.subscription_id, 0) + 1
    mine = {a.subscription_id for a in assignments if a.user_id == member.user_id}
    rows = [
        {"subscription": s, "assigned": s.pk in mine, "used": used.get(s.pk, 0)}
        for s in selectors.customer_subscriptions(customer=customer)
        if s.status == "active"
    ]
    return render(
        request,
        "access/customer_user_licences.html",
        {"relationship": relationship, "customer": customer, "member": member, "rows": rows},
    )


@permission_required(VIEW, partners_only=True)
def customer_subscriptions(request, tenant_id):
    """The customer's subscriptions, every partner's (Global reader)."""
    relationship = customer_selectors.relationship_get(partner=request.organization, tenant_id=tenant_id)
    customer = relationship.customer
    try:
        selectors.admin_role_check(request.membership, customer, AdminRole.GLOBAL_READER)
    except ApplicationError as exc:
        return _refused(request, relationship, exc)
    return render(
        request,
        "access/customer_subscriptions.html",
        {
            "relationship": relationship,
            "customer": customer,
            "subscriptions": selectors.customer_subscriptions(customer=customer),
        },
    )
