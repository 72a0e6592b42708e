"""Each verification case keeps the details it was submitted with (a snapshot, never rewritten).

Cases opened before this migration have no snapshot; the best record left is the enrolment's current
details, so they are backfilled from it (the audit trail names which fields changed, not their old values).
"""

from django.db import migrations, models

SNAPSHOT_FIELDS = (
    "legal_name", "address_line1", "address_line2", "city", "state", "postal_code", "registration_number",
    "contact_first_name", "contact_last_name", "contact_email", "contact_phone",
    "support_email", "support_phone", "support_website",
)  # fmt: skip


def backfill_submitted_details(apps, schema_editor):
    VerificationCase = apps.get_model("enrollment", "VerificationCase")
    cases = VerificationCase.objects.filter(submitted_details={}).select_related("enrollment__organization")
    for case in cases.iterator(chunk_size=500):
        enrollment = case.enrollment
        snapshot = {key: str(getattr(enrollment, key) or "") for key in SNAPSHOT_FIELDS}
        snapshot["country"] = str(enrollment.organization.country)
        VerificationCase.objects.filter(pk=case.pk).update(submitted_details=snapshot)


class Migration(migrations.Migration):
    dependencies = [
        ("enrollment", "0002_global_partner_ids"),
    ]

    operations = [
        migrations.AddField(
            model_name="verificationcase",
            name="submitted_details",
            field=models.JSONField(blank=True, default=dict, editable=False, verbose_name="submitted details"),
        ),
        migrations.RunPython(backfill_submitted_details, migrations.RunPython.noop),
    ]
