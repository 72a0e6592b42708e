"""Admin relationships (GDAP) as the API shows and takes them; rules are the services'."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from access.models import AdminRelationship
from access.roles import MAX_DURATION_DAYS, AdminRole
from partnerhub.accounts.models import Role


class AdminRelationshipSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", help_text=_("The admin relationship's ID."))
    name = serializers.CharField()
    customer = serializers.UUIDField(source="customer.tenant_id", help_text=_("The customer's tenant ID."))
    roles = serializers.ListField(child=serializers.ChoiceField(choices=AdminRole.choices))
    duration_days = serializers.IntegerField()
    auto_extend = serializers.BooleanField()
    status = serializers.ChoiceField(choices=AdminRelationship.Status.choices)
    created_at = serializers.DateTimeField()
    request_expires_at = serializers.DateTimeField()
    approved_at = serializers.DateTimeField(allow_null=True)
    ends_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)


class AdminRelationshipCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    roles = serializers.ListField(child=serializers.ChoiceField(choices=AdminRole.choices), min_length=1, max_length=6)
    duration_days = serializers.IntegerField(min_value=1, max_value=MAX_DURATION_DAYS)
    auto_extend = serializers.BooleanField(default=False)


class AssignmentSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=AdminRole.choices)
    partner_role = serializers.ChoiceField(choices=Role.choices, required=False, allow_blank=True, default="")
    user = serializers.EmailField(required=False, allow_blank=True, default="", help_text=_("A partner user's email."))


class AssignmentsSerializer(serializers.Serializer):
    assignments = AssignmentSerializer(many=True, max_length=500)


class CustomerUserSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="user_id")
    email = serializers.EmailField(source="user.email")
    name = serializers.CharField(source="user.get_full_name")
    global_admin = serializers.BooleanField(source="is_global_admin")
