"""Price lists: the organization's price rules (for everyone, per tier, per recipient, per offer, from a date),
a preview of its prices for a tier or a recipient, its recipients' tiers, its tax rates per recipient country,
and starting to bill one of its customers (the third tier)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from partnerhub.accounts.decorators import permission_required
from partnerhub.core.errors import ApplicationError
from partnerhub.core.forms import add_service_error, posted

from .. import price_lists
from ..forms import CustomerBillingForm, PriceRuleForm, TaxRateForm, TierForm
from ..models import TaxRate

PERM = "billing.manage_billing"


def _preview_target(request, recipients) -> tuple[str, str, int | None]:
    """The preview's choice from ?for=: '' everyone, 'tier:<name>' or 'org:<id>' (one of its recipients)."""
    choice = request.GET.get("for", "")
    if choice.startswith("tier:"):
        return choice, choice[5:][:40], None
    if choice.startswith("org:") and choice[4:].isdigit():
        pk = int(choice[4:])
        profiles = {org.pk for org in recipients}
        if pk in profiles:
            return choice, "", pk
    return "", "", None


def _page(request, *, rule_form=None, tier_form=None, tax_form=None, customer_form=None, status=200):
    organization = request.organization
    recipients = price_lists.recipients(organization=organization)
    profiles = price_lists.recipient_profiles(organization=organization)
    choice, tier, recipient_id = _preview_target(request, recipients)
    if recipient_id is not None and recipient_id in profiles:
        tier = profiles[recipient_id].price_tier
    offers = Paginator(price_lists.preview_offers(), price_lists.PREVIEW_PAGE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rules = Paginator(price_lists.rule_list(organization=organization), 50).get_page(request.GET.get("rules"))
    customers = price_lists.billable_customers(organization=organization)
    tiers = price_lists.tier_names(organization=organization)
    context = {
        "tab": "prices",
        "rules": rules,
        "today": today,
        "recipients": [(org, profiles.get(org.pk)) for org in recipients],
        "preview_choice": choice,
        "preview_options": [
            ("", _("Everyone (default)")),
            *((f"tier:{name}", _("Tier “%(tier)s”") % {"tier": name}) for name in tiers),
            *((f"org:{org.pk}", org.legal_name) for org in recipients),
        ],
        "offers": offers,
        "preview": price_lists.preview(
            organization=organization, tier=tier, recipient_id=recipient_id, on=today, offers=list(offers)
        ),
        "currency": organization.currency,
        "tax_rates": price_lists.tax_rates(organization=organization),
        "rule_form": rule_form or PriceRuleForm(recipients=recipients, prefix="rule"),
        "tier_form": tier_form or TierForm(recipients=recipients, prefix="tier"),
        "tax_form": tax_form or TaxRateForm(issuer=organization, prefix="tax"),
        "customer_form": customer_form or CustomerBillingForm(customers=customers, prefix="customer"),
        "has_customers": bool(customers),
    }
    return render(request, "billing/prices.html", context, status=status)


@permission_required(PERM, partners_only=True)
def index(request):
    return _page(request)


@permission_required(PERM, partners_only=True)
def rule_add(request):
    recipients = price_lists.recipients(organization=request.organization)
    form = PriceRuleForm(posted(request), recipients=recipients, prefix="rule")
    if request.method == "POST" and form.is_valid():
        try:
            rule = price_lists.rule_create(organization=request.organization, actor=request.user, **form.rule_fields())
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Price rule “%(name)s” added.") % {"name": rule.name})
            return redirect("billing:prices")
    return _page(request, rule_form=form, status=400 if request.method == "POST" else 200)


@require_POST
@permission_required(PERM, partners_only=True)
def rule_delete(request, pk: int):
    try:
        rule = price_lists.rule_delete(organization=request.organization, rule_id=pk)
    except ApplicationError as exc:
        if exc.code == "not_found":
            raise Http404 from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Price rule “%(name)s” deleted.") % {"name": rule.name})
    return redirect("billing:prices")


@require_POST
@permission_required(PERM, partners_only=True)
def tier_set(request):
    recipients = price_lists.recipients(organization=request.organization)
    form = TierForm(request.POST, recipients=recipients, prefix="tier")
    if form.is_valid():
        recipient = form.recipient_rows[form.cleaned_data["recipient"]]
        try:
            price_lists.tier_set(
                organization=request.organization, recipient=recipient, tier=form.cleaned_data["tier"].strip()
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Price tier of %(name)s saved.") % {"name": recipient.legal_name})
            return redirect("billing:prices")
    return _page(request, tier_form=form, status=400)


@permission_required(PERM, partners_only=True)
def tax_edit(request, pk: int | None = None):
    instance = None
    if pk is not None:
        instance = price_lists.tax_rates(organization=request.organization).filter(pk=pk).first()
        if instance is None:
            raise Http404
    form = TaxRateForm(posted(request), instance=instance or TaxRate(issuer=request.organization),
                       issuer=request.organization, prefix="tax")  # fmt: skip
    if request.method == "POST" and form.is_valid():
        rate = form.save()
        messages.success(request, _("Tax rate for %(country)s saved.") % {"country": rate.country})
        return redirect("billing:prices")
    if pk is None and request.method != "POST":
        return _page(request)
    return _page(request, tax_form=form, status=400 if request.method == "POST" else 200)


@require_POST
@permission_required(PERM, partners_only=True)
def tax_delete(request, pk: int):
    rate = price_lists.tax_rates(organization=request.organization).filter(pk=pk).first()
    if rate is None:
        raise Http404
    rate.delete()
    messages.success(request, _("Tax rate for %(country)s deleted.") % {"country": rate.country})
    return redirect("billing:prices")


@require_POST
@permission_required(PERM, partners_only=True)
def customer_billing(request):
    customers = price_lists.billable_customers(organization=request.organization)
    form = CustomerBillingForm(request.POST, customers=customers, prefix="customer")
    if form.is_valid():
        try:
            profile = price_lists.customer_billing_start(
                organization=request.organization, customer_id=form.cleaned_data["customer"]
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("You bill %(name)s from now on: its new charges are rated at your price list.")
                % {"name": profile.recipient.legal_name},
            )
            return redirect("billing:prices")
    return _page(request, customer_form=form, status=400)
