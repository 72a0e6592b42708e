"""Staff's view of the API: each organization's budget (API limits) and its clients, read-only."""

from django.contrib import admin

from .models import ApiClient, ApiLimit


@admin.register(ApiLimit)
class ApiLimitAdmin(admin.ModelAdmin):
    list_display = ("organization", "requests_per_minute", "note", "updated_at")
    search_fields = ("organization__legal_name",)
    autocomplete_fields = ("organization",)


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "client_id", "created_at", "expires_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "client_id", "organization__legal_name")
    readonly_fields = [field.name for field in ApiClient._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False  # a Global admin creates clients in Account settings → API; the secret is shown once there


from .webhooks import admin as webhooks_admin  # noqa: E402, F401 - the read-only admin of the webhooks
