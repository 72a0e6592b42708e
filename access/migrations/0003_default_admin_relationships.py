"""Existing customer relationships with delegated admin get the default admin relationship (active, two years,
no auto-extend, its roles assigned to the partner's Global admins and Admin agents), so that partners keep the
access the old flag described, now through a relationship the customer sees and can terminate."""

from datetime import timedelta

from django.db import migrations
from django.utils import timezone

DEFAULT_ROLES = ["global_reader", "user_administrator", "helpdesk_administrator", "license_administrator"]
PARTNER_ROLES = ["global_admin", "admin_agent"]


def forwards(apps, schema_editor):
    CustomerRelationship = apps.get_model("customers", "CustomerRelationship")
    AdminRelationship = apps.get_model("access", "AdminRelationship")
    AdminRoleAssignment = apps.get_model("access", "AdminRoleAssignment")
    now = timezone.now()
    live = ["approval_pending", "active", "expiring"]
    for row in CustomerRelationship.objects.filter(status="active", delegated_admin=True).select_related("customer"):
        if AdminRelationship.objects.filter(partner_id=row.partner_id, customer_id=row.customer_id,
                                            status__in=live).exists():  # fmt: skip
            continue
        relationship = AdminRelationship.objects.create(
            partner_id=row.partner_id,
            customer_id=row.customer_id,
            name=f"Default_{row.customer.tenant_id.hex}",
            roles=DEFAULT_ROLES,
            duration_days=730,
            auto_extend=False,
            status="active",
            created_at=now,
            request_expires_at=now,
            approved_at=now,
            ends_at=now + timedelta(days=730),
        )
        AdminRoleAssignment.objects.bulk_create(
            AdminRoleAssignment(relationship=relationship, role=role, partner_role=partner_role, created_at=now)
            for role in DEFAULT_ROLES
            for partner_role in PARTNER_ROLES
        )


class Migration(migrations.Migration):
    dependencies = [("access", "0002_row_level_security"), ("customers", "0004_row_level_security")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
