"""The customer's side: Partner relationships (its partners, their admin roles, its subscriptions, the
customer agreement), and a reseller's view of the customers its providers share with it."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agreements.models import AgreementType
from agreements.selectors import current_version
from partnerhub.accounts.decorators import organization_required
from partnerhub.accounts.models import Organization
from partnerhub.accounts.rules import is_global_admin
from partnerhub.core.errors import ApplicationError
from partnerhub.core.pagination import keyset_page, row_url
from relationships import selectors as relationship_selectors

from .. import selectors, services
from .common import PAGE_SIZE, permission_required


def _customer_required(view):
    @organization_required
    def wrapper(request, *args, **kwargs):
        if request.organization.kind != Organization.Kind.CUSTOMER:
            return redirect("customers:customer-list")
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@_customer_required
def partner_relationships(request):
    """Partner relationships: the customer's partners, their admin roles, its subscriptions (read-only)."""
    customer = request.organization
    return render(
        request,
        "customers/partner_relationships.html",
        {
            "relationships": selectors.customer_partners(customer=customer),
            "subscriptions": selectors.customer_subscriptions(customer=customer)[:200],
            "acceptances": selectors.agreement_acceptances(customer=customer)[:3],
            "agreement": current_version(type=AgreementType.MCA),
            "is_global_admin": is_global_admin(request.user, request.membership),
        },
    )


@require_POST
@_customer_required
def agreement_accept(request):
    if request.POST.get("accept") != "on":
        messages.error(request, _("Tick the box to accept the customer agreement."))
        return redirect("customers:partner-relationships")
    try:
        services.customer_agreement_accept(customer=request.organization, user=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("You accepted the customer agreement."))
    return redirect("customers:partner-relationships")


@permission_required("customers.view_customers", partners_only=True)
def provider_customers(request, pk: int):
    """Indirect providers → View customers: the customers this provider associated with the reseller."""
    relationship = relationship_selectors.relationship_of_reseller(reseller=request.organization, pk=pk)
    rows = selectors.shared_customer_list(reseller=request.organization, provider_pk=relationship.provider_id)
    page = keyset_page(
        rows,
        keys=selectors.CUSTOMER_LIST_KEYS,
        per_page=PAGE_SIZE,
        after=request.GET.get("after"),
        before=request.GET.get("before"),
    )
    return render(
        request,
        "customers/provider_customers.html",
        {"relationship": relationship, "page": page, "detail_url": row_url("customers:customer-detail")},
    )
