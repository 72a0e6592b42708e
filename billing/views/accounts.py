"""Accounts receivable (the issuer's side): each recipient it bills with open and overdue balances, a recipient's
account (terms, invoices, payments, record a payment, block and unblock orders), the bank statement import; and
the recipient's side, its standing with each issuer."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from partnerhub.accounts.decorators import permission_required
from partnerhub.core import rls
from partnerhub.core.errors import ApplicationError
from partnerhub.core.forms import add_service_error, posted

from ..forms import BlockForm, PaymentForm, ProfileForm, StatementForm
from ..models import BillingProfile, Invoice, Payment
from ..services import credit, payments

PAGE_SIZE = 25


@permission_required("billing.manage_billing", partners_only=True)
def index(request):
    """Accounts receivable: one row per recipient the acting organization bills."""
    rows = credit.receivables(issuer_id=request.organization.pk)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "billing/accounts_list.html", {"tab": "accounts", "page": page})


def _profile(request, pk: int) -> BillingProfile:
    return get_object_or_404(
        BillingProfile.objects.select_related("recipient"), pk=pk, issuer_id=request.organization.pk
    )


def _pair_invoices(profile: BillingProfile):
    return Invoice.objects.filter(issuer_id=profile.issuer_id, recipient_id=profile.recipient_id)


def _account(request, profile: BillingProfile, **forms):
    today = timezone.localdate()
    open_invoices = list(
        _pair_invoices(profile)
        .filter(kind=Invoice.Kind.INVOICE, status=Invoice.Status.OPEN)
        .order_by("due_on", "pk")[:100]
    )
    currency_locked = _pair_invoices(profile).exists()
    context = {
        "tab": "accounts",
        "profile": profile,
        "balances": payments.balances(issuer_id=profile.issuer_id, recipient_id=profile.recipient_id, today=today),
        "open_invoices": open_invoices,
        "today": today,
        "payments": Payment.objects.filter(issuer_id=profile.issuer_id, recipient_id=profile.recipient_id)
        .select_related("invoice")
        .order_by("-received_on", "-id")[:50],
        "profile_form": forms.get("profile_form") or ProfileForm(instance=profile, currency_locked=currency_locked),
        "payment_form": forms.get("payment_form") or PaymentForm(invoices=open_invoices),
        "block_form": forms.get("block_form") or BlockForm(),
        "exposure": credit.exposure(
            issuer_id=profile.issuer_id, recipient_id=profile.recipient_id, currency=profile.currency
        ),
    }
    return render(request, "billing/account_detail.html", context)


@permission_required("billing.manage_billing", partners_only=True)
def account_detail(request, pk: int):
    """A recipient's account: balances, open invoices, payments, its terms."""
    return _account(request, _profile(request, pk))


@require_POST
@permission_required("billing.manage_billing", partners_only=True)
def account_profile(request, pk: int):
    profile = _profile(request, pk)
    locked = _pair_invoices(profile).exists()
    form = ProfileForm(posted(request), instance=BillingProfile.objects.get(pk=profile.pk), currency_locked=locked)
    if form.is_valid():
        try:
            credit.profile_update(profile=profile, actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Terms saved."))
            return redirect("billing:account-detail", profile.pk)
    return _account(request, _profile(request, pk), profile_form=form)


@require_POST
@permission_required("billing.manage_billing", partners_only=True)
def account_payment(request, pk: int):
    profile = _profile(request, pk)
    invoices = _pair_invoices(profile).filter(kind=Invoice.Kind.INVOICE, status=Invoice.Status.OPEN)
    form = PaymentForm(posted(request), invoices=invoices.order_by("due_on", "pk")[:100])
    if form.is_valid():
        data = form.cleaned_data
        try:
            payment, created = payments.payment_record(
                invoice=form.chosen(), amount=data["amount"], received_on=data["received_on"],
                reference=data["reference"], actor=request.user,
            )  # fmt: skip
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            if created:
                messages.success(
                    request,
                    _("Payment of %(amount)s recorded against invoice %(number)s.")
                    % {
                        "amount": credit.money_format(payment.amount, payment.currency),
                        "number": payment.invoice.number,
                    },
                )
            else:
                messages.info(
                    request,
                    _("This bank reference was already recorded (invoice %(number)s): nothing new was recorded.")
                    % {"number": payment.invoice.number},
                )
            return redirect("billing:account-detail", profile.pk)
    return _account(request, profile, payment_form=form)


@require_POST
@permission_required("billing.manage_billing", partners_only=True)
def account_block(request, pk: int):
    profile = _profile(request, pk)
    form = BlockForm(posted(request))
    if form.is_valid():
        try:
            credit.orders_block(profile=profile, reason=form.cleaned_data["reason"], actor=request.user)
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("New orders billed to %(recipient)s are blocked.") % {"recipient": profile.recipient.legal_name},
            )
            return redirect("billing:account-detail", profile.pk)
    return _account(request, profile, block_form=form)


@require_POST
@permission_required("billing.manage_billing", partners_only=True)
def account_unblock(request, pk: int):
    profile = _profile(request, pk)
    try:
        credit.orders_unblock(profile=profile, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("New orders billed to %(recipient)s are accepted again.") % {"recipient": profile.recipient.legal_name},
        )
    return redirect("billing:account-detail", profile.pk)


@permission_required("billing.manage_billing", partners_only=True)
def bank_import(request):
    """Upload a bank statement: each row recorded as a payment or skipped with its reason."""
    form = StatementForm(posted(request), request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > payments.BANK_MAX_BYTES:
                raise payments.BillingError(_("The statement is larger than 2 MB: split it."), field="file")
            report = payments.bank_statement_import(issuer=request.organization, content=upload.read(),
                                                    actor=request.user)  # fmt: skip
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("%(recorded)s payment(s) recorded, %(skipped)s row(s) skipped.")
                % {"recorded": report.recorded, "skipped": report.skipped},
            )
    return render(request, "billing/bank_import.html", {"tab": "accounts", "form": form, "report": report})


@permission_required("billing.view_billing", partners_only=True)
def standing(request):
    """The recipient's side: what it owes each issuer, the credit left, and any block with its reason."""
    with rls.elevated("billing:standing"):
        rows = credit.standing(recipient_id=request.organization.pk)
    return render(request, "billing/standing.html", {"tab": "standing", "rows": rows})
