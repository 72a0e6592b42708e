"""A suspension remembers its reason, its cause (a re-check's case, or staff) and the status it interrupted,
so Legal info can say what lifts it and reinstatement can restore the status.

Enrolments suspended before this migration are backfilled from their latest `partnerhub.enrollment.suspended`
audit row; the interrupted status was never recorded, so it stays empty and reinstatement follows the rules
(Qualified, Active once the agreement is accepted with a partner ID associated).
"""

import django.db.models.deletion
from django.db import migrations, models

LAPSED_REASON = "The new primary contact's email address wasn't verified in time."


def backfill_suspensions(apps, schema_editor):
    ProgramEnrollment = apps.get_model("enrollment", "ProgramEnrollment")
    VerificationCase = apps.get_model("enrollment", "VerificationCase")
    AuditEvent = apps.get_model("core", "AuditEvent")
    for enrollment in ProgramEnrollment.objects.filter(status="suspended", suspended_at=None).iterator(chunk_size=500):
        event = (
            AuditEvent.objects.filter(
                code="partnerhub.enrollment.suspended",
                object_type="enrollment.programenrollment",
                object_id=str(enrollment.pk),
            )
            .order_by("-created_at", "-pk")
            .first()
        )
        if event is None:
            continue
        reason = event.data.get("reason", "")
        case_pk = event.data.get("case")
        ProgramEnrollment.objects.filter(pk=enrollment.pk).update(
            suspended_at=event.created_at,
            suspension_reason=LAPSED_REASON if reason == "recheck_lapsed" else reason,
            suspension_case_id=case_pk if case_pk and VerificationCase.objects.filter(pk=case_pk).exists() else None,
        )


class Migration(migrations.Migration):

    dependencies = [
        ('enrollment', '0003_case_submitted_details'),
        ('core', '0002_row_level_security'),
    ]

    operations = [
        migrations.AddField(
            model_name='programenrollment',
            name='suspended_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='suspended'),
        ),
        migrations.AddField(
            model_name='programenrollment',
            name='suspended_from',
            field=models.CharField(blank=True, max_length=32, verbose_name='status before the suspension'),
        ),
        migrations.AddField(
            model_name='programenrollment',
            name='suspension_case',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='enrollment.verificationcase'),
        ),
        migrations.AddField(
            model_name='programenrollment',
            name='suspension_reason',
            field=models.TextField(blank=True, verbose_name='suspension reason'),
        ),
        migrations.RunPython(backfill_suspensions, migrations.RunPython.noop),
    ]
