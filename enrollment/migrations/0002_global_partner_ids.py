"""Organizations created before enrolment existed get their global partner ID."""

from django.db import migrations


def issue_global_ids(apps, schema_editor):
    Organization = apps.get_model("accounts", "Organization")
    PartnerId = apps.get_model("enrollment", "PartnerId")
    for organization in Organization.objects.exclude(partner_ids__kind="global"):
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT nextval('enrollment_partner_id_number_seq')")
            number = cursor.fetchone()[0]
        PartnerId.objects.create(
            organization=organization,
            kind="global",
            number=number,
            business_name=organization.legal_name,
            country=organization.country,
            address_line1=organization.address_line1,
            address_line2=organization.address_line2,
            city=organization.city,
            state=organization.state,
            postal_code=organization.postal_code,
        )


class Migration(migrations.Migration):
    dependencies = [("enrollment", "0001_initial")]

    operations = [migrations.RunPython(issue_global_ids, migrations.RunPython.noop)]
