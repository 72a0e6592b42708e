"""Dashboard, notifications, activity log, language and health: what a signed-in user sees."""

import pytest
from django.test import Client

from partnerhub.accounts.models import Role
from partnerhub.core.models import AuditEvent, Notification
from partnerhub.core.notifications import notification_create
from tests.budgets import PAGE_QUERY_BUDGET


def test_dashboard_shows_organization_region_currency_and_invite_action(admin_client):
    page = admin_client.get("/").content.decode()

    assert "Contoso Distribution Inc." in page
    assert "United States" in page
    assert "USD" in page
    assert 'data-testid="pending-action-invite_team"' in page


def test_invite_action_disappears_once_the_team_has_two_members(admin_client, make_member, provider):
    make_member(provider, Role.SALES_AGENT)

    assert "pending-action-invite_team" not in admin_client.get("/").content.decode()


def test_dashboard_runs_a_fixed_number_of_queries(admin_client, django_assert_num_queries):
    with django_assert_num_queries(PAGE_QUERY_BUDGET["dashboard_new_organization"]):
        admin_client.get("/")


def test_notifications_show_under_the_bell_and_reading_marks_them_read(admin_client, admin_member):
    notification = notification_create(user=admin_member.user, title="Sam joined", url="/settings/users/")
    notification_create(user=admin_member.user, title="Another")

    page = admin_client.get("/").content.decode()
    assert 'data-testid="unread-count">2<' in page
    assert "Sam joined" in admin_client.get("/notifications/").content.decode()

    response = admin_client.post(f"/notifications/{notification.pk}/open/")

    assert response["Location"] == "/settings/users/"
    assert Notification.objects.unread().count() == 1
    admin_client.post("/notifications/read-all/")
    assert Notification.objects.unread().count() == 0
    assert 'data-testid="unread-count"' not in admin_client.get("/").content.decode()


def test_someone_elses_notification_cannot_be_opened(admin_client, outsider_member):
    theirs = notification_create(user=outsider_member.user, title="Private to Olga")

    assert admin_client.post(f"/notifications/{theirs.pk}/open/").status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert "Private to Olga" not in admin_client.get("/notifications/").content.decode()


def test_notification_links_never_leave_the_site(admin_client, admin_member):
    notification = notification_create(user=admin_member.user, title="Phish", url="https://evil.example/")

    assert admin_client.post(f"/notifications/{notification.pk}/open/")["Location"] == "/notifications/"


def test_activity_log_lists_the_organizations_events_for_global_admins(admin_client, admin_member, outsider):
    AuditEvent.objects.create(
        organization=admin_member.organization, code="partnerhub.demo.done", actor=admin_member.user
    )
    AuditEvent.objects.create(organization=outsider, code="partnerhub.secret.happened")

    page = admin_client.get("/settings/activity/").content.decode()

    assert "partnerhub.demo.done" in page
    assert "partnerhub.secret.happened" not in page


def test_activity_log_is_for_global_admins_only(client, make_member, provider):
    member = make_member(provider, Role.USER_MANAGEMENT_ADMIN)
    client.force_login(member.user)

    assert client.get("/settings/activity/").status_code == 403


def test_activity_log_runs_a_fixed_number_of_queries(admin_client, admin_member, django_assert_num_queries):
    for n in range(40):
        AuditEvent.objects.create(
            organization=admin_member.organization, code=f"partnerhub.x{n}.done", actor=admin_member.user
        )

    with django_assert_num_queries(PAGE_QUERY_BUDGET["activity_log"]):
        admin_client.get("/settings/activity/")


def test_language_choice_is_remembered_on_the_user(admin_client, admin_member):
    admin_client.post("/language/", {"language": "fr", "next": "/"})
    admin_member.user.refresh_from_db()
    assert admin_member.user.language == "fr"

    fresh = Client()  # another browser: no language cookie
    fresh.force_login(admin_member.user)
    page = fresh.get("/").content.decode()

    assert "Actions en attente" in page
    assert 'lang="fr"' in page


def test_unknown_language_is_ignored(admin_client, admin_member):
    response = admin_client.post("/language/", {"language": "xx", "next": "/"})

    assert response.status_code == 302
    admin_member.user.refresh_from_db()
    assert admin_member.user.language == ""


def test_health_reports_database_and_redis(client, db):
    response = client.get("/health/")

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "redis": "ok"}


def test_health_says_which_dependency_is_down(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    response = client.get("/health/")

    assert response.status_code == 503
    assert response.json()["database"] == "ok"
    assert response.json()["redis"].startswith("error")


@pytest.mark.parametrize("path", ["/", "/settings/users/", "/settings/activity/", "/notifications/"])
def test_pages_need_sign_in(client, db, path):
    assert client.get(path)["Location"].startswith("/accounts/login/")
