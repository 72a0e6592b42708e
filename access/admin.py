"""Operators' views of admin relationships: read-only (the partner and the customer change them through the
portal's services)."""

from django.contrib import admin

from customers.admin import ReadOnlyAdmin

from .models import AdminRelationship, AdminRoleAssignment, LicenseAssignment


class AdminRoleAssignmentInline(admin.TabularInline):
    model = AdminRoleAssignment
    fields = ("role", "partner_role", "membership")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AdminRelationship)
class AdminRelationshipAdmin(ReadOnlyAdmin):
    list_display = ("name", "partner", "customer", "status", "auto_extend", "created_at", "ends_at")
    list_filter = ("status", "auto_extend")
    search_fields = ("name", "partner__legal_name", "customer__legal_name", "public_id")
    list_select_related = ("partner", "customer")
    ordering = ("-created_at",)
    readonly_fields = (
        "public_id", "partner", "customer", "name", "roles", "duration_days", "auto_extend", "status",
        "created_by", "created_at", "request_expires_at", "approved_by", "approved_at", "ends_at", "ended_at",
        "terminated_by", "terminated_side", "extended_count", "reminded_30_at", "reminded_7_at",
    )  # fmt: skip
    exclude = ("token_hash",)
    inlines = [AdminRoleAssignmentInline]


@admin.register(LicenseAssignment)
class LicenseAssignmentAdmin(ReadOnlyAdmin):
    list_display = ("subscription", "user", "customer", "assigned_at")
    search_fields = ("user__email", "customer__legal_name")
    list_select_related = ("subscription", "user", "customer")
