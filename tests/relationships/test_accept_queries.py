"""The partnership link's "Authorize indirect provider" POST, as production runs it: a Global admin signed in
with the two-step sign-in, the app's role under row-level security, the link's first view. Its statements
are pinned one by one (bench/README.md "Invitation accept: its queries" says why each exists)."""

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partnerhub.accounts.models import Role, User
from partnerhub.core.models import AuditEvent, Notification, OutboundEmail
from relationships import services
from relationships.models import PartnerRelationship, PartnershipInvitation
from tests.scenarios import PASSWORD

SECRET = "PARTNERHUBACCEPTTESTSECRET234567"  # noqa: S105 - test data

# What one accept asks of the database, in order (Django's statements; the server also runs BEGIN/COMMIT and,
# at COMMIT, one deferred foreign-key check per new reference: bench/README.md counts them).
#  1  the signed-in user (session)                          TenantContextMiddleware / auth
#  2  set_config ×4: the transaction's RLS context           TenantContextMiddleware
#  3  the user's memberships with their organizations       ActingOrganizationMiddleware (request.organization)
#  4  set_config: the link's token hash (its capability)    invitation_by_token
#  5  the invitation with its provider                      invitation_by_token
#  6  SAVEPOINT                                             partnership_accept: a refusal rolls back to here
#  7  both organizations FOR UPDATE, in id order            _lock_pair: one statement, fresh rows
#  8  EXISTS Global admin seat                              check_acceptance (under the locks)
#  9  the authorized reseller enrolment                     check_acceptance
# 10  an active partnership of the pair?                    check_acceptance
# 11  UPDATE invitation … WHERE still pending (the claim)   single use; also records the first view
# 12  INSERT the partnership                                backed by the one-active-per-pair constraint
# 13  both sides' Global admins with user and organization  _both_sides: who is emailed and notified
# 14  SAVEPOINT                                             ledgers_write's rls.elevated("ledgers")
# 15  set_config: the signed bypass (and the previous one)  rls.elevated
# 16  INSERT 2 audit events                                 one per side
# 17  INSERT 2 outbox emails                                one per Global admin
# 18  INSERT 2 notifications                                one per Global admin
# 19  UPDATE the 2 badges                                   unread_notifications + 1
# 20  set_config: the bypass put back                       rls.elevated
# 21  RELEASE SAVEPOINT                                     rls.elevated
# 22-26  webhooks, both sides at once: SAVEPOINT, bypass, subscribed endpoints of the two organizations,
#        bypass back, RELEASE                               api.webhooks.events.audit_to_webhooks (batch)
# 27  RELEASE SAVEPOINT                                     partnership_accept
ACCEPT_QUERIES = 27
BYPASS = re.compile(r"set_config\('partnerhub\.bypass', '([\w-]+):[0-9a-f]{64}'")  # a signed reason being set
LEDGER_BLOCK = [
    "INSERT core_auditevent",
    "INSERT core_outboundemail",
    "INSERT core_notification",
    "UPDATE accounts_user",
]


def _totp() -> str:
    return format_hotp_value(hotp_value(SECRET, int(time.time()) // 30))


@pytest.fixture
def reseller_admin(client, make_reseller, settings):
    """Fabrikam's Global admin, signed in with password and authenticator code, as the bench signs in."""
    settings.MFA_REQUIRED_FOR_ADMINS = True
    # "Last seen" is written at most once a minute (accounts/sessions.py): not the accept's statement, and on a
    # loaded machine a minute can pass between the sign-in and the POST. Keep it out of the count.
    settings.SESSION_ACTIVITY_RESOLUTION_SECONDS = 24 * 3600
    reseller, user = make_reseller()
    TOTP.activate(user, SECRET)
    assert client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})["Location"] == (
        "/accounts/2fa/authenticate/"
    )
    assert client.post("/accounts/2fa/authenticate/", {"code": _totp()}).status_code == 302
    assert client.get("/").status_code == 200
    return reseller, user


def _shape(sql: str) -> str:
    """`INSERT core_auditevent`, `UPDATE accounts_user`, `SELECT …` for the block's check."""
    if match := re.match(r'(INSERT INTO|UPDATE) "(\w+)"', sql):
        return f"{match[1].split()[0]} {match[2]}"
    return sql[:40]


def test_the_accept_post_makes_the_partnership_in_27_statements_with_one_ledger_block(
    client, reseller_admin, invitation_link, admin_member
):
    reseller, user = reseller_admin
    invitation, link = invitation_link()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (settings.DATABASE_APP_ROLE, False, False)
    people = User.objects.filter(pk__in=[admin_member.user.pk, user.pk])
    badges = dict(people.values_list("pk", "unread_notifications"))

    with CaptureQueriesContext(connection) as captured:
        response = client.post(link, {"authorize": "on"})  # the link's first view, as the bench's pool

    assert response["Location"] == "/partners/providers/"
    statements = [query["sql"] for query in captured.captured_queries]
    assert len(statements) == ACCEPT_QUERIES, "\n".join(f"{n} {sql[:160]}" for n, sql in enumerate(statements, 1))
    # One bypass for the ledgers, holding nothing but their four writes; the webhooks' own one comes after.
    signed = [(n, BYPASS.search(sql)) for n, sql in enumerate(statements)]
    bypasses = [(n, match[1]) for n, match in signed if match]
    assert [reason for _, reason in bypasses] == ["ledgers", "webhooks"]
    ledgers = bypasses[0][0]
    assert [_shape(sql) for sql in statements[ledgers + 1 : ledgers + 5]] == LEDGER_BLOCK
    assert statements[ledgers + 5] == "SELECT set_config('partnerhub.bypass', '', true)"

    relationship = PartnerRelationship.objects.get()
    assert (relationship.provider, relationship.reseller, relationship.status) == (
        admin_member.organization,
        reseller,
        "active",
    )
    invitation.refresh_from_db()
    assert (invitation.status, invitation.accepted_by, invitation.reseller) == ("accepted", user, reseller)
    assert invitation.opened_at == invitation.accepted_at  # the first view, recorded by the claim
    audit = AuditEvent.objects.filter(code="partnerhub.partnership.created")
    assert sorted(audit.values_list("organization", "actor", "object_id")) == sorted(
        [(reseller.pk, user.pk, str(relationship.pk)), (admin_member.organization.pk, user.pk, str(relationship.pk))]
    )
    emails = OutboundEmail.objects.filter(template="partnership_created")
    assert sorted(emails.values_list("to", "organization")) == sorted(
        [(admin_member.user.email, admin_member.organization.pk), (user.email, reseller.pk)]
    )
    assert "/partners/resellers/" in emails.get(to=admin_member.user.email).body_text
    notes = Notification.objects.filter(
        title="Fabrikam LLC authorized Contoso Distribution Inc. as its indirect provider"
    )
    assert sorted(notes.values_list("user", "url")) == sorted(
        [(admin_member.user.pk, "/partners/resellers/"), (user.pk, "/partners/providers/")]
    )
    assert dict(people.values_list("pk", "unread_notifications")) == {pk: n + 1 for pk, n in badges.items()}

    # single use: the same link again is gone, and writes nothing
    assert client.post(link, {"authorize": "on"}).status_code == 410
    assert (PartnerRelationship.objects.count(), audit.count(), emails.count(), notes.count()) == (1, 2, 2, 2)


def test_each_email_leaves_after_the_commit(
    client, reseller_admin, invitation_link, django_capture_on_commit_callbacks
):
    _, link = invitation_link()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(link, {"authorize": "on"})
    assert len(callbacks) == OutboundEmail.objects.filter(template="partnership_created").count() == 2


def test_a_refused_post_still_records_the_first_view_and_writes_nothing(
    client, invitation_link, make_reseller, make_member
):
    reseller, _ = make_reseller()
    client.force_login(make_member(reseller, Role.SALES_AGENT).user)
    invitation, link = invitation_link()

    response = client.post(link, {"authorize": "on"})

    assert response.status_code == 403
    invitation.refresh_from_db()
    assert (invitation.status, invitation.accepted_at) == ("opened", None)
    assert not PartnerRelationship.objects.exists()
    assert not AuditEvent.objects.filter(code="partnerhub.partnership.created").exists()


def test_accepting_an_opened_link_keeps_its_first_view(client, invitation_link, make_reseller):
    _, user = make_reseller()
    client.force_login(user)
    invitation, link = invitation_link()
    client.get(link)
    invitation.refresh_from_db()
    opened = invitation.opened_at

    assert client.post(link, {"authorize": "on"})["Location"] == "/partners/providers/"
    invitation.refresh_from_db()
    assert invitation.opened_at == opened < invitation.accepted_at


def test_a_partnership_made_outside_the_locks_is_refused_by_the_constraint(
    monkeypatch, invitation_link, make_reseller, active_provider, admin_member
):
    """The race the constraint backs, made deterministic: the pair became partners by a path that took no
    lock after the checks passed. The accept is refused, its claim rolled back."""
    reseller, user = make_reseller()
    invitation, _ = invitation_link()
    first, _ = invitation_link()
    services.partnership_accept(invitation=first, reseller=reseller, user=user)
    monkeypatch.setattr("relationships.services.partnerships.check_acceptance", lambda **kwargs: None)
    audit = AuditEvent.objects.count()

    with pytest.raises(services.PartnershipRefused) as refused:
        services.partnership_accept(invitation=invitation, reseller=reseller, user=user)

    assert refused.value.code == "already_partners"
    invitation.refresh_from_db()
    assert (invitation.accepted_at, PartnerRelationship.objects.count(), AuditEvent.objects.count()) == (None, 1, audit)
    assert PartnershipInvitation.objects.filter(accepted_at__isnull=False).count() == 1


def test_both_sides_subscribed_get_their_event_from_one_lookup(
    client, reseller_admin, invitation_link, active_provider, admin_member
):
    from api.models import WebhookDelivery
    from api.webhooks.services import webhook_endpoint_create

    reseller, user = reseller_admin
    for organization, actor in ((active_provider, admin_member.user), (reseller, user)):
        webhook_endpoint_create(organization=organization, actor=actor, url=f"https://hooks.{organization.pk}.example/",
                                event_types=["partnership-accepted"])  # fmt: skip
    _, link = invitation_link()

    with CaptureQueriesContext(connection) as captured:
        assert client.post(link, {"authorize": "on"})["Location"] == "/partners/providers/"

    lookups = [query for query in captured.captured_queries if 'FROM "api_webhookendpoint"' in query["sql"]]
    assert len(lookups) == 1
    deliveries = WebhookDelivery.objects.select_related("event", "endpoint")
    assert sorted((d.event.organization_id, d.endpoint.organization_id, d.event.type) for d in deliveries) == sorted(
        [
            (active_provider.pk, active_provider.pk, "partnership-accepted"),
            (reseller.pk, reseller.pk, "partnership-accepted"),
        ]
    )
