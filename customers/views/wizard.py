"""Add new customer: Account info → Customer agreement → Subscriptions → Review → Submit → Confirmation.

Nothing is written until Submit; the steps live in the session, so Cancel leaves nothing behind. The
confirmation (with the temporary password) is shown exactly once.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from partnerhub.core.errors import ApplicationError
from partnerhub.core.forms import add_service_error, posted
from partnerhub.core.regions import MarketUnavailable, market_for
from partnerhub.core.throttle import throttle

from .. import services
from ..forms import AccountForm, AgreementForm, OffersForm, ReviewForm
from ..models import Offer
from ..validation import company_name_warning, domain_for, domain_prefix_error
from .common import SELLER, permission_required

WIZARD_KEY = "customer_wizard"
CREATED_KEY = "customer_created"
STEPS = ("account", "agreement", "subscriptions", "review")


def _state(request) -> dict:
    return request.session.get(WIZARD_KEY) or {}


def _save(request, **changes) -> None:
    request.session[WIZARD_KEY] = {**_state(request), **changes}


def _resellers(request):
    if request.selling_program != "indirect_provider":
        return None
    return services.eligible_resellers(request.organization)


def _reseller(request, state):
    pk = state.get("reseller")
    resellers = _resellers(request)
    return resellers.filter(pk=pk).first() if pk and resellers is not None else None


def _market(state):
    try:
        return market_for(state["account"]["country"])
    except (KeyError, MarketUnavailable):
        return None


def _agreement_input(state) -> services.AgreementInput:
    data = state.get("agreement") or {}
    agreed = data.get("date_agreed")
    return services.AgreementInput(
        attest=data.get("how") == AgreementForm.ATTEST,
        first_name=data.get("first_name", ""),
        last_name=data.get("last_name", ""),
        email=data.get("email", ""),
        phone=data.get("phone", ""),
        date_agreed=date.fromisoformat(agreed) if agreed else None,
    )


def _chosen(state) -> list[tuple[int, int, str]]:
    """The saved lines as (offer pk, quantity, term); a line saved before terms were chosen has the default."""
    return [(item[0], item[1], item[2] if len(item) > 2 else "") for item in state.get("lines") or []]  # noqa: PLR2004


def _lines(state) -> list[services.LineInput]:
    chosen = _chosen(state)
    offers = Offer.objects.in_bulk([pk for pk, _qty, _term in chosen])
    return [services.LineInput(offer=offers[pk], quantity=qty, term=term) for pk, qty, term in chosen if pk in offers]


def _step_guard(request, step: str):
    """Send the user back to the first step they haven't completed."""
    state = _state(request)
    needed = {"agreement": ["account"], "subscriptions": ["account", "agreement"], "review": ["account", "agreement"]}
    for previous in needed.get(step, []):
        if previous not in state:
            return redirect(f"customers:wizard-{previous}")
    return None


@never_cache
@permission_required("customers.add_customer", partners_only=True, eligibility=SELLER)
def account(request):
    """Step 1. `?reseller=<pk>` (from Indirect resellers) starts a fresh wizard with the reseller chosen."""
    resellers = _resellers(request)
    if request.method == "GET" and ("reseller" in request.GET or request.GET.get("new")):
        request.session.pop(WIZARD_KEY, None)
        reseller_pk = request.GET.get("reseller", "")
        if (
            reseller_pk.isascii()
            and reseller_pk.isdigit()
            and resellers is not None
            and resellers.filter(pk=reseller_pk).exists()
        ):
            _save(request, reseller=int(reseller_pk))
    state = _state(request)
    # A partner's customers are mostly in its own country: that, not the alphabet's first, is the default.
    initial = {
        "country": str(request.organization.country),
        **state.get("account", {}),
        "reseller": state.get("reseller"),
    }
    form = AccountForm(posted(request), initial=initial, resellers=resellers)
    if request.method == "POST" and form.is_valid():
        data = {name: value for name, value in form.cleaned_data.items() if name != "reseller"}
        data["contact_phone"] = str(data["contact_phone"] or "")
        data["country"] = str(data["country"])
        reseller = form.cleaned_data.get("reseller")
        try:
            services.check_account(request.organization, data)
            services.check_reseller(request.organization, reseller)
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            _save(request, account=data, reseller=reseller.pk if reseller else None)
            return redirect("customers:wizard-agreement")
    return render(
        request,
        "customers/wizard_account.html",
        {"form": form, "step": "account", "steps": STEPS, "domain_suffix": settings.CUSTOMER_DOMAIN_SUFFIX},
    )


@require_GET
@permission_required("customers.add_customer", partners_only=True, eligibility=SELLER)
def domain_check(request):
    """The live availability check under the domain field (htmx)."""
    prefix = request.GET.get("domain_prefix", "").strip().lower()[:60]
    problem = domain_prefix_error(prefix)
    domain = domain_for(prefix) if prefix else ""
    available = problem is None and services.domain_available(domain)
    return render(
        request,
        "customers/_domain_check.html",
        {"problem": problem, "domain": domain, "available": available},
    )


@never_cache
@permission_required("customers.add_customer", partners_only=True, eligibility=SELLER)
def agreement(request):
    if guard := _step_guard(request, "agreement"):
        return guard
    state = _state(request)
    account_data = state["account"]
    initial = state.get("agreement") or {
        "how": AgreementForm.ATTEST,
        "first_name": account_data["contact_first_name"],
        "last_name": account_data["contact_last_name"],
        "email": account_data["contact_email"],
        "phone": account_data["contact_phone"],
    }
    form = AgreementForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data}
        data["phone"] = str(data["phone"] or "")
        data["date_agreed"] = data["date_agreed"].isoformat() if data["date_agreed"] else ""
        try:
            services.check_agreement(_agreement_input({"agreement": data}))
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            changes = {"agreement": data}
            if data["how"] != AgreementForm.ATTEST:
                changes["lines"] = []  # no order without the customer agreement
            _save(request, **changes)
            return redirect(
                "customers:wizard-subscriptions" if data["how"] == AgreementForm.ATTEST else "customers:wizard-review"
            )
    return render(request, "customers/wizard_agreement.html", {"form": form, "step": "agreement", "steps": STEPS})


@never_cache
@permission_required("customers.add_customer", partners_only=True, eligibility=SELLER)
def subscriptions(request):
    if guard := _step_guard(request, "subscriptions"):
        return guard
    state = _state(request)
    if not _agreement_input(state).attest:
        messages.info(request, _("Subscriptions can be added once the customer accepts the customer agreement."))
        return redirect("customers:wizard-review")
    market = _market(state)
    offers = services.offers_for(country=market.country, region=market.region, currency=market.currency)
    initial: dict[str, Any] = {}
    for pk, qty, term in _chosen(state):
        initial.update({f"quantity_{pk}": qty, **({f"term_{pk}": term} if term else {})})
    form = OffersForm(posted(request), initial=initial, offers=offers)
    if request.method == "POST" and form.is_valid():
        chosen = form.chosen()
        lines = [
            services.LineInput(offer=form_offer, quantity=qty, term=term)
            for form_offer, qty, term in _with_offers(offers, chosen)
        ]
        try:
            services.check_lines(
                partner=request.organization,
                customer=None,
                country=market.country,
                region=market.region,
                currency=market.currency,
                lines=lines,
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            _save(request, lines=chosen)
            return redirect("customers:wizard-review")
    return render(
        request,
        "customers/wizard_subscriptions.html",
        {"form": form, "step": "subscriptions", "steps": STEPS, "currency": market.currency},
    )


def _with_offers(offers, chosen):
    by_pk = {offer.pk: offer for offer in offers}
    return [(by_pk[pk], qty, term) for pk, qty, term in chosen if pk in by_pk]


@never_cache
@permission_required("customers.add_customer", partners_only=True, eligibility=SELLER)
@throttle("customer_create")
def review(request):
    if guard := _step_guard(request, "review"):
        return guard
    state = _state(request)
    market = _market(state)
    reseller = _reseller(request, state)
    lines = _lines(state)
    prices = {
        offer.pk: offer.unit_price
        for offer in services.offers_for(country=market.country, region=market.region, currency=market.currency)
    }
    form = ReviewForm(posted(request))
    reseller_lost = bool(state.get("reseller")) and reseller is None
    if request.method == "POST" and form.is_valid() and not reseller_lost:
        data = services.NewCustomer(
            account=state["account"], reseller=reseller, agreement=_agreement_input(state), lines=lines
        )
        try:
            created = services.customer_create(partner=request.organization, actor=request.user, data=data)
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            request.session.pop(WIZARD_KEY, None)
            request.session[CREATED_KEY] = {
                "tenant_id": str(created.organization.tenant_id),
                "company": created.organization.legal_name,
                "user_name": created.user_name,
                "password": created.temporary_password,
            }
            return redirect("customers:wizard-done")
    return render(
        request,
        "customers/wizard_review.html",
        {
            "form": form,
            "step": "review",
            "steps": STEPS,
            "account": state["account"],
            "domain": domain_for(state["account"]["domain_prefix"]),
            "reseller": reseller,
            "agreement": _agreement_input(state),
            "lines": [(line, prices.get(line.offer.pk)) for line in lines],
            "currency": market.currency,
            "name_warning": company_name_warning(state["account"]["company_name"]),
            "reseller_lost": reseller_lost,
        },
    )


@require_POST
@permission_required("customers.add_customer", partners_only=True, eligibility=SELLER)
def cancel(request):
    request.session.pop(WIZARD_KEY, None)
    messages.info(request, _("The new customer was cancelled; nothing was saved."))
    return redirect("customers:customer-list")


@never_cache
@permission_required("customers.add_customer", partners_only=True, eligibility=SELLER)
def done(request):
    """The one and only display of the new admin's temporary password."""
    created = request.session.pop(CREATED_KEY, None)
    if created is None:
        return render(request, "customers/wizard_done_gone.html", status=410)
    response = render(
        request,
        "customers/wizard_done.html",
        {**created, "detail_url": reverse("customers:customer-detail", args=[created["tenant_id"]])},
    )
    response["Cache-Control"] = "no-store"
    return response
