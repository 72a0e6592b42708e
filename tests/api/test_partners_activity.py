"""The activity log (Partner Center's audit records: a range of at most 31 days, the last day by default) and
the client's notifications, through the API: the portal's rows and permission."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from partnerhub.accounts.models import Role
from partnerhub.core.audit import audit_record
from partnerhub.core.models import AuditEvent
from partnerhub.core.notifications import notification_create
from tests.api.calls import api_for
from tests.api.partners_calls import api_with_role, assert_problem, queries_of

pytestmark = pytest.mark.django_db

ACTIVITY = "/api/v1/activity"
NOTIFICATIONS = "/api/v1/notifications"
NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _event(organization, code: str, at: datetime, actor=None) -> AuditEvent:
    with time_machine.travel(at, tick=False):
        return audit_record(code=code, actor=actor, organization=organization, target=organization)


def _codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["items"]]


# --- the activity log ---------------------------------------------------------------------------------------


def test_the_activity_log_lists_the_last_day_newest_first(frozen, admin_member):
    organization = admin_member.organization
    AuditEvent.objects.all().delete()
    _event(organization, "partnerhub.old.recorded", NOW - timedelta(days=2))
    _event(organization, "partnerhub.first.recorded", NOW - timedelta(hours=20), actor=admin_member.user)
    _event(organization, "partnerhub.second.recorded", NOW - timedelta(hours=1))

    response = api_for(admin_member).get(ACTIVITY)

    assert _codes(response)[-2:] == ["partnerhub.second.recorded", "partnerhub.first.recorded"]
    first = response.json()["items"][-1]
    assert (first["actor"], first["object_repr"]) == ("megan@contoso.example", "Contoso Distribution Inc.")
    assert first["created_at"] == "2026-12-06T12:00:00Z"
    assert "partnerhub.old.recorded" not in _codes(response)


def test_a_range_of_dates_includes_the_end_day(frozen, admin_member):
    organization = admin_member.organization
    _event(organization, "partnerhub.before.recorded", datetime(2026, 11, 30, 23, 59, tzinfo=UTC))
    _event(organization, "partnerhub.start.recorded", datetime(2026, 12, 1, tzinfo=UTC))
    _event(organization, "partnerhub.end.recorded", datetime(2026, 12, 2, 23, 59, tzinfo=UTC))
    _event(organization, "partnerhub.after.recorded", datetime(2026, 12, 3, tzinfo=UTC))
    api = api_for(admin_member)

    days = api.get(ACTIVITY, {"start": "2026-12-01", "end": "2026-12-02"})
    times = api.get(ACTIVITY, {"start": "2026-12-01T00:00:00Z", "end": "2026-12-02T23:59:00+00:00"})
    one_day = api.get(ACTIVITY, {"start": "2026-12-02T12:00:00"})  # naive: UTC; a day from it

    assert _codes(days) == ["partnerhub.end.recorded", "partnerhub.start.recorded"]
    assert _codes(times) == ["partnerhub.start.recorded"]  # the end is exclusive
    assert _codes(one_day) == ["partnerhub.after.recorded", "partnerhub.end.recorded"]


@pytest.mark.parametrize(
    ("params", "field", "detail"),
    [
        ({"start": "yesterday"}, "start", "Give a date (2026-12-01)"),
        ({"start": "2026-13-01"}, "start", "Give a date"),
        ({"end": "2026-12-01T25:00:00Z"}, "end", "Give a date"),
        ({"start": "2026-12-02", "end": "2026-12-01"}, "end", "`end` must be after `start`."),
        ({"start": "2026-10-01", "end": "2026-12-01"}, "end", "Ask for at most 31 days at a time."),
        ({"end": "9999-12-31"}, "end", "Give a date"),
        ({"end": "0001-01-01T00:00:00Z"}, "end", "This date is out of range."),
        ({"start": "9999-12-31T12:00:00Z"}, "start", "This date is out of range."),
        ({"start": "0001-01-01T00:00:00+23:59"}, "start", "Give a date"),
        ({"start": "x" * 65}, "start", None),
        ({"start": "2026-12-01\x00"}, "start", None),
    ],
)
def test_bad_dates_are_a_400_on_their_field(frozen, admin_member, params, field, detail):
    response = api_for(admin_member).get(ACTIVITY, params)

    body = assert_problem(response, 400, response.json().get("code"), detail, field=field)
    assert body["status"] == 400


def test_far_days_and_offsets_are_empty_answers(frozen, admin_member):
    api = api_for(admin_member)

    assert _codes(api.get(ACTIVITY, {"start": "0001-01-01"})) == []
    assert _codes(api.get(ACTIVITY, {"start": "0001-01-01T00:00:00-23:59"})) == []
    assert _codes(api.get(ACTIVITY, {"end": "9999-12-30"})) == []


def test_the_activity_log_is_for_global_admins_as_the_page(frozen, admin_member):
    response = api_with_role(admin_member, Role.ACCOUNT_ADMIN).get(ACTIVITY)

    assert_problem(response, 403, "forbidden", "This API client's roles don't allow this.")


def test_another_tenants_activity_never_shows(frozen, admin_member, outsider_member):
    _event(outsider_member.organization, "partnerhub.outsider.recorded", NOW - timedelta(hours=1))

    codes = _codes(api_for(admin_member).get(ACTIVITY))

    assert "partnerhub.outsider.recorded" not in codes
    assert AuditEvent.objects.filter(code="partnerhub.outsider.recorded").exists()


def test_the_activity_log_pages_by_cursor(frozen, admin_member):
    for hour in range(5):
        _event(admin_member.organization, f"partnerhub.h{hour}.recorded", NOW - timedelta(hours=5 - hour))
    api = api_for(admin_member)
    pages = [api.get(ACTIVITY, {"limit": 2}).json()]
    while pages[-1]["next"]:
        pages.append(Client().get(pages[-1]["next"], headers={"Authorization": f"Bearer {api.token}"}).json())

    codes = [row["code"] for page in pages for row in page["items"]]
    assert [code for code in codes if code.startswith("partnerhub.h")] == [
        f"partnerhub.h{hour}.recorded" for hour in reversed(range(5))
    ]
    assert len(codes) == len(set(codes))
    assert all(len(page["items"]) <= 2 for page in pages)
    assert len(pages) >= 3


def test_the_activity_log_runs_the_same_queries_for_one_row_or_many(frozen, admin_member):
    api = api_for(admin_member)
    api.get(ACTIVITY)
    one = queries_of(api, ACTIVITY)
    for hour in range(10):
        _event(admin_member.organization, "partnerhub.more.recorded", NOW - timedelta(minutes=hour + 1),
               actor=admin_member.user)  # fmt: skip

    assert queries_of(api, ACTIVITY) == one == 10  # 9 for every call; the page with its actors


# --- notifications ----------------------------------------------------------------------------------------


def test_the_client_reads_its_own_notifications_newest_first(frozen, admin_member):
    api = api_for(admin_member)
    service_user = api.client.seat.user
    with time_machine.travel(NOW - timedelta(hours=2), tick=False):
        notification_create(user=service_user, organization=admin_member.organization, title="Older", url="/x/")
    notification_create(user=service_user, organization=admin_member.organization, title="Newer", body="Read me.")
    notification_create(user=admin_member.user, organization=admin_member.organization, title="Megan's own")

    response = api.get(NOTIFICATIONS)

    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["title"] for item in items] == ["Newer", "Older"]
    assert (items[0]["body"], items[0]["unread"], items[0]["read_at"]) == ("Read me.", True, None)
    assert items[1]["url"] == "/x/"


def test_every_role_reads_only_its_own_notifications(frozen, admin_member, outsider_member):
    """The bell's page needs no permission; no token sees anyone else's notifications."""
    notification_create(user=admin_member.user, organization=admin_member.organization, title="Megan's own")
    notification_create(user=outsider_member.user, organization=outsider_member.organization, title="Olga's own")

    response = api_with_role(admin_member, Role.HELPDESK_AGENT).get(NOTIFICATIONS)

    assert (response.status_code, response.json()["items"]) == (200, [])


def test_notifications_run_the_same_queries_for_one_or_many(frozen, admin_member):
    api = api_for(admin_member)
    user = api.client.seat.user
    notification_create(user=user, title="One")
    api.get(NOTIFICATIONS)
    one = queries_of(api, NOTIFICATIONS)
    for n in range(10):
        notification_create(user=user, title=f"More {n}")

    assert queries_of(api, NOTIFICATIONS) == one == 10  # 9 for every call; the page


def test_notifications_reject_a_bad_cursor(frozen, admin_member):
    assert_problem(api_for(admin_member).get(NOTIFICATIONS, {"cursor": "bogus"}), 400, "malformed_request")
