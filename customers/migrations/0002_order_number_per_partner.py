# Order numbers per partner: a provider's first order is #1 (issue 14, "#3 for a provider's first order").
from django.db import migrations, models
import django.db.models.deletion

from partnerhub.core.rls_migrations import ForAllPolicy

BACKFILL = """
    UPDATE customers_order o SET number = n.number
    FROM (SELECT id, row_number() OVER (PARTITION BY partner_id ORDER BY created_at, id) AS number
          FROM customers_order) n
    WHERE o.id = n.id;
    INSERT INTO customers_ordernumbersequence (organization_id, last_number)
    SELECT partner_id, max(number) FROM customers_order GROUP BY partner_id;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_unread_notifications"),
        ("core", "0002_row_level_security"),
        ("customers", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="OrderNumberSequence",
            fields=[
                (
                    "organization",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="accounts.organization",
                    ),
                ),
                ("last_number", models.PositiveIntegerField(default=0)),
            ],
            options={"verbose_name": "order number sequence"},
        ),
        ForAllPolicy("customers_ordernumbersequence", "organization_id = (SELECT partnerhub_org())"),
        migrations.AddField(
            model_name="order",
            name="number",
            field=models.PositiveIntegerField(null=True, verbose_name="order number"),
        ),
        # Existing orders keep their order (placed, id) and are numbered per partner; each sequence continues.
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="order",
            name="number",
            field=models.PositiveIntegerField(verbose_name="order number"),
        ),
        migrations.AddConstraint(
            model_name="order",
            constraint=models.UniqueConstraint(fields=("partner", "number"), name="order_number_unique_per_partner"),
        ),
    ]
