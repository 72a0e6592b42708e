"""Sign-in: staff through allauth for /admin/, failed-login limits, TOTP and password reset."""

import re
from datetime import timedelta

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.utils import timezone

from partnerhub.core.models import OutboundEmail
from partnerhub.core.outbox import outbound_email_queue_rendered

PASSWORD = "correct-horse-battery"


def _totp(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(timezone.now().timestamp()) // 30))


def test_admin_sign_in_goes_through_allauth(client, staff):
    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    client.post("/accounts/login/", {"login": staff.email, "password": PASSWORD})
    assert client.get("/admin/").status_code == 200


def test_partner_users_cannot_enter_the_admin(admin_client):
    response = admin_client.get("/admin/")

    assert response.status_code in (302, 403)
    assert "/admin/core/" not in response.content.decode()


def test_staff_read_every_email_with_its_links_masked_in_the_admin(client, staff, transactional_db):
    email = outbound_email_queue_rendered(
        to="sam@contoso.example",
        template="user_invitation",
        subject="Join",
        body_text="Open http://testserver/invitations/Tok3n-s3cret-42/ or http://testserver/accounts/login/",
    )
    client.force_login(staff)

    listing = client.get("/admin/core/outboundemail/").content.decode()
    detail = client.get(f"/admin/core/outboundemail/{email.pk}/change/").content.decode()

    assert "sam@contoso.example" in listing
    assert "Tok3n-s3cret-42" not in detail  # issue 15: tests/core/test_outbox_secrets.py covers every email
    assert "http://testserver/invitations/…[link removed]" in detail
    assert '<a href="http://testserver/accounts/login/"' in detail  # a page that carries nothing stays a link


def test_repeated_failed_sign_ins_are_limited_per_account(client, admin_member):
    for _ in range(5):
        client.post("/accounts/login/", {"login": admin_member.user.email, "password": "wrong-password"})

    response = client.post("/accounts/login/", {"login": admin_member.user.email, "password": PASSWORD})

    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_totp_can_be_activated_and_is_then_required_at_sign_in(client, admin_member, time_machine):
    user = admin_member.user
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert client.get("/accounts/2fa/").status_code == 200
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})  # allauth asks again before MFA changes
    client.get("/accounts/2fa/totp/activate/")
    secret = client.session["mfa.totp.secret"]

    client.post("/accounts/2fa/totp/activate/", {"code": _totp(secret)})

    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    client.post("/accounts/logout/")
    time_machine.move_to(timezone.now() + timedelta(seconds=60))
    step = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert step["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session
    client.post("/accounts/2fa/authenticate/", {"code": _totp(secret)})
    assert client.session["_auth_user_id"] == str(user.pk)


def test_password_reset_link_arrives_through_the_outbox(client, admin_member):
    client.post("/accounts/password/reset/", {"email": admin_member.user.email})

    mail = OutboundEmail.objects.get(to=admin_member.user.email)
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", mail.body_text).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    client.post(form.redirect_chain[-1][0], {"password1": "brand-new-password-1", "password2": "brand-new-password-1"})
    admin_member.user.refresh_from_db()
    assert admin_member.user.check_password("brand-new-password-1")


def test_password_reset_for_an_unknown_address_looks_the_same(client, db, settings):
    settings.SITE_URL = "https://portal.partnerhub.example"

    response = client.post("/accounts/password/reset/", {"email": "nobody@contoso.example"}, HTTP_HOST="testserver")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"
    mail = OutboundEmail.objects.get(to="nobody@contoso.example")  # "no account here; sign up?"
    assert "https://portal.partnerhub.example/accounts/signup/" in mail.body_text
