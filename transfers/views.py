"""Transfers pages: the list (incoming and outgoing), a transfer with Accept / Decline / Cancel, the request
page from a customer's page (partner) or from Partner relationships (customer), and the direct-bill move."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from customers import selectors as customer_selectors
from partnerhub.accounts.decorators import check_permission, permission_required
from partnerhub.accounts.models import Organization
from partnerhub.accounts.rules import is_global_admin
from partnerhub.core.errors import ApplicationError
from partnerhub.core.forms import add_service_error, posted

from . import selectors, services
from .forms import TransferForm, TransitionForm
from .models import Transfer

PAGE_SIZE = 25


@permission_required("transfers.view_transfers")
def transfer_list(request):
    """Transfers: incoming and outgoing (a customer: those of its subscriptions), newest first."""
    direction = request.GET.get("direction", "")
    if direction not in selectors.DIRECTIONS:
        direction = ""
    transfers = selectors.transfer_list(organization=request.organization, direction=direction)
    page = Paginator(transfers, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "transfers/transfer_list.html",
        {"page": page, "direction": direction, "is_customer": request.organization.kind == Organization.Kind.CUSTOMER},
    )


def _may(request, transfer: Transfer) -> dict[str, bool]:
    side = transfer.side_of(request.organization.pk)
    membership = request.membership
    pending = transfer.is_pending
    may_decide = pending and side == "incoming" and request.user.has_perm("transfers.decide_transfer", membership)
    if transfer.initiated_by == Transfer.InitiatedBy.CUSTOMER:
        may_cancel = pending and side == "customer" and is_global_admin(request.user, membership)
    else:
        may_cancel = pending and side == "outgoing" and request.user.has_perm("transfers.create_transfer", membership)
    return {"may_decide": may_decide, "may_cancel": may_cancel}


@permission_required("transfers.view_transfers")
def transfer_detail(request, public_id):
    """A transfer: its parties, subscriptions, status and deadline, and what the viewer may do."""
    transfer = selectors.transfer_get(organization=request.organization, public_id=public_id)
    return render(
        request,
        "transfers/transfer_detail.html",
        {
            "transfer": transfer,
            "items": selectors.transfer_items(transfer=transfer),
            "side": transfer.side_of(request.organization.pk),
            **_may(request, transfer),
        },
    )


def _act(request, public_id, perm: str | None, service, done: str):
    transfer = selectors.transfer_get(organization=request.organization, public_id=public_id)  # 404 first
    if perm:
        check_permission(request, perm)
    try:
        service(transfer=transfer, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("transfers:transfer-detail", transfer.public_id)


@require_POST
@permission_required("transfers.view_transfers")
def transfer_accept(request, public_id):
    return _act(request, public_id, "transfers.decide_transfer", services.transfer_accept,
                _("Transfer accepted: the subscriptions are now yours."))  # fmt: skip


@require_POST
@permission_required("transfers.view_transfers")
def transfer_decline(request, public_id):
    return _act(request, public_id, "transfers.decide_transfer", services.transfer_decline, _("Transfer declined."))


@require_POST
@permission_required("transfers.view_transfers")
def transfer_cancel(request, public_id):
    return _act(request, public_id, None, services.transfer_cancel, _("Transfer cancelled."))


def _create(request, *, customer: Organization, subscriptions, template: str, context: dict):
    form = TransferForm(posted(request), subscriptions=subscriptions)
    if request.method == "POST" and form.is_valid():
        try:
            target = services.transfer_target_resolve(text=form.cleaned_data["target"])
            transfer = services.transfer_create(
                organization=request.organization,
                actor=request.user,
                customer=customer,
                target=target,
                subscriptions=form.chosen(),
                partner_of_record=form.cleaned_data["partner_of_record"],
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("Transfer requested: %(target)s has 30 days to accept it.") % {"target": transfer.target_name},
            )
            return redirect("transfers:transfer-detail", transfer.public_id)
    return render(request, template, {"form": form, "customer": customer, **context})


@permission_required("transfers.create_transfer", partners_only=True)
def transfer_create(request, tenant_id):
    """Transfer subscriptions (partner): some or all of the active subscriptions it sells to this customer."""
    relationship = customer_selectors.relationship_get(partner=request.organization, tenant_id=tenant_id)
    customer = relationship.customer
    subscriptions = selectors.transferable_subscriptions(customer=customer, partner=request.organization)
    return _create(request, customer=customer, subscriptions=subscriptions, template="transfers/transfer_form.html",
                   context={"relationship": relationship,
                            "back_url": reverse("customers:customer-detail", args=[customer.tenant_id])})  # fmt: skip


@permission_required("transfers.create_transfer")
def customer_transfer_create(request):
    """Transfer subscriptions (customer's Global admin): from the partner selling them to another partner."""
    if request.organization.kind != Organization.Kind.CUSTOMER:
        return redirect("transfers:transfer-list")
    customer = request.organization
    subscriptions = selectors.transferable_subscriptions(customer=customer)
    return _create(request, customer=customer, subscriptions=subscriptions, template="transfers/transfer_form.html",
                   context={"back_url": reverse("customers:partner-relationships")})  # fmt: skip


@require_POST
@permission_required("transfers.decide_transfer", partners_only=True)
def transition_start(request):
    """Direct bill → indirect reseller: move every customer to the chosen indirect provider."""
    form = TransitionForm(request.POST, providers=selectors.active_providers(reseller=request.organization))
    back = reverse("enrollment:legal-info") + "?program=direct_bill"
    if not form.is_valid():
        messages.error(request, _("Choose one of your indirect providers."))
        return redirect(back)
    provider = form.providers[form.cleaned_data["provider"]]
    try:
        transfers = services.transition_start(organization=request.organization, actor=request.user, provider=provider)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            ngettext(
                "%(count)s transfer sent to %(provider)s.", "%(count)s transfers sent to %(provider)s.", len(transfers)
            )
            % {"count": len(transfers), "provider": provider.legal_name},
        )
    return redirect(back)
