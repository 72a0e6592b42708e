from django import forms
from django.contrib import admin, messages
from django.contrib.postgres.forms import SimpleArrayField
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partnerhub.core.documents import JPEG, PNG, DocumentRefused, parse_document
from partnerhub.core.errors import ApplicationError

from .models import ListingChangeRequest, PartnerRelationship, PartnershipInvitation, ProviderListing, ProviderService
from .services import provider_listing_publish


class ProviderListingForm(forms.ModelForm):
    services = forms.MultipleChoiceField(
        choices=ProviderService.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    website = forms.URLField(label=_("website"), max_length=200, required=False, assume_scheme="https")

    class Meta:
        model = ProviderListing
        fields = [
            "display_name",
            "logo",
            "website",
            "contact_email",
            "description",
            "countries",
            "csp_regions",
            "services",
        ]

    def add_error(self, field, error):
        """Django's array fields keep an item's params after formatting its error (contrib.postgres
        `prefix_validation_error`), so rendering formats it twice and a value holding "% d" (as in
        "{% debug %}") raised TypeError: store those as the plain sentences they already are."""
        if isinstance(error, forms.ValidationError) and isinstance(self.fields.get(field), SimpleArrayField):
            error = forms.ValidationError(
                [str(item.message) if item.params and "nth" in item.params else item for item in error.error_list]
            )
        super().add_error(field, error)

    def clean_logo(self):
        """A PNG or JPEG that decodes whole (Pillow), not merely one that starts like one."""
        logo = self.cleaned_data.get("logo")
        if logo and hasattr(logo, "read") and getattr(logo, "size", 0):
            if logo.size > 512 * 1024:
                raise forms.ValidationError(_("The logo must be 512 KB or smaller."))
            content = logo.read()
            logo.seek(0)
            try:
                parse_document(content, accepted=(PNG, JPEG))
            except DocumentRefused as exc:
                raise forms.ValidationError(exc.message, code=exc.code) from None
        return logo


@admin.register(ProviderListing)
class ProviderListingAdmin(admin.ModelAdmin):
    """The provider directory, kept by staff."""

    form = ProviderListingForm
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


@admin.register(ListingChangeRequest)
class ListingChangeRequestAdmin(admin.ModelAdmin):
    """Providers' change requests for their listing: the directory team's queue."""

    list_display = ["created_at", "listing", "requested_by", "status", "resolved_at"]
    list_filter = ["status"]
    list_select_related = ["listing", "requested_by"]
    readonly_fields = ["listing", "organization", "requested_by", "message", "created_at", "resolved_at"]
    actions = ["mark_done"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Mark as done"))
    def mark_done(self, request, queryset):
        queryset.filter(status=ListingChangeRequest.Status.OPEN).update(
            status=ListingChangeRequest.Status.DONE, resolved_at=timezone.now()
        )


@admin.register(PartnershipInvitation)
class PartnershipInvitationAdmin(admin.ModelAdmin):
    list_display = ["provider", "created_at", "recipient_email", "status", "expires_at", "reseller"]
    list_select_related = ["provider", "reseller"]
    search_fields = ["provider__legal_name", "recipient_email"]
    readonly_fields = [field.name for field in PartnershipInvitation._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(PartnerRelationship)
class PartnerRelationshipAdmin(admin.ModelAdmin):
    list_display = ["provider", "reseller", "status", "admin_access", "created_at", "removed_at"]
    list_filter = ["status", "admin_access"]
    list_select_related = ["provider", "reseller"]
    search_fields = ["provider__legal_name", "reseller__legal_name"]
    readonly_fields = [field.name for field in PartnerRelationship._meta.fields]

    def has_add_permission(self, request):
        return False
