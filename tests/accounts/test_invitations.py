"""Inviting a user: a personal link (hashed, 7 days, single use, bound to the address)."""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.utils import timezone

from partnerhub.accounts.models import Membership, Role, User, UserInvitation
from partnerhub.accounts.services import user_invitation_accept
from partnerhub.core.invitations import hash_token
from partnerhub.core.models import AuditEvent, Notification, OutboundEmail
from tests.factories import UserFactory

LINK = re.compile(r"http://testserver(/invitations/[\w-]+/)")


def _link(email: str) -> str:
    mail = OutboundEmail.objects.filter(to=email, template="user_invitation").latest("created_at")
    return LINK.search(mail.body_text).group(1)


def test_invite_sends_a_personal_link_and_stores_only_its_hash(admin_client, provider):
    response = admin_client.post(
        "/settings/users/invite/", {"email": "Sam@Contoso.example", "roles": [Role.SALES_AGENT, Role.ADMIN_AGENT]}
    )

    assert response.status_code == 302
    invitation = UserInvitation.objects.get()
    assert invitation.email == "sam@contoso.example"
    assert invitation.roles == [Role.ADMIN_AGENT, Role.SALES_AGENT]
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)
    token = _link("sam@contoso.example").split("/")[2]
    assert len(token) >= 43  # token_urlsafe(32)
    assert invitation.token_hash == hash_token(token)
    assert token not in str(UserInvitation.objects.values().get())
    mail = OutboundEmail.objects.get(to="sam@contoso.example")
    assert "Contoso Distribution Inc." in mail.subject
    assert "Admin agent, Sales agent" in mail.body_text
    assert f'href="http://testserver/invitations/{token}/"' in mail.body_html
    page = admin_client.get("/settings/users/").content.decode()
    assert "sam@contoso.example" in page
    assert "Pending" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not-an-email", "roles": [Role.SALES_AGENT]}, "Enter a valid email address."),
        ({"email": "sam@contoso.example"}, "Choose at least one role."),
        ({"email": "sam@contoso.example", "roles": ["emperor"]}, "Select a valid choice."),
        ({"email": "megan@contoso.example", "roles": [Role.SALES_AGENT]}, "is already a member of"),
    ],
)
def test_bad_invitations_are_refused_with_a_message(admin_client, admin_member, data, message):
    response = admin_client.post("/settings/users/invite/", data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not UserInvitation.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_second_invitation_to_the_same_address_points_to_resend(admin_client, pending_invitation):
    response = admin_client.post(
        "/settings/users/invite/", {"email": "newbie@contoso.example", "roles": ["sales_agent"]}
    )

    assert "already has a pending invitation" in response.content.decode()
    assert UserInvitation.objects.count() == 1


def test_anonymous_landing_page_has_no_side_effect_and_offers_sign_up(client, pending_invitation):
    link = _link("newbie@contoso.example")

    page = client.get(link)

    assert page.status_code == 200
    assert page["Referrer-Policy"] == "same-origin"
    content = page.content.decode()
    assert "Join Contoso Distribution Inc." in content
    assert "email=newbie%40contoso.example" in content
    pending_invitation.refresh_from_db()
    assert pending_invitation.status == "pending"
    assert not Membership.objects.filter(user__email="newbie@contoso.example").exists()


def test_invitee_signs_up_without_a_second_verification_and_joins(client, pending_invitation, admin_member):
    link = _link("newbie@contoso.example")
    client.get(link)

    signup = client.post(
        f"/accounts/signup/?next={link}",
        {
            "first_name": "Nina",
            "last_name": "Newbie",
            "email": "newbie@contoso.example",
            "password1": "a-long-enough-password",
            "password2": "a-long-enough-password",
            "next": link,
        },
    )

    assert signup.status_code == 302
    assert signup["Location"] == link
    assert EmailAddress.objects.get(email="newbie@contoso.example").verified
    assert not OutboundEmail.objects.filter(to="newbie@contoso.example").exclude(template="user_invitation").exists()
    join = client.post(link)
    assert join["Location"] == "/"
    membership = Membership.objects.get(user__email="newbie@contoso.example")
    assert membership.organization == pending_invitation.organization
    assert membership.roles == [Role.ADMIN_AGENT]
    assert "Contoso Distribution Inc." in client.get("/").content.decode()
    assert AuditEvent.objects.filter(code="partnerhub.user_invitation.accepted").exists()
    assert Notification.objects.filter(user=admin_member.user, title__contains="Nina Newbie joined").exists()


def test_existing_user_signs_in_and_joins_a_second_organization(client, make_member, outsider, pending_invitation):
    existing = make_member(outsider, Role.GLOBAL_ADMIN, email="newbie@contoso.example")
    client.force_login(existing.user)
    link = _link("newbie@contoso.example")

    assert client.post(link).status_code == 302

    assert Membership.objects.filter(user=existing.user).count() == 2
    dashboard = client.get("/").content.decode()
    assert "Contoso Distribution Inc." in dashboard  # now acting for the organization just joined


def test_reused_link_is_gone(client, pending_invitation):
    link = _link("newbie@contoso.example")
    user = UserFactory(email="newbie@contoso.example")
    client.force_login(user)
    client.post(link)

    again = client.post(link)

    assert again.status_code == 410
    assert "no longer valid" in again.content.decode()
    assert client.get(link).status_code == 410


def test_expired_link_is_gone(client, pending_invitation, time_machine):
    link = _link("newbie@contoso.example")
    user = UserFactory(email="newbie@contoso.example")
    client.force_login(user)
    time_machine.move_to(timezone.now() + timedelta(days=7, seconds=1))

    response = client.post(link)

    assert response.status_code == 410
    assert not Membership.objects.filter(user=user).exists()


def test_revoked_link_is_gone(admin_client, pending_invitation):
    client = Client()  # the invitee's browser, not the admin's
    link = _link("newbie@contoso.example")
    admin_client.post(f"/settings/users/invitations/{pending_invitation.pk}/revoke/")

    assert client.get(link).status_code == 410
    pending_invitation.refresh_from_db()
    assert pending_invitation.status == "revoked"


def test_unknown_token_is_404(client, db):
    assert client.get("/invitations/not-a-real-token/").status_code == 404


def test_resend_issues_a_new_link_and_kills_the_old_one(admin_client, pending_invitation):
    client = Client()  # the invitee's browser, not the admin's
    old = _link("newbie@contoso.example")

    admin_client.post(f"/settings/users/invitations/{pending_invitation.pk}/resend/")

    new = _link("newbie@contoso.example")
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_wrong_signed_in_address_gets_403_and_no_membership(client, make_member, outsider, pending_invitation):
    intruder = make_member(outsider, Role.GLOBAL_ADMIN, email="intruder@outsider.example")
    client.force_login(intruder.user)
    link = _link("newbie@contoso.example")

    response = client.post(link)

    assert response.status_code == 403
    assert "This invitation was sent to newbie@contoso.example" in response.content.decode()
    assert not Membership.objects.filter(user=intruder.user, organization=pending_invitation.organization).exists()
    pending_invitation.refresh_from_db()
    assert pending_invitation.status == "pending"


def test_unverified_address_cannot_accept(pending_invitation):
    user = UserFactory(email="newbie@contoso.example", verified=False)

    with pytest.raises(Exception, match="This invitation was sent to"):
        user_invitation_accept(invitation=pending_invitation, user=user)

    assert not Membership.objects.filter(user=user).exists()


def test_accepting_twice_creates_one_membership(pending_invitation):
    user = UserFactory(email="newbie@contoso.example")
    user_invitation_accept(invitation=pending_invitation, user=user)

    with pytest.raises(Exception, match="no longer valid"):
        user_invitation_accept(invitation=pending_invitation, user=user)

    assert Membership.objects.filter(user=user).count() == 1


def test_expired_invitation_can_be_replaced_by_a_new_one(admin_client, pending_invitation, time_machine):
    time_machine.move_to(timezone.now() + timedelta(days=8))

    admin_client.post("/settings/users/invite/", {"email": "newbie@contoso.example", "roles": ["sales_agent"]})

    assert UserInvitation.objects.count() == 2
    assert UserInvitation.objects.get(pk=pending_invitation.pk).status == "revoked"
    assert User.objects.filter(email="newbie@contoso.example").count() == 0


def test_invitation_links_are_rate_limited_per_ip(client, db):
    for _ in range(30):
        client.get("/invitations/guessing-a-token/")

    response = client.get("/invitations/guessing-a-token/")

    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()
