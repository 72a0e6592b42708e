"""The provider's admin access to a reseller's account (Indirect resellers → Reseller account), and the
reseller's side of it (Indirect providers → a provider: its admin access and "Provider access")."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from partnerhub.accounts.decorators import partner_required, permission_required
from partnerhub.core.errors import ApplicationError
from partnerhub.core.throttle import throttle

from . import selectors
from .services import reseller_account as services

PERM = "relationships.use_reseller_admin_access"
PAGE_SIZE = 25


def _refused(request, relationship, exc: ApplicationError):
    """The page a provider gets once the admin access no longer holds: the sentence says why (403)."""
    context = {"relationship": relationship, "reseller": relationship.reseller, "refusal": exc.message}
    return render(request, "relationships/reseller_account_refused.html", context, status=403)


@never_cache
@permission_required(PERM, partners_only=True)
def reseller_account(request, pk: int):
    """Reseller account: what the admin access shows, with its actions; each opening is recorded."""
    relationship = selectors.relationship_of_provider(provider=request.organization, pk=pk)
    try:
        account = selectors.reseller_account(relationship=relationship, membership=request.membership)
        services.reseller_account_open(relationship=relationship, membership=request.membership)
    except ApplicationError as exc:
        return _refused(request, relationship, exc)
    context = {"account": account, "relationship": relationship, "account_relationships": [relationship]}
    return render(request, "relationships/reseller_account.html", context)


@never_cache
@permission_required(PERM, partners_only=True)
@throttle("customer_password_reset")
def reseller_user_password_reset(request, pk: int, user_pk: int):
    """Confirm (GET), then reset (POST) and show the temporary password once: it is never shown again."""
    relationship = selectors.relationship_of_provider(provider=request.organization, pk=pk)
    try:
        user = selectors.reseller_account_user(relationship=relationship, membership=request.membership, pk=user_pk)
    except ApplicationError as exc:
        return _refused(request, relationship, exc)
    if user is None:
        raise Http404
    context: dict[str, object] = {"relationship": relationship, "reseller": relationship.reseller, "member": user}
    if request.method == "POST":
        try:
            context["reset"] = services.reseller_user_password_reset(
                relationship=relationship, membership=request.membership, user=user
            )
        except ApplicationError as exc:
            if exc.code in ("removed", "no_admin_access", "forbidden"):
                return _refused(request, relationship, exc)
            context["error"] = exc.message
    return render(request, "relationships/reseller_user_password_reset.html", context)


@require_POST
@permission_required(PERM, partners_only=True)
@throttle("invitation_create")
def reseller_invitation_resend(request, pk: int, invitation_pk: int):
    """Resend one of the reseller's pending invitations (a fresh link to the same address)."""
    relationship = selectors.relationship_of_provider(provider=request.organization, pk=pk)
    try:
        invitation = selectors.reseller_account_invitation(
            relationship=relationship, membership=request.membership, pk=invitation_pk
        )
    except ApplicationError as exc:
        return _refused(request, relationship, exc)
    if invitation is None:
        raise Http404
    try:
        services.reseller_invitation_resend(
            relationship=relationship, membership=request.membership, invitation=invitation
        )
    except ApplicationError as exc:
        if exc.code in ("removed", "no_admin_access", "forbidden"):
            return _refused(request, relationship, exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The invitation was sent again to %(email)s.") % {"email": invitation.email})
    return redirect("relationships:reseller-account", relationship.pk)


@partner_required
def provider_detail(request, pk: int):
    """The reseller's page of one provider: what its admin access allows, and every use of it."""
    relationship = selectors.relationship_of_reseller(reseller=request.organization, pk=pk)
    page = Paginator(
        selectors.provider_access_log(organization=request.organization, relationship=relationship), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "relationships/provider_detail.html",
        {
            "relationship": relationship,
            "provider": relationship.provider,
            "page": page,
            "may_manage": request.user.has_perm("relationships.manage_partnership", request.membership),
        },
    )
