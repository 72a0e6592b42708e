"""The demo seed of `make run`: every sign-in works, every verification state is on show, twice is once."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from enrollment.models import ProgramEnrollment, VerificationCase
from partnerhub.accounts.models import Organization, User
from relationships.models import PartnerRelationship


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_shows_every_state(capsys):
    call_command("seed_demo")
    call_command("seed_demo")

    out = capsys.readouterr().out
    assert "operator@partnerhub.example" in out
    assert "megan.bowen@contoso-distribution.example" in out
    assert User.objects.get(email="operator@partnerhub.example").is_staff
    assert Organization.objects.count() == 6
    statuses = set(ProgramEnrollment.objects.values_list("status", flat=True))
    assert statuses >= {"email_pending", "pending_qualification", "action_needed", "active"}
    assert VerificationCase.objects.filter(status="in_review", sla_due_at__lt=timezone.now()).exists()  # overdue
    assert ProgramEnrollment.objects.count() == 6
    assert PartnerRelationship.objects.filter(
        provider__legal_name="Contoso Distribution Inc.", reseller__legal_name="Fabrikam Solutions LLC", status="active"
    ).exists()


@pytest.mark.django_db
def test_demo_users_can_sign_in(client):
    call_command("seed_demo", verbosity=0)

    response = client.post(
        "/accounts/login/", {"login": "alex.wilber@fabrikam-solutions.example", "password": "partnerhub-demo"}
    )

    assert response.status_code == 302
    assert "Fabrikam Solutions LLC" in client.get("/").content.decode()
