"""The provider's admin access to a reseller's account: what it shows, what it does, who sees its uses, and
that removing it refuses the provider's next request."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from partnerhub.accounts.models import Role, UserInvitation
from partnerhub.accounts.services import user_invitation_create
from partnerhub.core.models import AuditEvent, Notification, OutboundEmail
from relationships import services
from relationships.models import PartnerRelationship
from relationships.services import reseller_account as account_services
from tests.scenarios import qualify, sign


@pytest.fixture
def partnership(partners, admin_member):
    provider, reseller, reseller_admin = partners
    relationship = PartnerRelationship.objects.get(provider=provider, reseller=reseller)
    return relationship, reseller_admin


@pytest.fixture
def reseller_agent(make_member, partnership):
    """A reseller user who is not a Global admin: the one whose password the provider may reset."""
    relationship, _ = partnership
    return make_member(relationship.reseller, Role.SALES_AGENT, email="sam@fabrikam.example", first_name="Sam")


@pytest.fixture
def reseller_client(partnership):
    client = Client()
    client.force_login(partnership[1])
    return client


def _account(relationship):
    return f"/partners/resellers/{relationship.pk}/account/"


def _reset(relationship, user):
    return f"/partners/resellers/{relationship.pk}/account/users/{user.pk}/reset-password/"


def _access_log(reseller_client, relationship) -> str:
    page = reseller_client.get(f"/partners/providers/{relationship.pk}/").content.decode()
    return page.split('data-testid="provider-access"')[1].split("</table>")[0]


def test_the_provider_sees_the_resellers_account(admin_client, partnership, reseller_agent):
    relationship, reseller_admin = partnership

    page = admin_client.get(_account(relationship))

    assert page.status_code == 200
    html = page.content.decode()
    assert "Fabrikam LLC" in html
    assert str(relationship.reseller.tenant_id) in html
    assert "Indirect reseller" in html  # the program
    assert reseller_admin.email in html
    assert "sam@fabrikam.example" in html
    assert "Sales agent" in html
    number = relationship.reseller.partner_ids.get(csp_associated=True).number
    assert str(number) in html
    assert "reset the password of a user who isn" in html  # the help text says what admin access allows
    # A Global admin's password is the reseller's own business: no button for it.
    assert _reset(relationship, reseller_admin) not in html
    assert _reset(relationship, reseller_agent.user) in html


def test_opening_the_account_is_audited_on_both_sides_once_an_hour(admin_client, partnership, reseller_client):
    relationship, _ = partnership
    admin_client.get(_account(relationship))
    admin_client.get(_account(relationship))

    events = AuditEvent.objects.filter(code="partnerhub.reseller_account.opened")
    assert sorted(e.organization_id for e in events) == sorted([relationship.provider_id, relationship.reseller_id])
    assert {e.data["provider_user_email"] for e in events} == {"megan@contoso.example"}
    log = _access_log(reseller_client, relationship)
    assert "Opened your account" in log
    assert "megan@contoso.example" in log


@pytest.mark.parametrize("role", [Role.GLOBAL_ADMIN, Role.ADMIN_AGENT])
def test_the_provider_resets_a_reseller_users_password(
    client, make_member, partnership, reseller_agent, reseller_client, role
):
    relationship, _ = partnership
    actor = make_member(relationship.provider, role, email="pat@contoso.example", first_name="Pat")
    client.force_login(actor.user)
    old_hash = reseller_agent.user.password

    confirm = client.get(_reset(relationship, reseller_agent.user)).content.decode()
    assert "sees this under Provider access" in confirm
    page = client.post(_reset(relationship, reseller_agent.user)).content.decode()

    password = page.split('data-testid="reset-temporary-password">')[1].split("<")[0]
    user = reseller_agent.user
    user.refresh_from_db()
    assert user.password != old_hash
    assert user.check_password(password)
    assert user.must_change_password
    events = AuditEvent.objects.filter(code="partnerhub.reseller_account.password_reset")
    assert sorted(e.organization_id for e in events) == sorted([relationship.provider_id, relationship.reseller_id])
    assert all(e.actor_id == actor.user_id and e.data["user"] == user.email for e in events)
    assert password not in str([e.data for e in events])
    mail = OutboundEmail.objects.get(template="reseller_password_reset_by_provider")
    assert mail.to == user.email
    assert password not in mail.body_text
    assert "Pat" in mail.body_text
    assert Notification.objects.filter(user=partnership[1], title__contains="reset the password").exists()
    log = _access_log(reseller_client, relationship)
    assert f"Reset the password of {user.email}" in log
    assert "pat@contoso.example" in log
    # Shown once: the page that follows never shows it again.
    assert password not in client.get(_account(relationship)).content.decode()


def test_a_resellers_global_admin_password_is_refused(admin_client, partnership):
    relationship, reseller_admin = partnership
    old_hash = reseller_admin.password

    page = admin_client.post(_reset(relationship, reseller_admin)).content.decode()

    assert "a provider can&#x27;t reset a Global admin&#x27;s password" in page
    reseller_admin.refresh_from_db()
    assert reseller_admin.password == old_hash
    assert not reseller_admin.must_change_password
    assert not AuditEvent.objects.filter(code="partnerhub.reseller_account.password_reset").exists()


@pytest.mark.parametrize("role", [Role.SALES_AGENT, Role.HELPDESK_AGENT, Role.USER_MANAGEMENT_ADMIN])
def test_other_provider_roles_are_forbidden(client, make_member, partnership, reseller_agent, role):
    relationship, _ = partnership
    client.force_login(make_member(relationship.provider, role).user)

    assert client.get(_account(relationship)).status_code == 403
    assert client.post(_reset(relationship, reseller_agent.user)).status_code == 403
    reseller_agent.user.refresh_from_db()
    assert not reseller_agent.user.must_change_password


def test_removing_admin_access_refuses_the_providers_next_request(
    admin_client, partnership, reseller_agent, reseller_client
):
    relationship, _ = partnership
    assert admin_client.get(_account(relationship)).status_code == 200
    invitation = user_invitation_create(
        organization=relationship.reseller, invited_by=partnership[1], email="new@fabrikam.example",
        roles=[Role.SALES_AGENT],
    )  # fmt: skip

    reseller_client.post(f"/partners/providers/{relationship.pk}/admin-access/")

    page = admin_client.get(_account(relationship))
    assert page.status_code == 403
    assert "Fabrikam LLC removed your admin access to its account on" in page.content.decode()
    assert "sam@fabrikam.example" not in page.content.decode()
    assert admin_client.get(_reset(relationship, reseller_agent.user)).status_code == 403
    refused = admin_client.post(_reset(relationship, reseller_agent.user))
    assert refused.status_code == 403
    assert "removed your admin access" in refused.content.decode()
    resend = admin_client.post(f"/partners/resellers/{relationship.pk}/account/invitations/{invitation.pk}/resend/")
    assert resend.status_code == 403
    reseller_agent.user.refresh_from_db()
    assert not reseller_agent.user.must_change_password
    assert not AuditEvent.objects.filter(code="partnerhub.reseller_account.password_reset").exists()
    assert OutboundEmail.objects.filter(template="user_invitation").count() == 1
    # The provider's list offers the account no more; the reseller's page says it is removed.
    assert _account(relationship) not in admin_client.get("/partners/resellers/").content.decode()
    detail = reseller_client.get(f"/partners/providers/{relationship.pk}/").content.decode()
    assert "You removed it" in detail


def test_a_service_call_after_the_removal_is_refused(admin_member, partnership, reseller_agent):
    """The service checks under the partnership's lock: a page loaded before the removal posts in vain."""
    relationship, reseller_admin = partnership
    services.partnership_remove_admin_access(
        relationship=relationship, actor=reseller_admin, reseller=relationship.reseller
    )

    with pytest.raises(services.RelationshipsError) as refused:
        account_services.reseller_user_password_reset(
            relationship=relationship, membership=admin_member, user=reseller_agent.user
        )
    assert refused.value.code == "no_admin_access"


def test_the_provider_resends_a_resellers_pending_invitation(admin_client, partnership, reseller_client):
    relationship, reseller_admin = partnership
    invitation = user_invitation_create(
        organization=relationship.reseller, invited_by=reseller_admin, email="new@fabrikam.example",
        roles=[Role.SALES_AGENT],
    )  # fmt: skip
    old_hash = invitation.token_hash
    assert "new@fabrikam.example" in admin_client.get(_account(relationship)).content.decode()

    response = admin_client.post(f"/partners/resellers/{relationship.pk}/account/invitations/{invitation.pk}/resend/")

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.token_hash != old_hash
    assert OutboundEmail.objects.filter(template="user_invitation", to="new@fabrikam.example").count() == 2
    events = AuditEvent.objects.filter(code="partnerhub.reseller_account.invitation_resent")
    assert sorted(e.organization_id for e in events) == sorted([relationship.provider_id, relationship.reseller_id])
    assert "Resent the invitation of new@fabrikam.example" in _access_log(reseller_client, relationship)


def test_another_providers_reseller_is_a_404(client, partnership, reseller_agent, make_reseller, staff, mpa):
    relationship, _ = partnership
    other, user = make_reseller("Other Distribution", qualified=False)
    qualify(other, user, staff, program="indirect_provider")
    sign(other, user, mpa)
    client.force_login(user)
    invitation = user_invitation_create(
        organization=relationship.reseller, invited_by=partnership[1], email="new@fabrikam.example",
        roles=[Role.SALES_AGENT],
    )  # fmt: skip

    for method, url in [
        ("get", _account(relationship)),
        ("get", _reset(relationship, reseller_agent.user)),
        ("post", _reset(relationship, reseller_agent.user)),
        ("post", f"/partners/resellers/{relationship.pk}/account/invitations/{invitation.pk}/resend/"),
        ("get", f"/partners/providers/{relationship.pk}/"),
    ]:
        assert getattr(client, method)(url).status_code == 404, url
    reseller_agent.user.refresh_from_db()
    assert not reseller_agent.user.must_change_password


def test_users_and_invitations_of_other_organizations_are_404(
    admin_client, admin_member, partnership, outsider_member, make_member
):
    relationship, _ = partnership
    invitation = user_invitation_create(
        organization=outsider_member.organization, invited_by=outsider_member.user, email="x@outsider.example",
        roles=[Role.SALES_AGENT],
    )  # fmt: skip

    for user in (outsider_member.user, admin_member.user):
        assert admin_client.get(_reset(relationship, user)).status_code == 404
        assert admin_client.post(_reset(relationship, user)).status_code == 404
    url = f"/partners/resellers/{relationship.pk}/account/invitations/{invitation.pk}/resend/"
    assert admin_client.post(url).status_code == 404
    assert UserInvitation.objects.get(pk=invitation.pk).token_hash == invitation.token_hash
    outsider_member.user.refresh_from_db()
    assert not outsider_member.user.must_change_password


def test_a_removed_partnership_is_a_404(admin_client, partnership, reseller_agent, reseller_client):
    relationship, _ = partnership
    reseller_client.post(f"/partners/providers/{relationship.pk}/remove/")

    assert admin_client.get(_account(relationship)).status_code == 404
    assert admin_client.post(_reset(relationship, reseller_agent.user)).status_code == 404


def test_the_reseller_sees_only_its_own_provider_access(client, partnership, outsider_member):
    relationship, _ = partnership
    client.force_login(outsider_member.user)

    assert client.get(f"/partners/providers/{relationship.pk}/").status_code == 404


def test_provider_access_pins_its_query_count(admin_member, partnership, reseller_client):
    relationship, _ = partnership
    counts = []
    for uses in (1, 29):
        for _ in range(uses):
            account_services._record_use(
                relationship, code="partnerhub.reseller_account.opened", actor=admin_member.user
            )
        with CaptureQueriesContext(connection) as queries:
            page = reseller_client.get(f"/partners/providers/{relationship.pk}/")
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert page.content.decode().count("Opened your account") == 25  # a page of them


def test_each_sides_webhook_endpoints_hear_of_a_reset(admin_member, partnership, reseller_agent):
    from api.webhooks.models import WebhookEvent
    from api.webhooks.services import webhook_endpoint_create

    relationship, reseller_admin = partnership
    for organization, user in ((relationship.provider, admin_member.user), (relationship.reseller, reseller_admin)):
        webhook_endpoint_create(organization=organization, actor=user, url="https://hooks.example/in",
                                event_types=["partnership-admin-access-used"])  # fmt: skip

    account_services.reseller_user_password_reset(
        relationship=relationship, membership=admin_member, user=reseller_agent.user
    )

    events = WebhookEvent.objects.filter(type="partnership-admin-access-used")
    assert sorted(e.organization_id for e in events) == sorted([relationship.provider_id, relationship.reseller_id])


@pytest.mark.django_db(transaction=True)
def test_a_reset_racing_the_removal_either_lands_before_it_or_is_refused(
    active_provider, admin_member, make_reseller, make_member
):
    import threading

    from tests.scenarios import partner
    from tests.threads import platform_thread

    reseller, reseller_admin = make_reseller()
    relationship = partner(active_provider, admin_member.user, reseller, reseller_admin)
    agent = make_member(reseller, Role.SALES_AGENT, email="sam@fabrikam.example")
    outcomes: list[str] = []
    for _ in range(15):
        PartnerRelationship.objects.filter(pk=relationship.pk).update(admin_access=True, admin_access_removed_at=None)
        barrier, errors = threading.Barrier(2), []

        def reset(barrier=barrier, errors=errors):
            barrier.wait()
            try:
                account_services.reseller_user_password_reset(
                    relationship=relationship, membership=admin_member, user=agent.user
                )
                outcomes.append("reset")
            except services.RelationshipsError as exc:
                outcomes.append(exc.code)
            except Exception as exc:  # anything else would be a 500
                errors.append(exc)
            finally:
                connection.close()

        def remove(barrier=barrier, errors=errors):
            barrier.wait()
            try:
                services.partnership_remove_admin_access(
                    relationship=relationship, actor=reseller_admin, reseller=reseller
                )
            except Exception as exc:
                errors.append(exc)
            finally:
                connection.close()

        threads = [platform_thread(reset), platform_thread(remove)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []

    assert set(outcomes) <= {"reset", "no_admin_access"}
    # Each round's reset, when it happened, was recorded before that round's removal: never after it.
    events = list(
        AuditEvent.objects.filter(
            organization=reseller,
            code__in=["partnerhub.reseller_account.password_reset", "partnerhub.partnership.admin_access_removed"],
        ).order_by("pk")
    )
    assert len([e for e in events if e.code.endswith("admin_access_removed")]) == 15
    assert len([e for e in events if e.code.endswith("password_reset")]) == outcomes.count("reset")
    for n, event in enumerate(events):
        if event.code.endswith("password_reset"):  # a round is [reset?, removal]: a reset never follows a removal
            assert events[n + 1].code.endswith("admin_access_removed")


def test_the_reseller_reads_provider_access_through_the_api(admin_member, partnership, reseller_agent, make_member):
    from partnerhub.accounts.models import Membership
    from tests.api.calls import api_for

    relationship, reseller_admin = partnership
    account_services.reseller_user_password_reset(
        relationship=relationship, membership=admin_member, user=reseller_agent.user
    )
    seat = Membership.objects.get(organization=relationship.reseller, user=reseller_admin)
    url = f"/api/v1/relationships/{relationship.pk}/provider-access"

    response = api_for(seat).get(url)

    assert response.status_code == 200
    [use] = response.json()["items"]
    assert (use["action"], use["provider_user_email"], use["subject"]) == (
        "password-reset", "megan@contoso.example", "sam@fabrikam.example",
    )  # fmt: skip
    # The provider reads its own record of the same use; anyone else gets a 404.
    [own] = api_for(admin_member, name="Provider ERP").get(url).json()["items"]
    assert (own["action"], own["subject"]) == ("password-reset", "sam@fabrikam.example")
    outsider = make_member(None, Role.GLOBAL_ADMIN, email="olga@outsider.example")
    assert api_for(outsider, name="Outsider ERP").get(url).status_code == 404
