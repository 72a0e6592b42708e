"""Staff's side of billing: the vendor's billing profiles, tax rates and program discounts; invoices and
charge lines to read (issued documents never change); payments of vendor invoices, recorded through the
payment service; and the program's Insights (the same charts as a partner's, for the whole program)."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import insights
from .forms import TaxRateForm
from .models import BillingError, BillingProfile, ChargeLine, Invoice, Payment, PriceRule, TaxRate
from .services.payments import payment_record
from .services.runs import next_billing_day
from .views.insights import chart_csv, insights_context


class VendorFilter(admin.SimpleListFilter):
    title = _("issuer")
    parameter_name = "vendor"

    def lookups(self, request, model_admin):
        return [("yes", _("The vendor")), ("no", _("Partners"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(issuer=None)
        if self.value() == "no":
            return queryset.exclude(issuer=None)
        return queryset


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(BillingProfile)
class BillingProfileAdmin(admin.ModelAdmin):
    list_display = ("recipient", "issuer", "currency", "billing_day", "payment_terms_days", "credit_limit",
                    "price_tier", "blocked_at", "next_run_on")  # fmt: skip
    list_filter = (VendorFilter, "currency", "billing_day")
    search_fields = ("recipient__legal_name", "issuer__legal_name")
    list_select_related = ("recipient", "issuer")
    raw_id_fields = ("issuer", "recipient")
    fields = ("issuer", "recipient", "currency", "billing_day", "payment_terms_days", "credit_limit", "price_tier",
              "auto_block_after_days", "blocked_at", "block_reason", "period_start", "next_run_on")  # fmt: skip
    # A block goes through orders_block / orders_unblock (the partner's page, the API): audited, emailed.
    readonly_fields = ("issuer", "recipient", "currency", "blocked_at", "block_reason", "period_start", "next_run_on")

    def has_add_permission(self, request) -> bool:
        return False  # a pair's profile is created when it is first billed

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None or obj.issuer_id is None  # staff edit the vendor's terms; partners edit theirs

    def save_model(self, request, obj, form, change) -> None:
        """A new billing day moves the open period's end, as the partner's page does (profile_update)."""
        if "billing_day" in form.changed_data:
            obj.next_run_on = max(next_billing_day(obj.period_start, obj.billing_day),
                                  obj.period_start + timedelta(days=1))  # fmt: skip
        super().save_model(request, obj, form, change)


@admin.register(TaxRate)
class TaxRateAdmin(admin.ModelAdmin):
    list_display = ("country", "rate", "reverse_charge", "wording", "issuer")
    list_filter = ("reverse_charge",)
    search_fields = ("country", "wording")
    form = TaxRateForm  # the vendor's (issuer empty): one per country, reverse charge at 0

    def get_queryset(self, request):
        return super().get_queryset(request).filter(issuer=None)  # the vendor's; partners keep theirs


class PriceRuleForm(forms.ModelForm):
    class Meta:
        model = PriceRule
        fields = ("name", "program", "offer", "percent", "effective_from")

    def clean_effective_from(self):
        day = self.cleaned_data["effective_from"]
        if day < timezone.localdate() and (self.instance.pk is None or "effective_from" in self.changed_data):
            raise forms.ValidationError(_("A price change applies from today or later."))
        return day


@admin.register(PriceRule)
class PriceRuleAdmin(admin.ModelAdmin):
    """The vendor's discount per program (issuer empty), effective-dated."""

    form = PriceRuleForm
    list_display = ("name", "program", "offer", "percent", "effective_from", "created_at")
    list_filter = ("program",)
    search_fields = ("name",)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(issuer=None)

    def _used(self, obj) -> bool:
        return obj is not None and ChargeLine.objects.filter(price_rule=obj).exists()

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and not self._used(obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and not self._used(obj)

    def save_model(self, request, obj, form, change) -> None:
        obj.issuer = None
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ("number", "kind", "issuer", "recipient_name", "currency", "total", "status", "issued_at", "due_on")
    list_filter = (VendorFilter, "kind", "status", "currency")
    search_fields = ("number", "recipient_name", "issuer_name")
    list_select_related = ("issuer",)
    date_hierarchy = "issued_at"

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_staff


@admin.register(ChargeLine)
class ChargeLineAdmin(ReadOnlyAdmin):
    list_display = ("event_on", "charge_type", "issuer", "recipient", "offer", "quantity", "subtotal", "currency",
                    "price_list", "invoice")  # fmt: skip
    list_filter = (VendorFilter, "charge_type", "currency", "is_adjustment")
    search_fields = ("source", "price_list", "recipient__legal_name")
    list_select_related = ("issuer", "recipient", "offer", "invoice")
    show_full_result_count = False

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_staff

    def get_urls(self):
        return [
            path("insights/", self.admin_site.admin_view(self.insights_view), name="billing_program_insights"),
            path(
                "insights/<slug:chart>.csv",
                self.admin_site.admin_view(self.insights_csv),
                name="billing_program_insights_csv",
            ),  # fmt: skip
            *super().get_urls(),
        ]

    def insights_view(self, request):
        """The program's Insights: the vendor's revenue and every partner tier, for staff."""
        if not request.user.is_staff:
            raise PermissionDenied
        scope = insights.Scope.whole_program()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Program insights"),
            "csv_url": request.path,
            **insights_context(request, scope, _main_currency(scope)),
        }
        return TemplateResponse(request, "admin/billing/program_insights.html", context)

    def insights_csv(self, request, chart):
        if not request.user.is_staff:
            raise PermissionDenied
        scope = insights.Scope.whole_program()
        found = insights.chart(scope, chart, currency=request.GET.get("currency") or "USD", today=timezone.localdate())
        if found is None:
            raise Http404
        return chart_csv(found)


def _main_currency(scope: insights.Scope) -> str:
    available = insights.currencies(scope)
    return "USD" if "USD" in available or not available else available[0]


class PaymentForm(forms.ModelForm):
    class Meta:
        model = Payment
        fields = ("invoice", "amount", "received_on", "reference")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "invoice" in self.fields:
            self.fields["invoice"].queryset = Invoice.objects.filter(  # type: ignore[attr-defined]
                Q(issuer=None), kind=Invoice.Kind.INVOICE, status=Invoice.Status.OPEN
            ).order_by("-issued_at")

    def clean_received_on(self):
        day = self.cleaned_data["received_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("A payment can't be received in the future."))
        return day

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is None or amount <= 0:
            raise forms.ValidationError(_("A payment is for an amount above zero."))
        return amount

    def validate_unique(self) -> None:
        pass  # payment_record answers a reference recorded twice with the first payment


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    """Payments received for the vendor's invoices: recorded through the payment service (the invoice settles,
    the same bank reference twice records one payment); never changed afterwards."""

    form = PaymentForm
    list_display = ("received_on", "invoice", "recipient", "amount", "currency", "reference", "method")
    list_filter = (VendorFilter, "method", "currency")
    search_fields = ("reference", "invoice__number", "recipient__legal_name")
    list_select_related = ("invoice", "recipient")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        try:
            payment, created = payment_record(
                invoice=form.cleaned_data["invoice"], amount=form.cleaned_data["amount"],
                received_on=form.cleaned_data["received_on"], reference=form.cleaned_data["reference"] or "",
                actor=request.user,
            )  # fmt: skip
        except BillingError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        obj.pk, obj.issuer_id, obj.recipient_id = payment.pk, payment.issuer_id, payment.recipient_id
        obj.currency = payment.currency
        if not created:
            self.message_user(request, _("This bank reference was recorded already: nothing new."), messages.WARNING)
