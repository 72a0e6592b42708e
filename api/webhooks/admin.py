"""Staff's view of the webhooks, read-only: endpoints (never their secrets), and each delivery with its attempts
(the outbox view of `make run`)."""

from django.contrib import admin

from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnly):
    list_display = ("url", "organization", "is_active", "disabled_at", "created_at")
    list_filter = ("is_active",)
    search_fields = ("url", "organization__legal_name")
    exclude = ("secret", "previous_secret")


class AttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ("at", "duration_ms", "status_code", "error", "response_excerpt")
    readonly_fields = fields


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnly):
    list_display = ("event", "endpoint", "status", "attempts", "last_status_code", "next_attempt_at", "created_at")
    list_filter = ("status",)
    list_select_related = ("event", "endpoint")
    search_fields = ("event__event_id", "endpoint__url")
    readonly_fields = ("event", "endpoint", "organization")
    inlines = [AttemptInline]
