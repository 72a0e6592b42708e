"""Users, organizations, memberships, invitations and the webmail allow-list, for operators."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import AllowedEmailDomain, Membership, Organization, User, UserInvitation


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active", "date_joined"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name", "phone", "language"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["legal_name", "kind", "country", "csp_region", "currency", "primary_domain", "created_at"]
    list_filter = ["kind", "csp_region"]
    search_fields = ["legal_name", "primary_domain", "tenant_id"]
    readonly_fields = ["tenant_id", "csp_region", "currency", "created_at"]
    inlines = [MembershipInline]


@admin.register(UserInvitation)
class UserInvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organization", "status", "created_at", "expires_at", "accepted_at", "revoked_at"]
    search_fields = ["email", "organization__legal_name"]
    list_select_related = ["organization"]
    readonly_fields = [f.name for f in UserInvitation._meta.fields]

    def has_add_permission(self, request):
        return False  # invitations are created in the portal, where the link is emailed


@admin.register(AllowedEmailDomain)
class AllowedEmailDomainAdmin(admin.ModelAdmin):
    """Domains that look like webmail but belong to a real business: they may sign up."""

    list_display = ["domain", "reason", "created_at"]
    search_fields = ["domain"]
