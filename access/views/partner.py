"""The partner's side: Customers → a customer → Admin relationships (request, detail, assignments,
terminate), and the partner-wide list."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from customers import selectors as customer_selectors
from partnerhub.accounts.decorators import permission_required
from partnerhub.accounts.models import Membership, Role
from partnerhub.core.errors import ApplicationError
from partnerhub.core.forms import add_service_error, posted

from .. import selectors, services
from ..forms import RequestForm
from ..roles import AdminRole, catalogue

VIEW = "access.view_admin_relationships"
MANAGE = "access.manage_admin_relationships"


@permission_required(VIEW, partners_only=True)
def partner_list(request):
    """Every admin relationship of the partner, newest first."""
    rows = selectors.partner_relationships(partner=request.organization)[:500]
    return render(request, "access/partner_list.html", {"relationships": rows})


@permission_required(VIEW, partners_only=True)
def customer_list(request, tenant_id):
    relationship = customer_selectors.relationship_get(partner=request.organization, tenant_id=tenant_id)
    rows = selectors.partner_relationships(partner=request.organization, customer=relationship.customer)[:200]
    may_manage = request.user.has_perm(MANAGE, request.membership)
    return render(
        request,
        "access/customer_list.html",
        {
            "relationship": relationship,
            "customer": relationship.customer,
            "relationships": rows,
            "may_manage": may_manage,
        },
    )


@permission_required(MANAGE, partners_only=True)
def request_new(request, tenant_id):
    """Request new: a name, roles (with what each allows), a duration in days, auto-extend."""
    relationship = customer_selectors.relationship_get(partner=request.organization, tenant_id=tenant_id)
    form = RequestForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            created = services.admin_relationship_request(
                partner=request.organization, customer=relationship.customer, actor=request.user, **form.cleaned_data
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Request sent: the customer's Global admins got a link to approve it."))
            return redirect("access:partner-relationship-detail", tenant_id, created.public_id)
    return render(
        request,
        "access/request_form.html",
        {"relationship": relationship, "customer": relationship.customer, "form": form},
    )


@permission_required(VIEW, partners_only=True, methods=("POST",))
def detail(request, tenant_id, public_id):
    """A relationship: roles, dates, status; its assignments (by partner role or by user); terminate."""
    customer_relationship = customer_selectors.relationship_get(partner=request.organization, tenant_id=tenant_id)
    relationship = selectors.partner_relationship_get(
        partner=request.organization, customer=customer_relationship.customer, public_id=public_id
    )
    if request.method == "POST":
        if not request.user.has_perm(MANAGE, request.membership):
            return render(request, "403.html", status=403)
        action = request.POST.get("action")
        try:
            if action == "terminate":
                services.admin_relationship_terminate(
                    relationship=relationship, actor=request.user, organization=request.organization
                )
                messages.success(request, _("The admin relationship was terminated: its roles stopped working."))
            elif action == "auto_extend":
                services.admin_relationship_auto_extend_set(
                    relationship=relationship,
                    actor=request.user,
                    organization=request.organization,
                    auto_extend=request.POST.get("auto_extend") == "on",
                )
                messages.success(request, _("Auto-extend saved."))
            elif action == "assignments":
                by_role = {role: request.POST.getlist(f"role-{role}") for role in relationship.roles}
                by_member = {
                    role: [pk for pk in request.POST.getlist(f"member-{role}") if pk.isdigit()]
                    for role in relationship.roles
                }
                services.admin_relationship_assignments_set(
                    relationship=relationship, actor=request.user, by_role=by_role, by_member=by_member
                )
                messages.success(request, _("Assignments saved."))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("access:partner-relationship-detail", tenant_id, public_id)
    assignments = selectors.assignments(relationship=relationship)
    members = list(
        Membership.objects.filter(organization=request.organization).select_related("user").order_by("user__email")
    )
    rows = []
    for code, name, description in catalogue():
        if code not in relationship.roles:
            continue
        rows.append(
            {
                "code": code,
                "name": name,
                "description": description,
                "partner_roles": {a.partner_role for a in assignments if a.role == code and a.partner_role},
                "members": {a.membership_id for a in assignments if a.role == code and a.membership_id},
            }
        )
    return render(
        request,
        "access/partner_detail.html",
        {
            "relationship": relationship,
            "customer": relationship.customer,
            "roles": rows,
            "partner_roles": Role.choices,
            "members": members,
            "may_manage": request.user.has_perm(MANAGE, request.membership),
            "may_auto_extend": AdminRole.GLOBAL_ADMINISTRATOR not in relationship.roles,
            "actions": selectors.actions(relationship=relationship),
        },
    )
