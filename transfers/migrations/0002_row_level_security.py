# ruff: noqa: S608 - policy conditions built from the helper's constants
"""Row-level security of transfers: the three parties (sending partner, receiving partner, customer) read a
transfer and its subscriptions and write them; no one else sees them."""

from django.db import migrations

from partnerhub.core.rls_migrations import A, TenantPolicies

PARTIES = f"{A} IN (source_id, target_id, customer_id)"


class Migration(migrations.Migration):
    dependencies = [("transfers", "0001_initial"), ("core", "0004_per_command_policies")]

    operations = [
        TenantPolicies("transfers_transfer", read=PARTIES, write=PARTIES),
        TenantPolicies(
            "transfers_transferitem",
            read="EXISTS (SELECT 1 FROM transfers_transfer t WHERE t.id = transfers_transferitem.transfer_id)",
            write=(
                "EXISTS (SELECT 1 FROM transfers_transfer t WHERE t.id = transfers_transferitem.transfer_id"
                f" AND {A} IN (t.source_id, t.target_id, t.customer_id))"
            ),
        ),
    ]
