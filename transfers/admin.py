"""Staff see every transfer, its subscriptions and whether it belongs to a direct-bill move."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Transfer, TransferItem


class TransferItemInline(admin.TabularInline):
    model = TransferItem
    extra = 0
    can_delete = False
    fields = ("offer_name", "subscription_public_id", "quantity", "term_end", "is_open")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class TransitionFilter(admin.SimpleListFilter):
    title = _("direct-bill transition")
    parameter_name = "transition"

    def lookups(self, request, model_admin):
        return [("yes", _("Part of a direct-bill move")), ("no", _("Partner to partner"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(transition=None)
        if self.value() == "no":
            return queryset.filter(transition=None)
        return queryset


@admin.register(Transfer)
class TransferAdmin(admin.ModelAdmin):
    list_display = ("customer_name", "source_name", "target_name", "status", "initiated_by", "created_at",
                    "expires_at", "transition")  # fmt: skip
    list_filter = ("status", "initiated_by", TransitionFilter)
    search_fields = ("customer_name", "source_name", "target_name", "public_id")
    ordering = ("-created_at",)
    inlines = [TransferItemInline]
    readonly_fields = [field.name for field in Transfer._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
