"""Request a partnership: the draft, sending it, the link's lifecycle and every refusal."""

import logging
import secrets
from datetime import timedelta

import pytest
from django.test import Client

from partnerhub.accounts.models import Role
from partnerhub.core.models import AuditEvent, Notification, OutboundEmail
from relationships.models import PartnerRelationship, PartnershipInvitation


def test_request_a_partnership_shows_a_draft_with_a_personal_link(admin_client, active_provider):
    response = admin_client.post("/partners/resellers/invitations/new/")

    invitation = PartnershipInvitation.objects.get()
    assert response["Location"] == f"/partners/resellers/invitations/{invitation.pk}/draft/"
    page = admin_client.get(response["Location"]).content.decode()
    token = page.split("/partnership/")[1].split("/")[0]
    assert len(token) >= 43
    assert all(c.isalnum() or c in "-_" for c in token)
    assert PartnershipInvitation.objects.filter(
        token_hash=__import__("hashlib").sha256(token.encode()).hexdigest()
    ).exists()
    assert token not in str(list(PartnershipInvitation.objects.values()))
    assert "mailto:?subject=" in page
    assert "Copy to clipboard" in page
    assert invitation.expires_at - invitation.created_at == timedelta(days=30)


def test_send_from_partnerhub_goes_through_the_outbox(admin_client, active_provider, caplog):
    caplog.set_level(logging.DEBUG)
    draft = admin_client.post("/partners/resellers/invitations/new/")["Location"]
    page = admin_client.get(draft).content.decode()
    token = page.split("/partnership/")[1].split("/")[0]

    admin_client.post(draft, {"email": "alex@fabrikam.example", "message": "Let's work together."})

    mail = OutboundEmail.objects.get(to="alex@fabrikam.example")
    assert "Let's work together." in mail.body_text
    assert f"http://testserver/partnership/{token}/" in mail.body_text
    assert PartnershipInvitation.objects.get().recipient_email == "alex@fabrikam.example"
    assert token not in caplog.text
    assert "Sent" in admin_client.get("/partners/resellers/").content.decode()


def test_only_an_active_provider_requests_partnerships(admin_client, admin_member, staff, mpa):
    from tests.scenarios import qualify

    qualify(admin_member.organization, admin_member.user, staff, program="indirect_provider")  # Qualified, not signed

    response = admin_client.post("/partners/resellers/invitations/new/", follow=True)

    assert "Only an active indirect provider can request partnerships" in response.content.decode()
    assert not PartnershipInvitation.objects.exists()


@pytest.mark.parametrize("role", [Role.HELPDESK_AGENT, Role.BILLING_ADMIN, Role.ACCOUNT_ADMIN])
def test_other_roles_cannot_request(client, make_member, active_provider, role):
    client.force_login(make_member(active_provider, role).user)

    assert client.post("/partners/resellers/invitations/new/").status_code == 403
    assert not PartnershipInvitation.objects.exists()


@pytest.mark.parametrize("role", [Role.ADMIN_AGENT, Role.SALES_AGENT])
def test_agents_can_request(client, make_member, active_provider, role):
    client.force_login(make_member(active_provider, role).user)

    assert client.post("/partners/resellers/invitations/new/").status_code == 302
    assert PartnershipInvitation.objects.count() == 1


def test_landing_page_names_the_provider_and_has_no_side_effect(invitation_link):
    invitation, link = invitation_link()

    page = Client().get(link)

    content = page.content.decode()
    assert page.status_code == 200
    assert "Contoso Distribution Inc." in content
    assert "United States" in content
    assert "submit orders and add subscriptions" in content
    assert not PartnerRelationship.objects.exists()
    invitation.refresh_from_db()
    assert (invitation.status, invitation.accepted_at) == ("opened", None)


def test_a_global_admin_authorizes_and_both_sides_list_each_other(client, invitation_link, make_reseller, admin_member):
    reseller, user = make_reseller()
    invitation, link = invitation_link()
    client.force_login(user)

    assert client.post(link, {}).status_code == 200  # the box must be ticked
    assert not PartnerRelationship.objects.exists()
    response = client.post(link, {"authorize": "on"})

    assert response["Location"] == "/partners/providers/"
    relationship = PartnerRelationship.objects.get()
    assert (relationship.provider, relationship.reseller, relationship.admin_access) == (
        admin_member.organization,
        reseller,
        True,
    )
    assert "Contoso Distribution Inc." in client.get("/partners/providers/").content.decode()
    provider_client = Client()
    provider_client.force_login(admin_member.user)
    assert "Fabrikam LLC" in provider_client.get("/partners/resellers/").content.decode()
    assert OutboundEmail.objects.filter(template="partnership_created").count() == 2  # a Global admin on each side
    assert Notification.objects.filter(title__contains="authorized Contoso").count() == 2
    assert AuditEvent.objects.filter(code="partnerhub.partnership.created").count() == 2
    invitation.refresh_from_db()
    assert invitation.status == "accepted"


def _refused(client, link, code, status):
    invitations = PartnershipInvitation.objects.order_by("pk").values("accepted_at", "revoked_at")
    before = PartnerRelationship.objects.count(), list(invitations)
    response = client.post(link, {"authorize": "on"})
    assert response.status_code == status
    assert f'data-code="{code}"' in response.content.decode() or status in (404, 410)
    assert (PartnerRelationship.objects.count(), list(invitations.all())) == before
    return response.content.decode()


def test_refused_for_a_user_who_is_not_global_admin_naming_who_is(client, invitation_link, make_reseller, make_member):
    reseller, admin = make_reseller()
    _, link = invitation_link()
    client.force_login(make_member(reseller, Role.ADMIN_AGENT).user)

    page = _refused(client, link, "not_global_admin", 403)

    assert admin.email in page


def test_refused_without_an_authorized_reseller_enrolment(client, invitation_link, make_reseller):
    _, user = make_reseller(qualified=False)
    _, link = invitation_link()
    client.force_login(user)

    page = _refused(client, link, "not_reseller", 403)

    assert 'href="/programs/csp/"' in page


def test_refused_across_csp_regions_naming_both(client, invitation_link, make_reseller):
    _, user = make_reseller("Tailspin GmbH", country="DE", csp_region="europe")
    _, link = invitation_link()
    client.force_login(user)

    page = _refused(client, link, "region_mismatch", 403)

    assert "United States" in page
    assert "Europe" in page


def test_refused_when_already_partners_showing_the_partnership(client, invitation_link, make_reseller):
    _, user = make_reseller()
    _, first = invitation_link()
    _, second = invitation_link()
    client.force_login(user)
    client.post(first, {"authorize": "on"})

    page = _refused(client, second, "already_partners", 409)

    assert "already partners (since" in page


def test_used_expired_and_revoked_links_are_gone(invitation_link, make_reseller, admin_member, time_machine):
    _, user = make_reseller()
    client, admin_client = Client(), Client()
    admin_client.force_login(admin_member.user)
    _, used = invitation_link()
    client.force_login(user)
    client.post(used, {"authorize": "on"})
    assert client.get(used).status_code == 410

    revoked_invitation, revoked = invitation_link()
    admin_client.post(f"/partners/resellers/invitations/{revoked_invitation.pk}/revoke/")
    assert Client().get(revoked).status_code == 410

    expiring, expired = invitation_link()
    time_machine.move_to(expiring.expires_at + timedelta(seconds=1))
    assert Client().get(expired).status_code == 410


def test_the_link_still_works_one_second_before_it_expires(invitation_link, time_machine):
    invitation, link = invitation_link()

    time_machine.move_to(invitation.expires_at - timedelta(seconds=1))

    assert Client().get(link).status_code == 200


def test_resend_issues_a_new_link_and_kills_the_old_one(admin_client, invitation_link):
    invitation, old = invitation_link()

    page = admin_client.post(f"/partners/resellers/invitations/{invitation.pk}/resend/", follow=True).content.decode()

    new = "/partnership/" + page.split("/partnership/")[1].split("/")[0] + "/"
    assert new != old
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200


def test_guessed_tokens_are_404_then_rate_limited(db):
    client = Client()
    statuses = [client.get(f"/partnership/{secrets.token_urlsafe(32)}/").status_code for _ in range(1000)]

    assert set(statuses) == {404, 429}
    assert statuses[:30] == [404] * 30
    assert statuses[-1] == 429
