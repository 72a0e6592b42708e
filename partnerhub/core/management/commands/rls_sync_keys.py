"""`manage.py rls_sync_keys`: store the row-level security context keys of these settings in the database.

Run as the tables' owner (`DATABASE_URL="$DATABASE_OWNER_URL"`), after changing RLS_CONTEXT_KEY or
RLS_CONTEXT_KEYS_FALLBACK, without a migration. `migrate` does the same at its end (post_migrate).
"""

from django.core.management.base import BaseCommand, CommandError

from partnerhub.core import rls


class Command(BaseCommand):
    help = (
        "Store RLS_CONTEXT_KEY and RLS_CONTEXT_KEYS_FALLBACK where partnerhub_bypass() verifies the bypass "
        "(run as the owner)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default")

    def handle(self, *args, database="default", **options):
        try:
            stored = rls.sync_keys(database)
        except rls.KeySyncError as error:
            raise CommandError(str(error)) from error
        if stored is None:
            raise CommandError(
                f"This role does not own the schema {rls.PRIVATE_SCHEMA} (or core migration 0004 has not run): "
                'run as the owner, e.g. DATABASE_URL="$DATABASE_OWNER_URL" python manage.py rls_sync_keys'
            )
        self.stdout.write(
            f"{stored} key(s) stored; a bypass signed with RLS_CONTEXT_KEY verifies, a forged one does not."
        )
