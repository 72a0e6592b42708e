"""Issue 14, defect 8: a partner-agreement version that requires re-acceptance is enforced. Staff set its
acceptance deadline; the Global admins still on the earlier version are reminded before it (emails through
the outbox and a notification, once, by the beat sweep); after it, new orders by such an organization, and
orders naming it as reseller, are refused with the reason the status lookup gives; accepting lifts it."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from agreements import services as agreement_services
from agreements.models import AgreementError, AgreementVersion
from agreements.selectors import agreement_status_lookup
from agreements.tasks import sweep_agreement_reminders_task
from customers import services
from customers.models import Subscription
from demo.pdf import PARTNER_AGREEMENT, text_pdf
from enrollment.models import PartnerId
from partnerhub.core.models import AuditEvent, Notification, OutboundEmail
from tests.scenarios import sign

pytestmark = pytest.mark.django_db

REMINDER = "agreement_reacceptance_reminder"


@pytest.fixture
def new_version(seller, customer, settings):
    """Version 2026-12, requiring re-acceptance within 30 days of now (whatever today is)."""
    settings.AGREEMENT_REMINDER_DAYS = 14
    return agreement_services.agreement_version_create(
        type="mpa",
        version="2026-12",
        language="en",
        effective_date=date(2026, 12, 1),
        content=text_pdf("MPA 2026-12", PARTNER_AGREEMENT),
        requires_reacceptance=True,
        acceptance_deadline=timezone.now() + timedelta(days=30),
    )


@pytest.fixture
def provider_client(seller):
    client = Client()
    client.force_login(seller[1])
    return client


def _location(organization) -> int:
    return PartnerId.objects.get(organization=organization, csp_associated=True).number


def _order(client, customer, offer, **extra):
    data = {"offer": offer.pk, "quantity": 3, "key": str(uuid.uuid4()), "confirm": "on", **extra}
    return client.post(f"/customers/{customer.tenant_id}/subscriptions/new/", data)


def test_a_version_requiring_reacceptance_needs_a_future_deadline(seller):
    for deadline in (None, timezone.now() - timedelta(minutes=1)):
        with pytest.raises(AgreementError) as refused:
            agreement_services.agreement_version_create(
                type="mpa", version="2027-01", language="en", effective_date=date(2027, 1, 1),
                content=text_pdf("MPA", PARTNER_AGREEMENT), requires_reacceptance=True, acceptance_deadline=deadline,
            )  # fmt: skip
        assert refused.value.field == "acceptance_deadline"
    assert not AgreementVersion.objects.filter(version="2027-01").exists()


def test_before_the_deadline_orders_go_through_and_global_admins_are_reminded_once(
    new_version, provider_client, customer, seller, offers, time_machine
):
    provider, provider_admin, reseller, reseller_admin = seller
    assert new_version.remind_at == new_version.acceptance_deadline - timedelta(days=14)
    assert agreement_services.sweep_agreement_reminders() == []  # not yet: 30 days to go
    assert not OutboundEmail.objects.filter(template=REMINDER).exists()

    time_machine.move_to(new_version.acceptance_deadline - timedelta(days=10), tick=True)
    response = _order(provider_client, customer.organization, offers["plan"], quantity=1,
                      partner_of_record=str(_location(reseller)))  # fmt: skip
    assert response.status_code == 302
    assert Subscription.objects.filter(customer=customer.organization, offer=offers["plan"]).exists()
    assert agreement_status_lookup(number=str(_location(reseller)), provider_region="united_states").ok

    assert sweep_agreement_reminders_task.apply().get() == {"versions": 1}
    assert sweep_agreement_reminders_task.apply().get() == {"versions": 0}  # the second run finds nothing

    reminders = OutboundEmail.objects.filter(template=REMINDER).order_by("to")
    assert sorted(reminders.values_list("to", flat=True)) == sorted([provider_admin.email, reseller_admin.email])
    body = reminders.get(to=reseller_admin.email).body_text
    assert "Version 2026-12 of the partner agreement requires a new acceptance" in body
    assert f"{new_version.acceptance_deadline:%Y}" in body
    assert "/settings/agreements/" in body
    assert Notification.objects.filter(user=reseller_admin, title__contains="Accept version 2026-12").count() == 1
    assert AuditEvent.objects.filter(code="partnerhub.agreement_version.reminders_sent").count() == 1
    dashboard = provider_client.get("/").content.decode()
    assert 'data-testid="pending-action-reaccept_mpa"' in dashboard
    assert "requires your acceptance by" in dashboard


def test_an_organization_that_already_accepted_the_new_version_is_not_reminded(new_version, seller, time_machine):
    provider, provider_admin, reseller, reseller_admin = seller
    sign(provider, provider_admin, new_version)
    time_machine.move_to(new_version.remind_at + timedelta(minutes=1), tick=True)

    agreement_services.sweep_agreement_reminders()

    assert list(OutboundEmail.objects.filter(template=REMINDER).values_list("to", flat=True)) == [reseller_admin.email]


def test_after_the_deadline_orders_naming_the_reseller_are_refused_with_the_lookups_reason(
    new_version, provider_client, customer, seller, offers, time_machine
):
    provider, provider_admin, reseller, reseller_admin = seller
    sign(provider, provider_admin, new_version)  # the provider re-accepted; the reseller did not
    time_machine.move_to(new_version.acceptance_deadline + timedelta(minutes=1), tick=True)

    lookup = agreement_status_lookup(number=str(_location(reseller)), provider_region="united_states")
    assert (lookup.ok, lookup.code, lookup.agreement_code) == (False, "mpa_version_overdue", "mpa_version_overdue")
    assert lookup.agreement_accepted  # it did accept 2026-01: the lookup says which, and what is overdue
    assert "overdue since" in lookup.agreement_status
    # The lookup names no one on a refusal (issue 15): only the number the provider typed.
    assert lookup.message.startswith(f"Partner ID {_location(reseller)} hasn't accepted version 2026-12")
    assert reseller.legal_name not in lookup.message

    before = Subscription.objects.count()
    response = _order(provider_client, customer.organization, offers["plan"], quantity=1,
                      partner_of_record=str(_location(reseller)))  # fmt: skip
    assert response.status_code == 200
    assert Subscription.objects.count() == before
    assert response.context["form"].errors["partner_of_record"] == [lookup.message]
    assert lookup.message in response.content.decode().replace("&#x27;", "'")

    assert reseller not in services.eligible_resellers(provider)  # the wizard no longer offers it
    with pytest.raises(services.CustomersError) as refused:  # nor accepts it, with the same reason
        services.check_reseller(provider, reseller)
    # The picker lists the provider's own partners: there the reseller may be named.
    assert refused.value.code == "mpa_version_overdue"
    assert refused.value.message.startswith(f"{reseller.legal_name} hasn't accepted version 2026-12")
    page = provider_client.get(f"/programs/csp/agreement-status/?number={_location(reseller)}").content.decode()
    assert "mpa_version_overdue" in page

    sign(reseller, reseller_admin, new_version)  # its Global admin accepts: it may be named again

    assert agreement_status_lookup(number=str(_location(reseller)), provider_region="united_states").ok
    response = _order(provider_client, customer.organization, offers["plan"], quantity=1,
                      partner_of_record=str(_location(reseller)))  # fmt: skip
    assert response.status_code == 302
    assert reseller in services.eligible_resellers(provider)


def test_after_the_deadline_a_provider_that_did_not_reaccept_cannot_order(
    new_version, provider_client, customer, seller, offers, make_customer, time_machine
):
    provider, provider_admin, reseller, reseller_admin = seller
    sign(reseller, reseller_admin, new_version)
    time_machine.move_to(new_version.acceptance_deadline + timedelta(minutes=1), tick=True)

    before = Subscription.objects.count()
    response = _order(provider_client, customer.organization, offers["plan"], quantity=1)

    assert response.status_code == 200
    assert Subscription.objects.count() == before
    error = " ".join(response.context["form"].non_field_errors())
    assert error.startswith("Your organization hasn't accepted version 2026-12 of the partner agreement")
    assert "new orders are refused until a Global admin accepts it" in error
    with pytest.raises(services.CustomersError) as refused:  # the wizard's first order too
        make_customer(lines=[(offers["standard"], 1)])
    assert refused.value.code == "mpa_version_overdue"
    agreements = provider_client.get("/settings/agreements/").content.decode()
    assert 'data-testid="mpa-overdue"' in agreements
    assert 'data-testid="mpa-banner"' not in agreements

    sign(provider, provider_admin, new_version)

    assert _order(provider_client, customer.organization, offers["plan"], quantity=1).status_code == 302


def test_staff_set_the_deadline_in_admin_and_a_new_deadline_rearms_the_reminder(
    client, new_version, staff, time_machine
):
    client.force_login(staff)
    url = f"/admin/agreements/agreementversion/{new_version.pk}/change/"
    page = client.get(url).content.decode()
    assert "acceptance_deadline" in page

    missing = client.post(url, {"active": "on", "requires_reacceptance": "on"})
    assert missing.status_code == 200
    assert "Set the date by which organizations must accept this version." in missing.content.decode()

    time_machine.move_to(new_version.remind_at + timedelta(minutes=1), tick=True)
    agreement_services.sweep_agreement_reminders()
    assert OutboundEmail.objects.filter(template=REMINDER).count() == 2
    later = (new_version.acceptance_deadline + timedelta(days=30)).astimezone(UTC)
    response = client.post(url, {
        "active": "on", "requires_reacceptance": "on",
        "acceptance_deadline_0": later.strftime("%Y-%m-%d"), "acceptance_deadline_1": later.strftime("%H:%M:%S"),
    })  # fmt: skip
    assert response.status_code == 302

    new_version.refresh_from_db()
    assert new_version.acceptance_deadline == later.replace(microsecond=0)
    assert new_version.reminded_at is None  # the new date gets its own reminder, when it is due
    assert AuditEvent.objects.filter(code="partnerhub.agreement_version.updated").count() == 1
    agreement_services.sweep_agreement_reminders()
    assert OutboundEmail.objects.filter(template=REMINDER).count() == 2  # not yet due for the new date


def _reseller_row(client, reseller) -> str:
    """The reseller's row of Partners → Indirect resellers, its tags stripped."""
    table = client.get("/partners/resellers/").content.decode().split('data-testid="reseller-table"')[1]
    table = table.split("</table>")[0]
    row = next(row for row in table.split("<tr")[1:] if reseller.legal_name in row)
    return " ".join(re.sub(r"<[^>]+>", " ", row).split())


def test_the_resellers_list_shows_an_overdue_reseller_as_overdue_with_the_pending_version(
    new_version, provider_client, seller, time_machine
):
    """The list applies the one rule (agreement_in_force_q): before the deadline the reseller is Accepted
    with version 2026-12 due; after it, Overdue, with no "Add new customer"; accepting lifts it."""
    provider, provider_admin, reseller, reseller_admin = seller
    sign(provider, provider_admin, new_version)

    row = _reseller_row(provider_client, reseller)
    assert "Accepted version 2026-12 due by" in row
    assert "Add new customer" in row

    time_machine.move_to(new_version.acceptance_deadline + timedelta(minutes=1), tick=True)
    row = _reseller_row(provider_client, reseller)
    assert "Accepted" not in row
    assert "Overdue version 2026-12 overdue since" in row
    assert "Add new customer" not in row  # the wizard would refuse it (eligible_resellers)

    sign(reseller, reseller_admin, new_version)
    row = _reseller_row(provider_client, reseller)
    assert "Accepted" in row
    assert "version 2026-12" not in row
    assert "Add new customer" in row


def test_the_csp_page_says_all_set_only_while_the_agreement_is_in_force(
    new_version, provider_client, seller, time_machine
):
    """The CSP welcome page (enrollment) learns the standing from the agreements template tag: after the
    deadline it no longer says "all set up to transact", but what must be accepted, by whom, and where."""
    provider, provider_admin, reseller, reseller_admin = seller
    assert 'data-testid="mpa-banner"' in provider_client.get("/programs/csp/").content.decode()  # due, not overdue

    time_machine.move_to(new_version.acceptance_deadline + timedelta(minutes=1), tick=True)
    page = provider_client.get("/programs/csp/").content.decode().replace("&#x27;", "'")
    assert "all set up to transact" not in page
    overdue = page.split('data-testid="mpa-overdue">')[1].split("</div>")[0]
    assert "hasn't accepted version 2026-12 of the partner agreement" in overdue
    assert "must be accepted by a Global admin:" in overdue
    assert provider_admin.email in overdue
    assert 'href="/settings/agreements/"' in overdue

    sign(provider, provider_admin, new_version)
    page = provider_client.get("/programs/csp/").content.decode()
    assert 'data-testid="mpa-banner"' in page
    assert 'data-testid="mpa-overdue"' not in page
