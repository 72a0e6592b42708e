"""Outbox bodies at rest: sealed with OUTBOX_ENCRYPTION_KEYS, redacted once sent (see core/outbox_sealing.py).

Existing rows: a queued or failed email may still be sent (or sent again from the admin), so its bodies
are encrypted as they are; a sent email's bodies are replaced by their redacted copy (links cut short),
then encrypted too. Runs as the owner, who reads every row (row-level security does not apply to it).
Backwards, the bodies are decrypted in place; a sent email's links stay cut short.
"""

from django.db import migrations

import partnerhub.core.outbox_sealing

BATCH = 500


def seal_existing(apps, schema_editor):
    from partnerhub.core.outbox_sealing import PREFIX, redact_html, redact_text

    OutboundEmail = apps.get_model("core", "OutboundEmail")
    rows = OutboundEmail.objects.using(schema_editor.connection.alias).only("pk", "status", "body_text", "body_html")
    batch = []
    # The field reads a value without the prefix as it is (the clear text written before this migration)
    # and seals what it writes.
    for email in rows.exclude(body_text__startswith=PREFIX).order_by("pk").iterator(chunk_size=BATCH):
        if email.status == "sent":
            email.body_text = redact_text(email.body_text)
            email.body_html = redact_html(email.body_html)
        batch.append(email)
        if len(batch) >= BATCH:
            OutboundEmail.objects.using(schema_editor.connection.alias).bulk_update(batch, ["body_text", "body_html"])
            batch = []
    if batch:
        OutboundEmail.objects.using(schema_editor.connection.alias).bulk_update(batch, ["body_text", "body_html"])


def unseal_existing(apps, schema_editor):
    OutboundEmail = apps.get_model("core", "OutboundEmail")
    table = OutboundEmail._meta.db_table
    rows = OutboundEmail.objects.using(schema_editor.connection.alias).only("pk", "body_text", "body_html")
    with schema_editor.connection.cursor() as cursor:
        for email in rows.order_by("pk").iterator(chunk_size=BATCH):  # the field decrypts on read
            cursor.execute(
                f"UPDATE {schema_editor.quote_name(table)} SET body_text = %s, body_html = %s WHERE id = %s",  # noqa: S608
                [str(email.body_text), str(email.body_html), email.pk],
            )


class Migration(migrations.Migration):
    dependencies = [("core", "0002_row_level_security")]

    operations = [
        migrations.AlterField(
            model_name="outboundemail",
            name="body_text",
            field=partnerhub.core.outbox_sealing.SealedTextField(verbose_name="text body"),
        ),
        migrations.AlterField(
            model_name="outboundemail",
            name="body_html",
            field=partnerhub.core.outbox_sealing.SealedTextField(blank=True, verbose_name="HTML body"),
        ),
        migrations.RunPython(seal_existing, unseal_existing, elidable=False),
    ]
