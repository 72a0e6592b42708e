"""`manage.py outbox_reseal`: re-encrypt the sealed outbox bodies under the first OUTBOX_ENCRYPTION_KEYS key.

Run after putting a new key first (docs/outbox-secrets.md); then the old key can be dropped. Sent rows
hold redacted bodies only and are re-encrypted as well, so no row depends on the old key afterwards."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from partnerhub.core import rls
from partnerhub.core.models import OutboundEmail
from partnerhub.core.outbox_sealing import UnreadableBody, is_sealed_with_current_key


class Command(BaseCommand):
    help = "Re-encrypt the outbox's email bodies under the first key of OUTBOX_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        table = connection.ops.quote_name(OutboundEmail._meta.db_table)
        resealed = unreadable = 0
        with rls.system("outbox_reseal"):
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT id, body_text, body_html FROM {table} ORDER BY id")  # noqa: S608
                stale = [
                    pk
                    for pk, text, html in cursor.fetchall()
                    if not (is_sealed_with_current_key(text) and is_sealed_with_current_key(html))
                ]
            for pk in stale:
                with transaction.atomic():
                    email = OutboundEmail.objects.select_for_update().only("body_text", "body_html").get(pk=pk)
                    if isinstance(email.body_text, UnreadableBody) or isinstance(email.body_html, UnreadableBody):
                        unreadable += 1
                        continue
                    OutboundEmail.objects.filter(pk=pk).update(body_text=email.body_text, body_html=email.body_html)
                    resealed += 1
        self.stdout.write(f"{resealed} email(s) re-encrypted; {unreadable} sealed with a key no longer configured.")
        if unreadable:
            self.stderr.write("Keep the old key in OUTBOX_ENCRYPTION_KEYS until those are sent or deleted.")
