"""A customer admin signs in as admin@<prefix>.onpartnerhub.example, which is no mailbox: the person who owns
the account recovers it through their own, confirmed address, and a partner's Admin agent can reset the
password for them (shown once, changed at the next sign-in)."""

from __future__ import annotations

import re
from email.message import Message

import pytest
from django.test import Client

from access.models import AdminRelationship
from partnerhub.accounts.models import Membership, Role, User
from partnerhub.core.models import AuditEvent, OutboundEmail
from partnerhub.core.tasks import send_outbound_email_task
from tests.customers.test_invitations import _client
from tests.customers.test_invitations import _link as _link_of
from tests.scenarios import ACCOUNT

CONTACT = "nestor@woodgrove.example"  # the wizard's primary contact (tests/scenarios.py ACCOUNT)
NEW_PASSWORD = "my-own-passphrase-2026"


def _deliver(template: str, to: str, smtp_server) -> str:
    """Send the latest queued email through the real SMTP server; the text the recipient reads."""
    email = OutboundEmail.objects.filter(template=template, to=to).latest("pk")
    send_outbound_email_task.apply(args=[email.pk]).get()
    received: Message = smtp_server.messages[-1]
    assert received["To"] == to
    return next(part.get_payload(decode=True).decode() for part in received.walk()
                if part.get_content_type() == "text/plain")  # fmt: skip


def _link(text: str) -> str:
    return re.search(r"http://testserver(/\S+)", text).group(1)


def _confirm_recovery_address(smtp_server) -> None:
    confirm = _link(_deliver("recovery_email_confirm", CONTACT, smtp_server))
    page = Client().get(confirm)
    assert "admin@woodgrovefoods.onpartnerhub.example" in page.content.decode()
    Client().post(confirm)


@pytest.mark.worker
@pytest.mark.parametrize("typed", [CONTACT, "admin@woodgrovefoods.onpartnerhub.example"], ids=["own", "sign-in"])
def test_the_owner_recovers_the_customer_admin_through_their_own_address(
    transactional_db, seller, make_customer, smtp_server, typed
):
    created = make_customer("woodgrovefoods")
    _confirm_recovery_address(smtp_server)
    visitor = Client()

    visitor.post("/accounts/password/reset/", {"email": typed})
    reset_mail = _deliver("password_reset_key", CONTACT, smtp_server)
    form = visitor.get(_link(reset_mail), follow=True)
    visitor.post(form.redirect_chain[-1][0] if form.redirect_chain else _link(reset_mail),
                 {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})  # fmt: skip
    signed_in = Client().post("/accounts/login/", {"login": created.user_name, "password": NEW_PASSWORD})

    assert "You sign in as admin@woodgrovefoods.onpartnerhub.example" in reset_mail
    assert not OutboundEmail.objects.filter(to=created.user_name).exists()  # nothing to the address nobody reads
    assert signed_in.status_code == 302
    assert not User.objects.get(email=created.user_name).must_change_password


@pytest.mark.django_db
def test_an_unconfirmed_address_gets_nothing_about_the_account(seller, make_customer):
    make_customer("woodgrovefoods")

    Client().post("/accounts/password/reset/", {"email": CONTACT})
    Client().post("/accounts/password/reset/", {"email": "admin@woodgrovefoods.onpartnerhub.example"})

    assert not OutboundEmail.objects.filter(to=CONTACT, template="password_reset_key").exists()
    assert OutboundEmail.objects.filter(to=CONTACT, template="unknown_account").exists()


@pytest.mark.django_db
def test_an_outdated_confirmation_link_is_gone_and_a_forged_one_not_found(seller, make_customer):
    created = make_customer("woodgrovefoods")
    link = _link(OutboundEmail.objects.get(template="recovery_email_confirm").body_text)
    admin = User.objects.get(email=created.user_name)
    admin.recovery_email = "someone-else@woodgrove.example"
    admin.save()

    outdated, forged = Client().post(link), Client().get(link[:-3] + "xyz/")

    assert (outdated.status_code, forged.status_code) == (410, 404)
    assert "no longer valid" in outdated.content.decode()
    assert not User.objects.get(pk=admin.pk).recovery_email_verified


# --- the partner resets the password --------------------------------------------------------------------


@pytest.fixture
def woodgrove(seller, make_customer):
    """Woodgrove, a customer of Contoso (admin roles granted), whose admin chose their own password."""
    created = make_customer("woodgrovefoods")
    admin = User.objects.get(email=created.user_name)
    admin.set_password("the-forgotten-password")
    admin.must_change_password = False
    admin.save()
    return created.organization, admin


def _reset_path(customer, user) -> str:
    return f"/customers/{customer.tenant_id}/users/{user.pk}/reset-password/"


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.ADMIN_AGENT, Role.GLOBAL_ADMIN])
def test_an_admin_agent_resets_a_customer_users_password_shown_once(seller, woodgrove, make_member, role):
    customer, admin = woodgrove
    agent = make_member(seller[0], role, email=f"{role}@contoso.example").user
    client = _client(agent)

    users_page = client.get(f"/customers/{customer.tenant_id}/users/").content.decode()
    done = client.post(_reset_path(customer, admin)).content.decode()
    shown = re.search(r'data-testid="reset-temporary-password">([^<]+)<', done).group(1)
    admin.refresh_from_db()

    assert "admin@woodgrovefoods.onpartnerhub.example" in users_page
    assert 'data-testid="reset-user-name">admin@woodgrovefoods.onpartnerhub.example<' in done
    assert admin.check_password(shown)
    assert shown not in admin.password
    assert admin.must_change_password
    assert not admin.check_password("the-forgotten-password")
    audited = AuditEvent.objects.filter(code="partnerhub.customer_user.password_reset")
    assert set(audited.values_list("organization", flat=True)) == {seller[0].pk, customer.pk}
    assert shown not in client.get(f"/customers/{customer.tenant_id}/users/").content.decode()
    signed_in = Client()
    signed_in.post("/accounts/login/", {"login": admin.email, "password": shown})
    assert signed_in.get("/customer/partners/").headers["Location"] == "/accounts/password/change/"


@pytest.mark.django_db
def test_a_helpdesk_agent_cannot_reset_a_customer_password(seller, woodgrove, make_member):
    customer, admin = woodgrove
    helpdesk = make_member(seller[0], Role.HELPDESK_AGENT, email="helpdesk@contoso.example").user

    response = _client(helpdesk).post(_reset_path(customer, admin))

    admin.refresh_from_db()
    assert response.status_code == 403
    assert admin.check_password("the-forgotten-password")
    assert not admin.must_change_password


@pytest.mark.django_db
def test_another_tenants_customer_or_user_is_not_found(seller, woodgrove, make_reseller, make_customer):
    customer, admin = woodgrove
    outsider, outsider_admin = make_reseller("Outsider Solutions LLC")
    other = User.objects.get(email=make_customer("northwindtraders", with_reseller=False).user_name)
    provider_client = _client(seller[1])

    answers = (
        _client(outsider_admin).get(f"/customers/{customer.tenant_id}/users/").status_code,
        _client(outsider_admin).post(_reset_path(customer, admin)).status_code,
        provider_client.post(_reset_path(customer, other)).status_code,  # Northwind's admin, via Woodgrove
        provider_client.post(_reset_path(customer, seller[1])).status_code,  # a partner user, via Woodgrove
    )

    assert answers == (404, 404, 404, 404)
    admin.refresh_from_db()
    assert admin.check_password("the-forgotten-password")
    assert not AuditEvent.objects.filter(code="partnerhub.customer_user.password_reset").exists()


@pytest.mark.django_db
def test_without_admin_roles_the_partner_is_told_why_it_cannot_reset(seller, woodgrove):
    customer, admin = woodgrove
    AdminRelationship.objects.filter(customer=customer).update(status=AdminRelationship.Status.TERMINATED)
    client = _client(seller[1])

    page = client.get(f"/customers/{customer.tenant_id}/users/").content.decode()
    refused = client.post(_reset_path(customer, admin))

    assert "was terminated on" in page
    assert refused.status_code == 403
    admin.refresh_from_db()
    assert admin.check_password("the-forgotten-password")


@pytest.mark.django_db
def test_the_owner_hears_of_a_reset_at_their_confirmed_address(seller, woodgrove):
    customer, admin = woodgrove
    admin.recovery_email_verified = True
    admin.save()

    _client(seller[1]).post(_reset_path(customer, admin))

    notice = OutboundEmail.objects.get(template="customer_password_reset_by_partner")
    assert notice.to == CONTACT
    assert "Contoso Distribution Inc." in notice.subject
    assert Membership.objects.filter(user=admin, organization=customer).exists()


# --- which address to sign in with ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_signup_from_a_link_says_which_address_to_sign_in_with_and_where_recovery_goes(seller):
    _, path = _link_of(_client(seller[1]))
    visitor = Client()

    form = visitor.get(path).content.decode()
    visitor.post(
        path,
        {**ACCOUNT, "domain_prefix": "fourthcoffee", "company_name": "Fourth Coffee Inc.",
         "password": "a-long-enough-passphrase", "authorize": "on", "accept_agreement": "on"},
    )  # fmt: skip
    welcome = visitor.get("/customer/partners/").content.decode()

    assert "You will sign in as <strong>admin@<em>your-domain-name</em>.onpartnerhub.example</strong>" in form
    assert "You sign in as admin@fourthcoffee.onpartnerhub.example." in welcome
    assert f"confirm your address {CONTACT} from the email we sent there" in welcome
    assert OutboundEmail.objects.filter(to=CONTACT, template="recovery_email_confirm").exists()
