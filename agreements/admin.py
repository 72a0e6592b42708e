from django.contrib import admin, messages

from partnerhub.core.errors import ApplicationError

from . import services
from .forms import AgreementVersionChangeForm, AgreementVersionForm
from .models import AgreementAcceptance, AgreementVersion, CustomerAgreementAcceptance


@admin.register(AgreementVersion)
class AgreementVersionAdmin(admin.ModelAdmin):
    """Staff publish agreement texts; a new version's PDF and hash never change afterwards."""

    list_display = [
        "type",
        "version",
        "language",
        "effective_date",
        "active",
        "requires_reacceptance",
        "acceptance_deadline",
        "reminded_at",
        "sha256",
    ]
    list_filter = ["type", "active", "language"]
    form = AgreementVersionForm

    def get_form(self, request, obj=None, **kwargs):
        if obj is not None:  # an existing version: only the flags and the acceptance deadline can change
            kwargs["form"] = AgreementVersionChangeForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if obj:
            return ["type", "version", "language", "effective_date", "document", "sha256", "size", "remind_at",
                    "reminded_at"]  # fmt: skip
        return []

    def save_model(self, request, obj, form, change):
        if change:
            try:
                services.agreement_version_update(
                    version=obj,
                    actor=request.user,
                    active=form.cleaned_data["active"],
                    requires_reacceptance=form.cleaned_data["requires_reacceptance"],
                    acceptance_deadline=form.cleaned_data["acceptance_deadline"],
                )
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            return None
        try:
            fields = ("type", "version", "language", "effective_date", "requires_reacceptance", "acceptance_deadline")
            created = services.agreement_version_create(
                actor=request.user,
                content=form.cleaned_data["upload"].read(),
                **{key: form.cleaned_data[key] for key in fields},
            )
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return None
        obj.pk = created.pk
        return None

    def has_delete_permission(self, request, obj=None):
        return False  # accepted versions are evidence


@admin.register(AgreementAcceptance)
class AgreementAcceptanceAdmin(admin.ModelAdmin):
    list_display = ["organization", "version", "csp_region", "first_name", "last_name", "email", "accepted_at"]
    list_filter = ["csp_region", "version"]
    search_fields = ["organization__legal_name", "email"]
    list_select_related = ["organization", "version"]
    readonly_fields = [field.name for field in AgreementAcceptance._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CustomerAgreementAcceptance)
class CustomerAgreementAcceptanceAdmin(admin.ModelAdmin):
    """Customer agreement acceptances: evidence, read-only."""

    list_display = ["customer", "version", "method", "partner", "contact_name", "date_agreed", "created_at"]
    list_filter = ["method", "version"]
    search_fields = ["customer__legal_name", "email", "last_name"]
    list_select_related = ["customer", "version", "partner"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
