"""Direct bill → indirect reseller (seed 002): approval opens the indirect-reseller enrolment, the partner
moves its customers to one of its providers by transfers, and the move completes when they are accepted."""

from __future__ import annotations

import pytest

from customers.models import CustomerRelationship, Subscription
from enrollment import services as enrollment_services
from enrollment.models import PartnerId, ProgramEnrollment
from partnerhub.core.models import AuditEvent
from tests import scenarios
from tests.transfers.conftest import make_direct_bill_partner
from transfers import services
from transfers.models import Transfer, TransfersError

pytestmark = pytest.mark.django_db


@pytest.fixture
def adatum(world, staff, mpa, make_customer, offers):
    """Adatum: a direct-bill partner selling to two customers (three subscriptions), move approved."""
    organization, user = make_direct_bill_partner(staff, mpa, "Adatum Corporation", "ada@adatum.example")
    for prefix, lines in (("alpine", [(offers["standard"], 3), (offers["security"], 2)]),
                          ("bluesky", [(offers["standard"], 7)])):  # fmt: skip
        make_customer(prefix, with_reseller=False, partner=organization, actor=user, lines=lines,
                      company_name=f"{prefix.title()} Ltd")  # fmt: skip
    direct_bill = ProgramEnrollment.objects.get(organization=organization, program="direct_bill")
    enrollment_services.enrollment_request_transition(enrollment=direct_bill, actor=user)
    enrollment_services.enrollment_approve_transition(enrollment=direct_bill, reviewer=staff)
    return organization, user, direct_bill


def test_approval_keeps_the_direct_bill_enrolment_open_while_customers_wait(adatum):
    organization, _user, direct_bill = adatum
    direct_bill.refresh_from_db()

    assert direct_bill.status == "active"
    assert direct_bill.closed_at is None
    assert direct_bill.transition_approved_at is not None
    assert ProgramEnrollment.objects.get(organization=organization, program="indirect_reseller").status == "qualified"
    assert enrollment_services.transition_customers_waiting_count(direct_bill) == 2


def test_without_customers_approval_completes_at_once(staff, mpa, db):
    organization, user = make_direct_bill_partner(staff, mpa, "Empty Corp", "eve@empty.example")
    direct_bill = ProgramEnrollment.objects.get(organization=organization, program="direct_bill")
    enrollment_services.enrollment_request_transition(enrollment=direct_bill, actor=user)
    enrollment_services.enrollment_approve_transition(enrollment=direct_bill, reviewer=staff)

    direct_bill.refresh_from_db()
    assert direct_bill.status == "transitioned"
    assert direct_bill.closed_at is not None


def test_the_move_end_to_end(adatum, world, client):
    organization, user, direct_bill = adatum
    provider, provider_user = world.source, world.source_user
    client.force_login(user)
    page = client.get("/settings/legal/?program=direct_bill").content.decode()
    assert "First accept an indirect provider's partnership invitation" in page

    # Adatum is now an authorized indirect reseller: it accepts Contoso's partnership link.
    scenarios.partner(provider, provider_user, organization, user)
    page = client.get("/settings/legal/?program=direct_bill").content.decode()
    assert "Move 2 customers" in page

    response = client.post("/settings/legal/transition/move/", {"provider": provider.pk})
    assert response.status_code == 302
    transfers = list(Transfer.objects.filter(transition=direct_bill).order_by("pk"))
    own = PartnerId.objects.get(organization=organization, csp_associated=True)
    assert len(transfers) == 2
    assert {(t.source, t.target, t.partner_of_record) for t in transfers} == {(organization, provider, own)}
    page = client.get("/settings/legal/?program=direct_bill").content.decode()
    assert "Waiting for Contoso Distribution Inc. to accept 2 transfers." in page

    services.transfer_accept(transfer=transfers[0], actor=provider_user)
    direct_bill.refresh_from_db()
    assert direct_bill.closed_at is None
    assert (
        "Waiting for Contoso Distribution Inc. to accept 1 transfer."
        in client.get("/settings/legal/?program=direct_bill").content.decode()
    )

    services.transfer_accept(transfer=transfers[1], actor=provider_user)
    direct_bill.refresh_from_db()
    assert (direct_bill.status, direct_bill.closed_at is not None) == ("transitioned", True)
    assert AuditEvent.objects.filter(code="partnerhub.enrollment.transition_completed").count() == 1
    moved = Subscription.objects.filter(customer__in=[t.customer for t in transfers])
    assert {(s.partner, s.reseller, s.partner_of_record) for s in moved} == {(provider, organization, own)}

    # Adatum is now the customers' indirect reseller: it no longer orders for them as direct bill.
    for transfer in transfers:
        relationship = CustomerRelationship.objects.get(partner=organization, customer=transfer.customer)
        assert relationship.kind == "indirect_reseller"
        assert relationship.reseller is None
        tenant_id = transfer.customer.tenant_id
        assert client.get(f"/customers/{tenant_id}/subscriptions/new/").status_code == 403
        assert CustomerRelationship.objects.filter(
            partner=provider, customer=transfer.customer, reseller=organization, status="active"
        ).exists()


def test_a_declined_move_can_be_started_again(adatum, world):
    organization, user, direct_bill = adatum
    scenarios.partner(world.source, world.source_user, organization, user)
    first = services.transition_start(organization=organization, actor=user, provider=world.source)
    services.transfer_decline(transfer=first[0], actor=world.source_user)

    again = services.transition_start(organization=organization, actor=user, provider=world.source)

    assert len(again) == 1
    assert again[0].customer == first[0].customer


def test_the_move_is_refused_to_a_provider_without_partnership(adatum, world):
    organization, user, _direct_bill = adatum
    with pytest.raises(TransfersError) as refused:
        services.transition_start(organization=organization, actor=user, provider=world.target)
    assert refused.value.code == "no_partnership"


def test_the_move_is_refused_before_approval(world, staff, mpa):
    organization, user = make_direct_bill_partner(staff, mpa, "Early Corp", "erin@early.example")
    with pytest.raises(TransfersError) as refused:
        services.transition_start(organization=organization, actor=user, provider=world.source)
    assert refused.value.code == "no_transition"
