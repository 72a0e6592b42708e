"""Operators' views: the offer catalogue (edited here), customers, relationships, orders and
subscriptions (read-only: partners change them through the portal's services)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from partnerhub.core.regions import CspRegion

from .models import (
    Customer,
    CustomerInvitation,
    CustomerRelationship,
    Offer,
    OfferPrice,
    Order,
    OrderLine,
    Subscription,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class OfferPriceInline(admin.TabularInline):
    model = OfferPrice
    extra = 1


class OfferForm(forms.ModelForm):
    csp_regions = forms.MultipleChoiceField(
        label=_("CSP regions"), choices=CspRegion.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Offer
        fields = [
            "sku",
            "name",
            "description",
            "billing_type",
            "term",
            "minimum_quantity",
            "maximum_quantity",
            "customer_limit",
            "csp_regions",
            "countries",
            "is_available",
            "rank",
        ]


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    form = OfferForm
    list_display = ["name", "sku", "billing_type", "term", "minimum_quantity", "maximum_quantity", "is_available"]
    list_filter = ["is_available", "billing_type", "term"]
    search_fields = ["name", "sku"]
    inlines = [OfferPriceInline]


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = ["organization", "domain", "contact_email", "created_by_partner"]
    search_fields = ["domain", "organization__legal_name", "contact_email"]
    list_select_related = ["organization", "created_by_partner"]


@admin.register(CustomerRelationship)
class CustomerRelationshipAdmin(ReadOnlyAdmin):
    list_display = ["customer_name", "partner", "kind", "reseller", "delegated_admin", "status", "created_at"]
    list_filter = ["status", "kind", "delegated_admin"]
    search_fields = ["customer_name", "partner__legal_name"]
    list_select_related = ["partner", "reseller"]


@admin.register(CustomerInvitation)
class CustomerInvitationAdmin(ReadOnlyAdmin):
    list_display = ["sent_by", "partner", "reseller", "delegated_admin", "created_at", "accepted_at", "revoked_at"]
    list_select_related = ["sent_by", "partner", "reseller"]
    exclude = ["token_hash"]


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    readonly_fields = ("line_number", "offer", "quantity", "term", "unit_price", "partner_of_record", "subscription")
    fields = readonly_fields


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ["pk", "partner", "number", "customer", "currency", "created_at"]
    list_select_related = ["partner", "customer"]
    search_fields = ["customer__legal_name", "partner__legal_name"]
    inlines = [OrderLineInline]


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["display_name", "customer", "partner", "quantity", "status", "auto_renew", "created_at"]
    list_filter = ["status", "auto_renew"]
    list_select_related = ["customer", "partner", "offer"]
    search_fields = ["public_id", "customer__legal_name", "friendly_name", "offer__name"]
