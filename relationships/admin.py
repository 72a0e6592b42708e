from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from partnerhub.core.errors import ApplicationError

from .models import ProviderListing
from .services import provider_listing_publish


@admin.register(ProviderListing)
class ProviderListingAdmin(admin.ModelAdmin):
    list_display = ["display_name", "organization", "status", "published_at"]
    list_filter = ["status"]
    search_fields = ["display_name", "organization__legal_name"]
    list_select_related = ["organization"]
    readonly_fields = ["organization", "status", "created_at", "published_at"]
    actions = ["publish"]

    def has_add_permission(self, request):
        return False  # drafts are created when a provider's enrolment is authorized

    @admin.action(description=_("Publish in the directory"))
    def publish(self, request, queryset):
        for listing in queryset:
            try:
                provider_listing_publish(listing=listing, actor=request.user)
            except ApplicationError as exc:
                self.message_user(request, f"{listing}: {exc.message}", messages.ERROR)
