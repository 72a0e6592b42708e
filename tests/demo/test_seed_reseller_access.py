"""The demo shows the provider's admin access used once: Fabrikam's Provider access page has an entry."""

import pytest
from django.core.management import call_command
from django.test import Client

from partnerhub.accounts.models import User
from partnerhub.core.models import AuditEvent
from relationships.models import PartnerRelationship


@pytest.mark.django_db
def test_the_seed_records_one_use_of_the_providers_admin_access(capsys):
    call_command("seed_demo")
    call_command("seed_demo")

    relationship = PartnerRelationship.objects.get(
        provider__legal_name="Contoso Distribution Inc.", reseller__legal_name="Fabrikam Solutions LLC", status="active"
    )
    resets = AuditEvent.objects.filter(code="partnerhub.reseller_account.password_reset")
    assert sorted(e.organization_id for e in resets) == sorted([relationship.provider_id, relationship.reseller_id])
    reseller = Client()
    reseller.force_login(User.objects.get(email="alex.wilber@fabrikam-solutions.example"))
    page = reseller.get(f"/partners/providers/{relationship.pk}/").content.decode()
    assert "Reset the password of diego.siciliani@fabrikam-solutions.example" in page
