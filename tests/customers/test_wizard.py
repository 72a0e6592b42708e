"""Add new customer: the wizard's steps, every validation rule, Cancel, and the one-time password."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from customers import services
from customers.models import Customer, CustomerRelationship, Subscription
from partnerhub.accounts.models import Membership, Organization, Role, User
from partnerhub.core.models import OutboundEmail
from tests.scenarios import ACCOUNT, attested

pytestmark = pytest.mark.django_db


def _account_post(**overrides):
    data = {**ACCOUNT, **overrides}
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def provider_client(seller):
    client = Client()
    client.force_login(seller[1])
    return client


def _run_wizard(client, seller, offers, **account):
    provider, user, reseller, _ = seller
    response = client.get(f"/customers/new/?reseller={reseller.pk}")
    assert response.status_code == 200
    response = client.post("/customers/new/", _account_post(reseller=reseller.pk, **account))
    assert response.status_code == 302, response.content.decode()[:3000]
    yesterday = (timezone.now() - timedelta(days=1)).date().isoformat()
    response = client.post(
        "/customers/new/agreement/",
        {"how": "attest", "first_name": "Nestor", "last_name": "Wilke", "email": "nestor@woodgrove.example",
         "date_agreed": yesterday},
    )  # fmt: skip
    assert response.headers["Location"] == "/customers/new/subscriptions/"
    response = client.post(
        "/customers/new/subscriptions/",
        {f"quantity_{offers['standard'].pk}": "10", f"quantity_{offers['security'].pk}": "5"},
    )
    assert response.headers["Location"] == "/customers/new/review/"
    review = client.get("/customers/new/review/").content.decode()
    assert "Fabrikam Solutions LLC" in review
    assert "Business Standard" in review
    assert "English (United States of America) · English" in review  # names, not en-US · en
    return client.post("/customers/new/review/", {"confirm": "on"})


def test_the_wizard_creates_the_customer_its_admin_relationships_agreement_and_order(provider_client, seller, offers):
    provider, _, reseller, _ = seller

    response = _run_wizard(provider_client, seller, offers)

    assert response.headers["Location"] == "/customers/new/done/"
    customer = Organization.objects.get(kind="customer")
    assert customer.legal_name == "Woodgrove Foods Inc."
    assert customer.customer_profile.domain == "woodgrovefoods.onpartnerhub.example"
    kinds = dict(CustomerRelationship.objects.filter(customer=customer).values_list("partner", "kind"))
    assert kinds == {provider.pk: "indirect_provider", reseller.pk: "indirect_reseller"}
    assert CustomerRelationship.objects.get(partner=provider, customer=customer).reseller == reseller
    assert customer.customer_agreement_acceptances.get().date_agreed < timezone.now().date()
    subscriptions = Subscription.objects.filter(customer=customer)
    assert sorted(subscriptions.values_list("quantity", flat=True)) == [5, 10]
    location = reseller.partner_ids.get(csp_associated=True)
    assert {s.partner_of_record_id for s in subscriptions} == {location.pk}
    assert {s.support_contact_id for s in subscriptions} == {provider.pk}
    # the contact who accepted is told, and the reseller's admins are told
    assert OutboundEmail.objects.filter(to="nestor@woodgrove.example", template="customer_agreement_attested").exists()
    assert OutboundEmail.objects.filter(template="customer_added_for_reseller").exists()


def test_the_temporary_password_is_shown_once_stored_hashed_and_must_be_changed(provider_client, seller, offers):
    _run_wizard(provider_client, seller, offers)

    first = provider_client.get("/customers/new/done/")
    page = first.content.decode()
    user = User.objects.get(email="admin@woodgrovefoods.onpartnerhub.example")
    password = page.split('data-testid="temporary-password">')[1].split("<")[0]
    assert len(password) == 19
    assert "no-store" in first["Cache-Control"]
    assert "admin@woodgrovefoods.onpartnerhub.example" in page
    # shown once
    again = provider_client.get("/customers/new/done/")
    assert again.status_code == 410
    assert password not in again.content.decode()
    # stored only as a hash
    assert user.password.startswith(("argon2", "pbkdf2", "bcrypt", "scrypt", "md5"))
    assert password not in user.password
    assert user.check_password(password)
    assert user.must_change_password
    assert Membership.objects.get(user=user).roles == [Role.GLOBAL_ADMIN]

    # first sign-in: everything but the password change redirects there
    customer_client = Client()
    response = customer_client.post(
        "/accounts/login/", {"login": "admin@woodgrovefoods.onpartnerhub.example", "password": password}
    )
    assert response.status_code == 302
    assert customer_client.get("/customer/partners/").headers["Location"] == "/accounts/password/change/"
    response = customer_client.post(
        "/accounts/password/change/",
        {"oldpassword": password, "password1": "a-new-long-passphrase-42", "password2": "a-new-long-passphrase-42"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password
    partners = customer_client.get("/customer/partners/")
    assert partners.status_code == 200
    assert "Fabrikam Solutions LLC" in partners.content.decode()


def test_cancel_leaves_nothing_behind(provider_client, seller):
    _, _, reseller, _ = seller
    provider_client.post("/customers/new/", _account_post(reseller=reseller.pk))
    before = Organization.objects.count(), User.objects.count()

    response = provider_client.post("/customers/new/cancel/")

    assert response.headers["Location"] == "/customers/"
    assert (Organization.objects.count(), User.objects.count()) == before
    assert not Customer.objects.exists()
    # the wizard starts again from the first step
    assert provider_client.get("/customers/new/review/").headers["Location"] == "/customers/new/"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"company_name": "X"}, "company_name", "single character"),
        ({"company_name": "#&*!"}, "company_name", "only special characters"),
        ({"company_name": "LLC"}, "company_name", "legal form"),
        ({"domain_prefix": "Bad_Domain!"}, "domain_prefix", "lowercase letters"),
        ({"country": "FR"}, "country", "own region"),
        ({"contact_email": "pat@contoso.example"}, "contact_email", "your own domain"),
        ({"registration_number": "12345"}, "registration_number", "only collected"),
        ({"company_name": ""}, "company_name", "This field is required"),
    ],
)
def test_account_info_refuses_bad_input_with_a_specific_message(provider_client, seller, overrides, field, message):
    response = provider_client.post("/customers/new/", _account_post(**overrides))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert message in " ".join(response.context["form"].errors.get(field, []))
    assert (
        "customer_wizard" not in provider_client.session or "account" not in provider_client.session["customer_wizard"]
    )


def test_registration_number_and_phone_are_required_where_the_country_requires_them(seller):
    provider = seller[0]
    provider.country, provider.csp_region = "BR", "brazil"
    account = {**ACCOUNT, "country": "BR"}

    with pytest.raises(services.CustomersError, match="CNPJ"):
        services.check_account(provider, account)
    with pytest.raises(services.CustomersError, match="phone"):
        services.check_account(provider, {**account, "registration_number": "12.345.678/0001-90"})
    services.check_account(provider, {**account, "registration_number": "12.345.678/0001-90", "contact_phone": "+5511"})


def test_a_taken_domain_is_refused_and_the_live_check_says_so(provider_client, make_customer):
    make_customer("woodgrovefoods")

    live = provider_client.get("/customers/new/domain/?domain_prefix=woodgrovefoods").content.decode()
    free = provider_client.get("/customers/new/domain/?domain_prefix=woodgrove2").content.decode()
    response = provider_client.post("/customers/new/", _account_post())

    assert "already taken" in live
    assert "woodgrove2.onpartnerhub.example is available" in free
    assert "already taken" in response.content.decode()
    assert Customer.objects.count() == 1


def test_only_eligible_resellers_are_offered_and_accepted(provider_client, seller, make_reseller):
    provider, _, reseller, _ = seller
    stranger, _ = make_reseller("Not A Partner LLC")  # verified and signed, but no partnership

    page = provider_client.get("/customers/new/?new=1").content.decode()
    response = provider_client.post("/customers/new/", _account_post(reseller=stranger.pk))

    assert "Fabrikam Solutions LLC" in page
    assert "Not A Partner LLC" not in page
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_a_reseller_without_agreement_cant_be_associated(seller):
    from agreements.models import AgreementAcceptance

    provider, _, reseller, _ = seller
    AgreementAcceptance.objects.filter(organization=reseller).delete()

    with pytest.raises(services.CustomersError, match="partner agreement accepted"):
        services.check_reseller(provider, reseller)


def test_a_reseller_never_in_partnership_is_not_named(seller, make_reseller):
    """Issue 15: the refusal named any organization whose id reached it; a stranger stays unnamed."""
    provider = seller[0]
    stranger, _ = make_reseller("Not A Partner LLC")

    with pytest.raises(services.CustomersError) as refused:
        services.check_reseller(provider, stranger)

    assert refused.value.message == "This reseller isn't available to you: choose one of the resellers listed."


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"date_agreed": timezone.now().date() + timedelta(days=1)}, "can't be in the future"),
        ({"first_name": ""}, "first name"),
        ({"email": ""}, "email"),
        ({"date_agreed": None}, "date the customer accepted"),
    ],
)
def test_the_attestation_needs_the_person_and_a_date_not_in_the_future(seller, overrides, message):
    with pytest.raises(services.CustomersError, match=message):
        services.check_agreement(attested(**overrides))


def test_agreement_step_refuses_a_future_date_on_the_page(provider_client, seller):
    provider_client.post("/customers/new/", _account_post(reseller=seller[2].pk))
    tomorrow = (timezone.now() + timedelta(days=1)).date().isoformat()

    response = provider_client.post(
        "/customers/new/agreement/",
        {"how": "attest", "first_name": "N", "last_name": "W", "email": "n@woodgrove.example", "date_agreed": tomorrow},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["date_agreed"] == ["The date agreed can't be in the future."]


def test_leaving_the_agreement_to_the_customer_skips_subscriptions(provider_client, seller):
    provider_client.post("/customers/new/", _account_post(reseller=seller[2].pk))

    response = provider_client.post("/customers/new/agreement/", {"how": "customer"})
    provider_client.post("/customers/new/review/", {"confirm": "on"})

    assert response.headers["Location"] == "/customers/new/review/"
    customer = Organization.objects.get(kind="customer")
    assert not customer.customer_agreement_acceptances.exists()
    assert not Subscription.objects.filter(customer=customer).exists()


def test_an_order_without_the_agreement_is_refused_at_submit(seller, offers):
    provider, user, reseller, _ = seller
    data = services.NewCustomer(
        account=dict(ACCOUNT),
        reseller=reseller,
        agreement=services.AgreementInput(attest=False),
        lines=[services.LineInput(offer=offers["standard"], quantity=1)],
    )

    with pytest.raises(services.CustomersError, match="accept the customer agreement"):
        services.customer_create(partner=provider, actor=user, data=data)
    assert not Customer.objects.exists()


def test_review_requires_the_indirect_partner_attestation(provider_client, seller):
    provider_client.post("/customers/new/", _account_post(reseller=seller[2].pk))
    provider_client.post("/customers/new/agreement/", {"how": "customer"})

    response = provider_client.post("/customers/new/review/", {})

    assert "Tick the box to confirm how your organization is acting." in response.content.decode()
    assert not Customer.objects.exists()


def test_subscriptions_step_refuses_quantities_outside_the_offer(provider_client, seller, offers):
    provider_client.post("/customers/new/", _account_post(reseller=seller[2].pk))
    yesterday = (timezone.now() - timedelta(days=1)).date().isoformat()
    provider_client.post(
        "/customers/new/agreement/",
        {
            "how": "attest",
            "first_name": "N",
            "last_name": "W",
            "email": "n@woodgrove.example",
            "date_agreed": yesterday,
        },
    )

    response = provider_client.post("/customers/new/subscriptions/", {f"quantity_{offers['security'].pk}": "51"})

    assert response.status_code == 200
    assert "less than or equal to 50" in response.content.decode()
    assert "EU Backup Vault" not in response.content.decode()  # not sold in this market


def test_a_name_that_looks_like_a_web_address_is_warned_about_on_review(provider_client, seller):
    provider_client.post("/customers/new/", _account_post(company_name="woodgrove.com", reseller=seller[2].pk))
    provider_client.post("/customers/new/agreement/", {"how": "customer"})

    page = provider_client.get("/customers/new/review/").content.decode()

    assert "Please make sure your company name is correct." in page


def test_resellers_and_roles_without_permission_cant_add_customers(seller, make_member):
    provider, _, reseller, reseller_user = seller
    reseller_client = Client()
    reseller_client.force_login(reseller_user)
    helpdesk = make_member(provider, Role.HELPDESK_AGENT, email="hd@contoso.example")
    helpdesk_client = Client()
    helpdesk_client.force_login(helpdesk.user)

    refused = reseller_client.get("/customers/new/")
    assert refused.status_code == 403
    assert "ask your indirect provider" in refused.content.decode()
    assert helpdesk_client.get("/customers/new/").status_code == 403
    with pytest.raises(services.CustomersError, match="ask your indirect provider"):
        services.customer_create(partner=reseller, actor=reseller_user, data=services.NewCustomer(account=ACCOUNT))


def test_a_direct_customer_has_no_reseller(make_customer, seller):
    created = make_customer("directco", with_reseller=False)

    rows = CustomerRelationship.objects.filter(customer=created.organization)
    assert list(rows.values_list("partner", "reseller")) == [(seller[0].pk, None)]


def test_a_reseller_that_became_ineligible_before_submit_is_not_silently_dropped(provider_client, seller):
    from relationships.models import PartnerRelationship

    provider_client.post("/customers/new/", _account_post(reseller=seller[2].pk))
    provider_client.post("/customers/new/agreement/", {"how": "customer"})
    PartnerRelationship.objects.filter(reseller=seller[2]).update(status="removed")

    page = provider_client.get("/customers/new/review/")
    response = provider_client.post("/customers/new/review/", {"confirm": "on"})

    assert "can no longer be associated" in page.content.decode()
    assert "can no longer be associated" in response.content.decode()
    assert not Customer.objects.exists()
