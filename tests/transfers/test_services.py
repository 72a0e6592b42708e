"""Transfers: the state machine, each refusal reason, the race between accept and decline, the expiry sweep."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from customers.models import CustomerRelationship, Subscription
from partnerhub.accounts.models import Role
from partnerhub.core.models import AuditEvent, Notification, OutboundEmail
from tests.factories import MembershipFactory, UserFactory
from tests.threads import platform_thread
from transfers import services
from transfers.models import Transfer, TransferItem, TransfersError

pytestmark = pytest.mark.django_db


def _request(world, subscriptions=None, **overrides):
    arguments = {
        "organization": world.source,
        "actor": world.source_user,
        "customer": world.customer,
        "target": world.target,
        "subscriptions": world.subscriptions if subscriptions is None else subscriptions,
        "partner_of_record": world.por,
        **overrides,
    }
    return services.transfer_create(**arguments)


# --- the happy path ------------------------------------------------------------------------------------------


def test_request_then_accept_moves_the_subscriptions_with_their_terms(world):
    before = {s.pk: (s.term_end, s.quantity, s.offer_id) for s in world.subscriptions}

    transfer = _request(world)

    assert transfer.status == "pending"
    assert transfer.expires_at == transfer.created_at + timedelta(days=30)
    assert transfer.items.count() == 2
    assert {e.organization_id for e in AuditEvent.objects.filter(code="partnerhub.transfer.created")} == {
        world.source.pk, world.target.pk, world.customer.pk,
    }  # fmt: skip
    assert OutboundEmail.objects.filter(to="nina@northwind.example", template="transfer_update").exists()

    services.transfer_accept(transfer=transfer, actor=world.target_user)

    transfer.refresh_from_db()
    assert (transfer.status, transfer.decided_by) == ("accepted", world.target_user)
    for subscription in world.subscriptions:
        assert subscription.partner == world.target
        assert subscription.support_contact == world.target
        assert subscription.reseller == world.reseller
        assert str(subscription.partner_of_record.number) == world.por
        assert (subscription.term_end, subscription.quantity, subscription.offer_id) == before[subscription.pk]
    assert CustomerRelationship.objects.filter(
        partner=world.target, customer=world.customer, status="active", kind="indirect_provider",
        reseller=world.reseller,
    ).exists()  # fmt: skip
    assert not TransferItem.objects.filter(is_open=True).exists()
    assert {e.organization_id for e in AuditEvent.objects.filter(code="partnerhub.transfer.accepted")} == {
        world.source.pk, world.target.pk, world.customer.pk,
    }  # fmt: skip
    told = set(Notification.objects.filter(title__contains="accepted the transfer").values_list("user", flat=True))
    assert {world.source_user.pk, world.target_user.pk, world.customer_user.pk} <= told


def test_acceptance_requests_admin_access_which_the_customer_approves(world):
    from access.models import AdminRelationship

    transfer = _request(world)
    services.transfer_accept(transfer=transfer, actor=world.target_user)

    relationship = AdminRelationship.objects.get(partner=world.target, customer=world.customer)
    assert (relationship.status, relationship.name) == ("approval_pending", f"Transfer {transfer.public_id}")
    assert set(relationship.roles) == {"global_reader", "user_administrator", "helpdesk_administrator",
                                       "license_administrator"}  # fmt: skip
    assert OutboundEmail.objects.filter(template="admin_relationship_requested").exists()  # the customer is asked


def test_no_second_request_when_the_target_already_holds_admin_access(world):
    from access.models import AdminRelationship
    from access.services.relationships import admin_relationship_default_create

    held = admin_relationship_default_create(partner=world.target, customer=world.customer, approved_by=None)

    services.transfer_accept(transfer=_request(world), actor=world.target_user)

    assert list(AdminRelationship.objects.filter(partner=world.target, customer=world.customer)) == [held]


def test_a_customer_global_admin_can_request_a_transfer_of_its_subscriptions(world):
    transfer = _request(world, organization=world.customer, actor=world.customer_user)

    assert (transfer.initiated_by, transfer.source) == ("customer", world.source)


def test_some_of_the_subscriptions_can_move(world):
    first, second = world.subscriptions
    services.transfer_accept(transfer=_request(world, [first]), actor=world.target_user)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.partner, second.partner) == (world.target, world.source)


def test_decline_and_cancel_move_nothing(world):
    declined = _request(world)
    services.transfer_decline(transfer=declined, actor=world.target_user)
    cancelled = _request(world)  # the subscriptions are free again
    services.transfer_cancel(transfer=cancelled, actor=world.source_user)

    assert Transfer.objects.get(pk=declined.pk).status == "declined"
    assert Transfer.objects.get(pk=cancelled.pk).status == "cancelled"
    assert all(s.partner == world.source for s in world.subscriptions)


# --- illegal moves and running twice ----------------------------------------------------------------------


@pytest.mark.parametrize("first", ["accept", "decline", "cancel"])
@pytest.mark.parametrize("second", ["accept", "decline", "cancel"])
def test_a_decided_transfer_cannot_change_again(world, first, second):
    transfer = _request(world)
    actors = {"accept": world.target_user, "decline": world.target_user, "cancel": world.source_user}
    getattr(services, f"transfer_{first}")(transfer=transfer, actor=actors[first])
    state = Transfer.objects.get(pk=transfer.pk).status

    with pytest.raises(TransfersError) as refused:
        getattr(services, f"transfer_{second}")(transfer=transfer, actor=actors[second])

    assert refused.value.code == "illegal_transition"
    assert Transfer.objects.get(pk=transfer.pk).status == state


def test_only_the_targets_global_admin_decides_and_only_the_initiator_cancels(world, make_member):
    transfer = _request(world)
    agent = make_member(world.target, Role.ADMIN_AGENT).user
    for actor in (world.source_user, agent, world.outsider_user, world.customer_user):
        with pytest.raises(TransfersError, match="Only a Global admin of Northwind"):
            services.transfer_accept(transfer=transfer, actor=actor)
    for actor in (world.target_user, world.customer_user, world.outsider_user):
        with pytest.raises(TransfersError, match="Only the side that requested"):
            services.transfer_cancel(transfer=transfer, actor=actor)
    assert Transfer.objects.get(pk=transfer.pk).status == "pending"


def test_a_sales_agent_cannot_request_a_transfer(world, make_member):
    agent = make_member(world.source, Role.SALES_AGENT).user
    with pytest.raises(TransfersError) as refused:
        _request(world, actor=agent)
    assert refused.value.code == "forbidden"


# --- each refusal reason ----------------------------------------------------------------------------------


def test_refused_to_itself(world):
    with pytest.raises(TransfersError) as refused:
        _request(world, target=world.source)
    assert refused.value.code == "self"


def test_refused_to_another_region(world, staff, mpa):
    from tests.transfers.conftest import make_provider

    european, _user = make_provider(staff, mpa, "Contoso Europe SARL", "emma@contoso-eu.example")
    european.csp_region = "europe"
    european.country = "FR"
    european.save()
    with pytest.raises(TransfersError) as refused:
        _request(world, target=european)
    assert refused.value.code == "region"


def test_refused_when_the_target_does_not_sell(world, make_reseller):
    reseller, _user = make_reseller("Litware Resellers")
    with pytest.raises(TransfersError) as refused:
        _request(world, target=reseller)
    assert refused.value.code == "target_not_selling"


def test_refused_when_the_targets_agreement_is_not_in_force(world):
    from agreements.models import AgreementAcceptance

    AgreementAcceptance.objects.filter(organization=world.target).delete()
    with pytest.raises(TransfersError) as refused:
        _request(world)
    assert refused.value.code == "2203"
    assert "Northwind Traders Inc. hasn't accepted the partner agreement" in refused.value.message


def test_refused_when_a_subscription_is_not_active(world):
    first, _second = world.subscriptions
    Subscription.objects.filter(pk=first.pk).update(status="suspended")
    with pytest.raises(TransfersError) as refused:
        _request(world)
    assert refused.value.code == "subscription_not_active"


def test_refused_when_the_subscriptions_are_not_sold_by_the_source(world):
    with pytest.raises(TransfersError) as refused:
        _request(world, organization=world.outsider, actor=world.outsider_user, target=world.target)
    assert refused.value.code == "not_sold_by_source"


def test_refused_without_partner_of_record_for_a_provider(world):
    with pytest.raises(TransfersError) as refused:
        _request(world, partner_of_record="")
    assert refused.value.code == "partner_of_record_required"


def test_refused_with_a_reseller_the_target_does_not_partner_with(world):
    from relationships.models import PartnerRelationship

    PartnerRelationship.objects.filter(provider=world.target).update(status="removed")
    with pytest.raises(Exception, match="has no active partnership") as refused:
        _request(world)
    assert refused.value.code == "no_partnership"


def test_refused_twice_for_the_same_subscription(world):
    _request(world)
    with pytest.raises(TransfersError) as refused:
        _request(world, target=world.outsider)
    assert refused.value.code == "already_in_transfer"


def test_refused_without_subscriptions_and_above_25(world):
    with pytest.raises(TransfersError) as refused:
        _request(world, subscriptions=[])
    assert refused.value.code == "no_subscriptions"
    with pytest.raises(TransfersError) as refused:
        _request(world, subscriptions=world.subscriptions * 13)
    assert refused.value.code == "too_many"


def test_unknown_target_names_no_one(world):
    with pytest.raises(TransfersError) as refused:
        services.transfer_target_resolve(text="9999999")
    assert refused.value.code == "target_unknown"
    number = world.target.partner_ids.get(csp_associated=True).number
    assert services.transfer_target_resolve(text=str(number)) == world.target
    assert services.transfer_target_resolve(text=str(world.target.tenant_id)) == world.target
    with pytest.raises(TransfersError):
        services.transfer_target_resolve(text=str(world.customer.tenant_id))  # a customer is no partner


def test_refusals_write_nothing(world, table_snapshot):
    before = table_snapshot()
    with pytest.raises(TransfersError):
        _request(world, target=world.source)
    assert table_snapshot() == before


# --- the race ---------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_accept_and_decline_at_once_have_one_winner(world):
    for _ in range(5):
        transfer = _request(world)
        barrier, outcomes = threading.Barrier(2), []

        def act(name, transfer=transfer, barrier=barrier, outcomes=outcomes):
            barrier.wait()
            try:
                getattr(services, f"transfer_{name}")(transfer=transfer, actor=world.target_user)
                outcomes.append(name)
            except TransfersError as exc:
                outcomes.append(exc.code)
            finally:
                connection.close()

        threads = [platform_thread(act, name) for name in ("accept", "decline")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) in (["accept", "illegal_transition"], ["decline", "illegal_transition"])
        transfer.refresh_from_db()
        assert (
            transfer.status
            == {"accept": "accepted", "decline": "declined"}[next(o for o in outcomes if o != "illegal_transition")]
        )
        if transfer.status == "accepted":
            return  # the subscriptions moved: nothing left to race for
    assert all(s.partner == world.source for s in world.subscriptions)


# --- the expiry sweep -------------------------------------------------------------------------------------

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    "start",
    [
        datetime(2027, 1, 31, 23, 30, tzinfo=UTC),  # across a month end (January 31 → March 2)
        datetime(2028, 2, 10, 12, 0, tzinfo=UTC),  # across a leap day (February 29, 2028)
        datetime(2027, 3, 20, 1, 30, tzinfo=PARIS),  # across the spring DST change (March 28, 2027)
        datetime(2027, 10, 15, 2, 30, tzinfo=PARIS),  # across the autumn DST change (October 31, 2027)
    ],
)
def test_the_sweep_expires_after_exactly_30_days_once(world, start):
    with time_machine.travel(start, tick=False):
        transfer = _request(world)
    # 30 days of 24 hours, whatever the wall clock does in between (Paris gains or loses an hour)
    assert transfer.expires_at == start.astimezone(UTC) + timedelta(days=30)
    start = start.astimezone(UTC)

    with time_machine.travel(start + timedelta(days=30) - timedelta(seconds=1), tick=False):
        assert services.transfers_expire_due() == []
    with time_machine.travel(start + timedelta(days=30), tick=False):
        assert services.transfers_expire_due() == [transfer.pk]
        assert services.transfers_expire_due() == []  # run twice: nothing more

    transfer.refresh_from_db()
    assert transfer.status == "expired"
    assert AuditEvent.objects.filter(code="partnerhub.transfer.expired").count() == 3
    assert not TransferItem.objects.filter(is_open=True).exists()
    with pytest.raises(TransfersError):
        services.transfer_accept(transfer=transfer, actor=world.target_user)


def test_a_pending_transfer_past_its_deadline_cannot_be_accepted_before_the_sweep(world):
    start = datetime(2027, 5, 1, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        transfer = _request(world)
    with time_machine.travel(start + timedelta(days=31), tick=False), pytest.raises(TransfersError) as refused:
        services.transfer_accept(transfer=transfer, actor=world.target_user)
    assert refused.value.code == "expired"


def test_the_sweep_task_runs(world):
    from transfers.tasks import transfers_expire_task

    assert transfers_expire_task() == {"expired": 0}


_unused = (MembershipFactory, UserFactory)


def test_refused_with_a_partner_of_record_for_a_direct_bill_target(world, staff, mpa):
    from tests.transfers.conftest import make_direct_bill_partner

    direct, _user = make_direct_bill_partner(staff, mpa, "Adatum Corporation", "ada@adatum.example")
    with pytest.raises(TransfersError) as refused:
        _request(world, target=direct)
    assert refused.value.code == "partner_of_record_not_allowed"

    transfer = _request(world, target=direct, partner_of_record="")  # a direct-bill partner sells on its own
    services.transfer_accept(transfer=transfer, actor=_user)
    moved = world.subscriptions[0]
    assert (moved.partner, moved.reseller, moved.partner_of_record) == (direct, None, None)
