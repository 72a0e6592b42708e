"""The reseller's "Provider access" log (relationships.selectors.provider_access_log) in the API."""

from __future__ import annotations

from rest_framework import serializers

from partnerhub.core.models import AuditEvent
from relationships.admin_access import INVITATION_RESENT, OPENED, PASSWORD_RESET

ACTIONS = {OPENED: "opened", PASSWORD_RESET: "password-reset", INVITATION_RESENT: "invitation-resent"}


class ProviderAccessSerializer(serializers.ModelSerializer):
    """One use of the provider's admin access to the reseller's account: when, who (the provider's user, named
    as the reseller's own audit row names them), what, and about whom."""

    action = serializers.SerializerMethodField()
    provider_user = serializers.SerializerMethodField()
    provider_user_email = serializers.SerializerMethodField()
    subject = serializers.SerializerMethodField(help_text="The user or invitation the action concerned, if any.")

    class Meta:
        model = AuditEvent
        fields = ["id", "created_at", "action", "provider_user", "provider_user_email", "subject"]
        read_only_fields = fields

    def get_action(self, event: AuditEvent) -> str:
        return ACTIONS.get(event.code, event.code)

    def get_provider_user(self, event: AuditEvent) -> str:
        return str(event.data.get("provider_user", ""))

    def get_provider_user_email(self, event: AuditEvent) -> str:
        return str(event.data.get("provider_user_email", ""))

    def get_subject(self, event: AuditEvent) -> str:
        return str(event.data.get("user") or event.data.get("email") or "")
