"""The beat sweep of admin relationships, time-travelled across a month end, a leap day and daylight-saving
changes: reminders 30 and 7 days before the end (status expiring), expiry at the end (or a 180-day
auto-extension), requests unanswered for 90 days. Each step claims its row once: running twice, or two
sweeps at once, changes and tells nothing more."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from access import selectors, services
from access.models import AccessError, AdminRelationship
from access.roles import AdminRole
from access.tasks import sweep_admin_relationships_task
from partnerhub.core.models import AuditEvent, OutboundEmail
from tests.threads import platform_thread

pytestmark = pytest.mark.django_db
Status = AdminRelationship.Status

ENDS = {
    "month-end": datetime(2027, 1, 31, 23, 30, tzinfo=UTC),
    "leap-day": datetime(2028, 2, 29, 12, 0, tzinfo=UTC),
    "eu-dst-spring": datetime(2027, 3, 28, 1, 30, tzinfo=UTC),
    "us-dst-autumn": datetime(2027, 11, 7, 6, 30, tzinfo=UTC),
}


def _sweep_twice() -> dict[str, int]:
    first = services.sweep_admin_relationships()
    second = services.sweep_admin_relationships()
    assert second == {"requests_expired": 0, "expired": 0, "extended": 0, "reminded": 0}
    return first


def _ending_at(world, ends: datetime) -> AdminRelationship:
    relationship = world.default()
    AdminRelationship.objects.filter(pk=relationship.pk).update(
        approved_at=ends - timedelta(days=730), created_at=ends - timedelta(days=730), ends_at=ends
    )
    return AdminRelationship.objects.get(pk=relationship.pk)


def _emails(template: str) -> set[str]:
    return set(OutboundEmail.objects.filter(template=template).values_list("to", flat=True))


@pytest.mark.parametrize("ends", ENDS.values(), ids=ENDS.keys())
def test_reminders_at_30_and_7_days_then_expiry_at_the_end(world, time_machine, ends):
    relationship = _ending_at(world, ends)
    membership = world.membership(world.provider_admin)
    both = {world.provider_admin.email, world.customer_admin.mailbox}

    time_machine.move_to(ends - timedelta(days=30, minutes=1), tick=False)
    assert _sweep_twice()["reminded"] == 0
    time_machine.move_to(ends - timedelta(days=30) + timedelta(minutes=1), tick=False)
    assert _sweep_twice()["reminded"] == 1
    assert AdminRelationship.objects.get(pk=relationship.pk).status == Status.EXPIRING
    assert _emails("admin_relationship_expiring") == both
    time_machine.move_to(ends - timedelta(days=7) + timedelta(minutes=1), tick=False)
    assert _sweep_twice()["reminded"] == 1
    assert OutboundEmail.objects.filter(template="admin_relationship_expiring").count() == 4
    time_machine.move_to(ends - timedelta(seconds=1), tick=False)
    assert _sweep_twice() == {"requests_expired": 0, "expired": 0, "extended": 0, "reminded": 0}
    assert selectors.admin_role_check(membership, world.customer, AdminRole.GLOBAL_READER).pk == relationship.pk

    time_machine.move_to(ends + timedelta(seconds=1), tick=False)
    assert _sweep_twice()["expired"] == 1

    relationship.refresh_from_db()
    assert relationship.status == Status.EXPIRED
    assert AuditEvent.objects.filter(code="partnerhub.admin_relationship.expired").count() == 2
    assert _emails("admin_relationship_expired") == both
    with pytest.raises(AccessError, match="expired on"):
        selectors.admin_role_check(membership, world.customer, AdminRole.GLOBAL_READER)


@pytest.mark.parametrize("ends", ENDS.values(), ids=ENDS.keys())
def test_auto_extend_pushes_the_end_180_days_once(world, time_machine, ends):
    relationship = _ending_at(world, ends)
    AdminRelationship.objects.filter(pk=relationship.pk).update(auto_extend=True)

    time_machine.move_to(ends - timedelta(days=30) + timedelta(minutes=1), tick=False)
    assert _sweep_twice()["reminded"] == 0  # nothing ends: no reminder
    time_machine.move_to(ends + timedelta(minutes=5), tick=False)
    assert _sweep_twice()["extended"] == 1

    relationship.refresh_from_db()
    assert relationship.status == Status.ACTIVE
    assert relationship.ends_at == ends + timedelta(days=180)
    assert relationship.extended_count == 1
    assert AuditEvent.objects.filter(code="partnerhub.admin_relationship.extended").count() == 2


def test_a_short_relationship_gets_one_reminder_not_two(world, time_machine):
    ends = datetime(2027, 6, 5, 9, 0, tzinfo=UTC)
    _ending_at(world, ends)
    time_machine.move_to(ends - timedelta(days=5), tick=False)

    assert _sweep_twice()["reminded"] == 1
    assert OutboundEmail.objects.filter(template="admin_relationship_expiring").count() == 2


def test_an_unanswered_request_expires_after_90_days_and_the_partner_is_told(world, time_machine):
    time_machine.move_to(datetime(2027, 12, 1, 10, 0, tzinfo=UTC), tick=False)
    relationship = services.admin_relationship_request(
        partner=world.provider,
        customer=world.customer,
        actor=world.provider_admin,
        name="Support",
        roles=["global_reader"],
        duration_days=30,
    )
    time_machine.move_to(datetime(2028, 2, 29, 9, 59, tzinfo=UTC), tick=False)  # 90 days later, a leap day
    assert _sweep_twice()["requests_expired"] == 0
    time_machine.move_to(datetime(2028, 2, 29, 10, 1, tzinfo=UTC), tick=False)

    assert _sweep_twice()["requests_expired"] == 1
    relationship.refresh_from_db()
    assert relationship.status == Status.EXPIRED
    assert relationship.approved_at is None
    assert _emails("admin_relationship_expired") == {world.provider_admin.email}
    with pytest.raises(AccessError, match="has expired"):
        services.admin_relationship_approve(relationship=relationship, actor=world.customer_admin)


def test_the_task_runs_the_sweep(world, time_machine):
    relationship = _ending_at(world, datetime(2027, 1, 1, tzinfo=UTC))
    time_machine.move_to(datetime(2027, 1, 2, tzinfo=UTC), tick=False)

    assert sweep_admin_relationships_task.apply().get()["expired"] == 1
    assert AdminRelationship.objects.get(pk=relationship.pk).status == Status.EXPIRED


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_expire_and_tell_once(world):
    relationship = world.default()
    AdminRelationship.objects.filter(pk=relationship.pk).update(ends_at=relationship.approved_at)
    results: list[dict[str, int]] = []
    threads = [platform_thread(lambda: results.append(services.sweep_admin_relationships())) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(result["expired"] for result in results) == 1
    assert AuditEvent.objects.filter(code="partnerhub.admin_relationship.expired").count() == 2
    assert OutboundEmail.objects.filter(template="admin_relationship_expired").count() == 2
