"""The demo's billing history: two months of invoices, a credit note, an overdue reseller whose orders are
blocked, a credit limit; seeding twice adds nothing; Contoso's Billing pages answer."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from billing.models import BillingProfile, ChargeLine, Invoice, Payment
from partnerhub.accounts.models import Organization, User


@pytest.mark.django_db
def test_the_demo_has_two_months_of_billing_to_show(client, capsys):
    with time_machine.travel(datetime(2027, 3, 10, 9, tzinfo=UTC), tick=False):
        call_command("seed_demo")
        counts = (Invoice.objects.count(), ChargeLine.objects.count(), Payment.objects.count())
        call_command("seed_demo")
        assert (Invoice.objects.count(), ChargeLine.objects.count(), Payment.objects.count()) == counts
        today = timezone.localdate()

        contoso = Organization.objects.get(primary_domain="contoso-distribution.example")
        fabrikam = Organization.objects.get(primary_domain="fabrikam-solutions.example")
        issued = Invoice.objects.filter(kind="invoice")
        assert issued.filter(issuer=None, recipient=contoso).count() == 2
        periods = issued.filter(issuer=contoso, recipient=fabrikam).order_by("period_start")
        assert [(i.period_start.isoformat(), i.period_end.isoformat()) for i in periods] == [
            ("2027-01-01", "2027-01-31"),
            ("2027-02-01", "2027-02-28"),
        ]
        assert all(invoice.total > 0 for invoice in periods)
        assert not issued.filter(issuer=None, status="open").exists()  # the vendor was paid
        overdue = issued.get(issuer=contoso, recipient=fabrikam, status="open", due_on__lt=today, paid_amount=0)
        note = Invoice.objects.get(kind="credit_note")
        assert note.credits == periods[1]
        assert note.total < 0
        blocked = BillingProfile.objects.get(issuer=contoso, recipient=fabrikam)
        assert blocked.is_blocked
        assert overdue.number in blocked.block_reason
        assert blocked.price_tier == "Gold"
        limited = BillingProfile.objects.get(issuer__primary_domain="proseware-cloud.example", recipient=fabrikam)
        assert limited.credit_limit == 500
        out = capsys.readouterr().out
        assert f"invoice {overdue.number} overdue" in out

        client.force_login(User.objects.get(email="megan.bowen@contoso-distribution.example"))
        for name in ("billing:invoices", "billing:insights"):
            response = client.get(reverse(name))
            assert response.status_code == 200, name
            assert response.content
