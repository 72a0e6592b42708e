"""The partner side: Customers, a customer's page, its subscriptions, orders, exports and removal."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from enrollment.selectors import selling_program
from partnerhub.core.errors import ApplicationError
from partnerhub.core.forms import add_service_error, posted
from partnerhub.core.pagination import keyset_page, row_url
from partnerhub.core.throttle import throttle

from .. import selectors, services
from ..forms import (
    AttestForm,
    PartnerOfRecordForm,
    QuantityForm,
    ScheduleForm,
    SearchForm,
    SubscriptionAddForm,
    SubscriptionSettingsForm,
    SupportContactForm,
    UpgradeForm,
    reseller_filter_params,
)
from ..models import CustomerRelationship, ExportJob, Offer, Subscription
from . import exports
from .common import PAGE_SIZE, SELLER, partner_required, permission_required


@permission_required("customers.view_customers", partners_only=True)
def customer_list(request):
    """Customers: search by company name, domain or tenant ID, filter by indirect reseller.

    Keyset-paged by (company name, id) with a capped count: the same few queries for ten customers or a
    million, on the first page or the four-hundredth."""
    program = selling_program(request.organization)
    resellers: list = []
    more = False
    if program == "indirect_provider":
        name, selected = reseller_filter_params(request.GET)
        resellers, more = selectors.partnered_resellers(provider=request.organization, name=name, selected=selected)
    search = SearchForm(
        request.GET or None, resellers=resellers, more_resellers=selectors.RESELLER_CHOICES if more else 0
    )
    search.is_valid()  # an unknown reseller is ignored; the search text still applies
    filters = search.cleaned_data if search.is_bound else {}
    relationships = selectors.customer_list(
        partner=request.organization, query=filters.get("q") or "", reseller_pk=filters.get("reseller")
    )
    page = keyset_page(
        relationships,
        keys=selectors.CUSTOMER_LIST_KEYS,
        per_page=PAGE_SIZE,
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        narrow=bool(filters.get("q")),
    )
    may_add = program is not None and request.user.has_perm("customers.add_customer", request.membership)
    return render(
        request,
        "customers/customer_list.html",
        {
            "page": page,
            "search": search,
            "is_seller": program is not None,
            "may_add": may_add,
            "may_invite": may_add,
            "query_string": _without_cursor(request.GET),
            "detail_url": row_url("customers:customer-detail"),
        },
    )


def _without_cursor(params) -> str:
    params = params.copy()
    for key in ("after", "before", "page"):
        params.pop(key, None)
    return params.urlencode()


@partner_required
@throttle("export")
@permission_required("customers.view_customers")
def customer_export(request):
    """Export customers: Tenant ID, Company name, Primary domain name, Relationship, Indirect reseller.

    Streamed when small; above EXPORT_STREAM_MAX_ROWS, prepared by a worker (customers/services/exports.py)."""
    return exports.export(request, kind=ExportJob.Kind.CUSTOMERS, filters={}, filename="customers.csv",
                          back_url=reverse("customers:customer-list"))  # fmt: skip


@permission_required("customers.view_customers", partners_only=True)
def customer_detail(request, tenant_id):
    """Account, customer agreement, partners and subscriptions of one customer."""
    relationship = selectors.relationship_get(partner=request.organization, tenant_id=tenant_id, with_activity=True)
    customer = relationship.customer
    is_seller = relationship.kind != CustomerRelationship.Kind.INDIRECT_RESELLER
    active = relationship.has_active_subscriptions  # annotated: no query of its own
    return render(
        request,
        "customers/customer_detail.html",
        {
            "relationship": relationship,
            "customer": customer,
            "profile": customer.customer_profile,
            "acceptances": selectors.agreement_acceptances(customer=customer)[:5],
            "subscriptions": selectors.CappedPaginator(
                selectors.subscription_table_rows(relationship=relationship), PAGE_SIZE
            ).get_page(request.GET.get("page")),
            "is_seller": is_seller,
            # What the order and agreement views (SELLER) accept: a selling relationship *and* a selling partner.
            "may_order": is_seller
            and relationship.partner_selling
            and request.user.has_perm("customers.place_order", request.membership),
            "may_remove": request.user.has_perm("customers.remove_relationship", request.membership),
            "has_active_subscriptions": active,
            "subscription_url": row_url("customers:subscription-detail", customer.tenant_id),
        },
    )


@partner_required
@throttle("export")
@permission_required("customers.view_customers")
def subscription_export(request, tenant_id):
    """Export subscriptions: Subscription ID, Subscription, Quantity, Status, Reseller (streamed or prepared)."""
    relationship = selectors.relationship_get(partner=request.organization, tenant_id=tenant_id)
    return exports.export(
        request,
        kind=ExportJob.Kind.SUBSCRIPTIONS,
        filters={"tenant_id": str(tenant_id)},
        filename=f"subscriptions-{relationship.customer.primary_domain}.csv",
        back_url=reverse("customers:customer-detail", args=[tenant_id]),
    )


def _selling_relationship(request, tenant_id) -> CustomerRelationship:
    return selectors.selling_relationship_get(partner=request.organization, tenant_id=tenant_id)


def _agreement_input(data) -> services.AgreementInput:
    return services.AgreementInput(
        attest=True,
        first_name=data["first_name"],
        last_name=data["last_name"],
        email=data["email"],
        phone=str(data.get("phone") or ""),
        date_agreed=data["date_agreed"],
    )


@permission_required("customers.place_order", partners_only=True, eligibility=SELLER)
@throttle("order_submit")
def customer_agreement(request, tenant_id):
    """Customer agreement → Update: confirm the customer's acceptance."""
    relationship = _selling_relationship(request, tenant_id)
    profile = relationship.customer.customer_profile
    form = AttestForm(
        posted(request),
        initial={
            "first_name": profile.contact_first_name,
            "last_name": profile.contact_last_name,
            "email": profile.contact_email,
            "phone": profile.contact_phone,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_agreement_attest(
                partner=request.organization,
                customer=relationship.customer,
                actor=request.user,
                agreement=_agreement_input(form.cleaned_data),
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The customer's acceptance of the customer agreement was recorded."))
            return redirect("customers:customer-detail", tenant_id=tenant_id)
    return render(request, "customers/customer_agreement.html", {"relationship": relationship, "form": form})


@permission_required("customers.place_order", partners_only=True, eligibility=SELLER)
@throttle("order_submit")
def subscription_add(request, tenant_id):
    """Add subscription: an offer of the customer's market, a quantity, the partner of record."""
    relationship = _selling_relationship(request, tenant_id)
    customer = relationship.customer
    offers = list(
        services.offers_for(country=customer.country.code, region=customer.csp_region, currency=customer.currency)
    )
    default_por = ""
    if relationship.reseller_id:
        location = services.location_partner_id(relationship.reseller)
        default_por = str(location.number) if location else ""
    alignments = selectors.alignable_subscriptions(customer=customer)
    form = SubscriptionAddForm(
        posted(request), offers=offers, alignments=alignments, initial={"partner_of_record": default_por}
    )
    has_agreement = services.has_customer_agreement(customer)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            partner_of_record = None
            if number := data["partner_of_record"].strip():
                partner_of_record = services.partner_of_record_check(partner=request.organization, number=number)
            offer = form.offers[data["offer"]]
            order, _created = services.order_submit(
                partner=request.organization,
                customer=customer,
                actor=request.user,
                key=data["key"],
                lines=[
                    services.LineInput(
                        offer=offer,
                        quantity=data["quantity"],
                        friendly_name=data["friendly_name"],
                        partner_of_record=partner_of_record,
                        term=data["term"],
                        billing_frequency=data["billing_frequency"],
                        custom_term_end=form.term_end(),
                    )
                ],
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            # A repeated submission of the form (a double click, a reload) gets the answer the first one
            # got, naming the same order: whichever response the browser shows last, it confirms the order.
            messages.success(request, _("Order #%(order)s placed.") % {"order": order.number})
            return redirect("customers:customer-detail", tenant_id=tenant_id)
    return render(
        request,
        "customers/subscription_add.html",
        {"relationship": relationship, "form": form, "has_agreement": has_agreement, "offers": offers},
    )


@partner_required
@throttle("subscription_change")
@permission_required("customers.view_customers")
def subscription_detail(request, tenant_id, public_id):
    """A subscription: quantity, cancel, suspend/reactivate, auto-renew, friendly name, changes scheduled for
    renewal, upgrade, partner of record, designated support contact. The seller changes it; its reseller of
    record manages the quantity, name, auto-renew, scheduled changes and cancellation within the same rules."""
    organization = request.organization
    relationship = selectors.relationship_get(partner=organization, tenant_id=tenant_id)
    subscription = selectors.subscription_get(relationship=relationship, public_id=public_id)
    role = selectors.subscription_role(subscription=subscription, organization=organization)
    may_manage = role is not None and request.user.has_perm("customers.manage_subscription", request.membership)
    is_seller = may_manage and role == "seller"
    live = subscription.is_live
    action = request.POST.get("action") if request.method == "POST" else None
    contacts = list(services.support_contact_choices(subscription)) if is_seller else []
    targets = services.upgrade_targets(subscription) if is_seller and live else []

    def bound(name):
        return request.POST if action == name else None

    forms = {
        "quantity": QuantityForm(bound("quantity"), initial={"quantity": subscription.quantity}),
        "settings": SubscriptionSettingsForm(
            bound("settings"),
            initial={"friendly_name": subscription.friendly_name, "auto_renew": subscription.auto_renew},
        ),
        "schedule": ScheduleForm(
            bound("schedule"),
            auto_id="schedule_%s",  # its auto-renew box beside the settings form's
            terms=subscription.offer.terms_sold,
            initial={
                "next_quantity": subscription.next_quantity,
                "next_term": subscription.next_term,
                "next_billing_frequency": subscription.next_billing_frequency,
                "auto_renew": subscription.auto_renew,
            },
        ),
        "upgrade": UpgradeForm(bound("upgrade"), targets=targets, auto_id="upgrade_%s"),
    }
    if is_seller:
        forms["partner_of_record"] = PartnerOfRecordForm(
            bound("partner_of_record"),
            initial={
                "partner_of_record": subscription.partner_of_record.number if subscription.partner_of_record else ""
            },
        )
        forms["support_contact"] = SupportContactForm(
            bound("support_contact"), choices=contacts, initial={"support_contact": subscription.support_contact_id}
        )
    if action:
        if not may_manage:
            raise PermissionDenied
        done = _apply(request, subscription, action, forms)
        if done:
            messages.success(request, done)
            if action == "upgrade" and subscription.upgraded_to_id:  # the new subscription's page
                public_id = subscription.upgraded_to.public_id
            return redirect("customers:subscription-detail", tenant_id=tenant_id, public_id=public_id)
    return render(
        request,
        "customers/subscription_detail.html",
        {
            "relationship": relationship,
            "subscription": subscription,
            "may_manage": may_manage,
            "is_seller": is_seller,
            "acting_as_reseller": may_manage and role == "reseller",
            "forms": forms,
            "upgrade_targets": targets,
            "scheduled_changes": services.scheduled_changes_text(subscription) if live else [],
            "upgraded_from": selectors.upgraded_from(subscription=subscription),
            # "Cancel subscription" opens this question first; only its own button cancels.
            "confirm_cancel": may_manage and request.GET.get("confirm") == "cancel" and subscription.may_cancel(),
            "order_lines": subscription.order.lines.select_related("offer", "partner_of_record"),
        },
    )


def _apply(request, subscription: Subscription, action: str, forms) -> str | None:
    """Run one subscription action as the acting organization; the success message, or None with the error
    on the page."""
    kwargs = {"subscription": subscription, "actor": request.user, "organization": request.organization}
    simple = {
        "cancel": (services.subscription_cancel, _("The subscription was cancelled.")),
        "suspend": (
            services.subscription_suspend,
            _("The subscription was suspended: the customer's users can't use it, and billing continues."),
        ),
        "reactivate": (services.subscription_reactivate, _("The subscription is active again.")),
    }
    try:
        if action in simple:
            function, message = simple[action]
            function(**kwargs)
            return message
        form = forms.get(action)
        if form is None:
            messages.error(request, _("Unknown action."))
            return None
        if not form.is_valid():
            return None
        data = form.cleaned_data
        if action == "quantity":
            services.subscription_change_quantity(**kwargs, quantity=data["quantity"])
            return _("The quantity is now %(quantity)s.") % {"quantity": data["quantity"]}
        if action == "settings":
            services.subscription_update(**kwargs, **data)
            return _("The subscription was updated.")
        if action == "schedule":
            services.subscription_schedule_changes(
                **kwargs,
                quantity=data["next_quantity"],
                term=data["next_term"],
                billing_frequency=data["next_billing_frequency"],
                auto_renew=data["auto_renew"],
            )
            return _("The changes for the renewal were saved.")
        if action == "upgrade":
            offer = Offer.objects.get(pk=data["offer"])
            new = services.subscription_upgrade(**kwargs, offer=offer)
            subscription.upgraded_to = new
            subscription.upgraded_to_id = new.pk
            return _("The subscription was upgraded to %(offer)s.") % {"offer": offer.name}
        del kwargs["organization"]
        if action == "partner_of_record":
            services.subscription_set_partner_of_record(**kwargs, number=data["partner_of_record"])
            return _("The partner of record was updated.")
        services.subscription_set_support_contact(**kwargs, organization_pk=data["support_contact"])
        return _("The designated support contact was updated.")
    except ApplicationError as exc:
        form = forms.get(action)
        if form is not None and form.is_bound:
            add_service_error(form, exc)
        else:
            messages.error(request, exc.message)
        return None


@permission_required("customers.remove_relationship", partners_only=True)
def relationship_remove(request, tenant_id):
    """Remove reseller relationship: Global admin only, and only without active subscriptions."""
    relationship = selectors.relationship_get(partner=request.organization, tenant_id=tenant_id, with_activity=True)
    blocked = relationship.has_active_subscriptions  # the service checks again, under its lock
    if request.method == "POST" and not blocked:
        try:
            services.customer_relationship_remove(relationship=relationship, actor=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Your relationship with %(customer)s was removed.") % {"customer": relationship.customer_name},
            )
            return redirect("customers:customer-list")
    return render(request, "customers/relationship_remove.html", {"relationship": relationship, "blocked": blocked})
