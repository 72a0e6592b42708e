# ruff: noqa: F811 - the fixtures imported from tests.api.commerce are this module's arguments
"""Customers and customer invitations through the API: the Customers page's list and filters, a customer,
the Add new customer wizard in one call (its rules and sentences), reseller relationship requests; each with
its permission and another tenant's ids."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.hashers import check_password
from django.utils import timezone

from customers.models import Customer, CustomerInvitation, CustomerRelationship, Subscription
from partnerhub.accounts.models import Role, User
from tests.api.commerce import (  # noqa: F401 - fixtures
    API_CALL_QUERIES,
    contoso_api,
    contoso_api_as,
    fabrikam_api,
    northwind,
    problem_of,
    queries_of,
)
from tests.customers.bulk import bulk_customers

pytestmark = pytest.mark.django_db

ACCOUNT = {
    "company_name": "Adatum Corporation",
    "domain_prefix": "adatumcorp",
    "country": "US",
    "address_line1": "1 Adatum Way",
    "city": "Redmond",
    "state": "WA",
    "postal_code": "98052",
    "contact_first_name": "Ada",
    "contact_last_name": "Tum",
    "contact_email": "ada@adatum.example",
}


def _attested(**overrides):
    yesterday = (timezone.now() - timedelta(days=1)).date().isoformat()
    return {"attest": True, "first_name": "Ada", "last_name": "Tum", "email": "ada@adatum.example",
            "date_agreed": yesterday, **overrides}  # fmt: skip


# --- list and detail -------------------------------------------------------------------------------------


def test_the_list_is_the_customers_page_by_company_name(contoso_api, customer, make_customer, seller):
    make_customer("alpineski", company_name="Alpine Ski House", with_reseller=False)

    body = contoso_api.get("/api/v1/customers").json()

    assert [row["company_name"] for row in body["items"]] == ["Alpine Ski House", "Woodgrove Foods Inc."]
    woodgrove = body["items"][1]
    assert woodgrove["id"] == str(customer.organization.tenant_id)
    assert woodgrove["domain"] == customer.organization.primary_domain
    assert woodgrove["relationship"] == "indirect_provider"
    assert woodgrove["reseller"] == {"id": seller[2].pk, "name": "Fabrikam Solutions LLC"}
    assert body["items"][0]["reseller"] is None
    assert body["next"] is None


def test_search_and_reseller_filters(contoso_api, customer, make_customer, seller):
    make_customer("alpineski", company_name="Alpine Ski House", with_reseller=False)
    names = lambda params: [row["company_name"] for row in contoso_api.get("/api/v1/customers", params).json()["items"]]  # noqa: E731

    assert names({"q": "wood"}) == ["Woodgrove Foods Inc."]
    assert names({"q": "alpineski"}) == ["Alpine Ski House"]  # the domain
    assert names({"q": str(customer.organization.tenant_id)}) == ["Woodgrove Foods Inc."]
    assert names({"reseller": seller[2].pk}) == ["Woodgrove Foods Inc."]


def test_filters_of_another_tenant_show_nothing_and_bad_ones_are_400(contoso_api, customer, northwind):
    assert contoso_api.get("/api/v1/customers", {"reseller": northwind[3].pk}).json()["items"] == []
    assert contoso_api.get("/api/v1/customers", {"q": "Tailspin"}).json()["items"] == []

    bad = problem_of(contoso_api.get("/api/v1/customers", {"reseller": "abc"}), 400)
    assert bad["field"] == "reseller"
    assert problem_of(contoso_api.get("/api/v1/customers", {"reseller": str(2**70)}), 400)["field"] == "reseller"
    assert problem_of(contoso_api.get("/api/v1/customers", {"q": "x\x00y"}), 400)["field"] == "q"
    assert problem_of(contoso_api.get("/api/v1/customers", {"cursor": "garbage"}), 400)["code"] == "malformed_request"


def test_cursor_pages_walk_the_whole_list_once(contoso_api, seller):
    bulk_customers(seller[0], 7, name="Paged {n:02d}")

    seen, url, pages = [], "/api/v1/customers?limit=3", 0
    while url:
        body = contoso_api.get(url).json()
        seen += [row["company_name"] for row in body["items"]]
        url, pages = body["next"], pages + 1

    assert seen == [f"Paged {n:02d}" for n in range(7)]
    assert pages == 3


def test_the_list_runs_the_same_queries_for_two_customers_or_forty(contoso_api, seller, fabrikam_api):
    provider, _, fabrikam, _ = seller
    bulk_customers(provider, 2, reseller=fabrikam, name="Few {n}", prefix="few")
    contoso_api.get("/api/v1/customers")  # the organization's budget figure is cached from now on
    few = queries_of(lambda: contoso_api.get("/api/v1/customers"))
    bulk_customers(provider, 38, reseller=fabrikam, name="Many {n}", prefix="many")
    many = queries_of(lambda: contoso_api.get("/api/v1/customers"))

    assert few == many == API_CALL_QUERIES + 1  # the page, customers and resellers joined
    assert len(fabrikam_api.get("/api/v1/customers").json()["items"]) == 40  # the reseller's own rows


def test_a_customer_and_another_tenants_is_404(contoso_api, customer, northwind):
    body = contoso_api.get(f"/api/v1/customers/{customer.organization.tenant_id}").json()

    assert body["company_name"] == "Woodgrove Foods Inc."
    assert body["contact"] == {"first_name": "Nestor", "last_name": "Wilke", "email": "nestor@woodgrove.example",
                               "phone": ""}  # fmt: skip
    assert (body["country"], body["currency"], body["has_active_subscriptions"]) == ("US", "USD", True)
    for other in (northwind[2].organization.tenant_id, "not-a-uuid", "0" * 40):
        assert problem_of(contoso_api.get(f"/api/v1/customers/{other}"), 404)["code"] == "not_found"


def test_the_reseller_sees_its_customer_and_a_client_without_the_role_is_refused(fabrikam_api, customer,
                                                                                 contoso_api_as):  # fmt: skip
    assert fabrikam_api.get(f"/api/v1/customers/{customer.organization.tenant_id}").status_code == 200

    billing = contoso_api_as(Role.BILLING_ADMIN)  # every role may read customers
    assert billing.get("/api/v1/customers").status_code == 200
    refused = problem_of(billing.post("/api/v1/customers", ACCOUNT), 403)
    assert refused["code"] == "forbidden"
    assert not Customer.objects.filter(domain__startswith="adatumcorp").exists()


# --- create ----------------------------------------------------------------------------------------------


def test_create_a_customer_with_its_reseller_agreement_and_subscriptions(contoso_api, seller, offers):
    provider, _, fabrikam, _ = seller
    body = {**ACCOUNT, "reseller": fabrikam.pk, "agreement": _attested(),
            "lines": [{"offer": offers["standard"].pk, "quantity": 5}]}  # fmt: skip

    response = contoso_api.post("/api/v1/customers", body)

    assert response.status_code == 201, response.content
    assert response["Cache-Control"] == "no-store"
    created = response.json()
    assert created["company_name"] == "Adatum Corporation"
    assert created["reseller"] == {"id": fabrikam.pk, "name": fabrikam.legal_name}
    assert created["admin"]["user_name"] == f"admin@{created['domain']}"
    admin = User.objects.get(email=created["admin"]["user_name"])
    assert check_password(created["admin"]["temporary_password"], admin.password)
    assert admin.must_change_password
    customer = CustomerRelationship.objects.get(partner=provider, customer__tenant_id=created["id"]).customer
    subscription = Subscription.objects.get(customer=customer)
    assert subscription.quantity == 5
    assert subscription.reseller == fabrikam  # the reseller's location ID is the partner of record
    assert customer.customer_agreement_acceptances.count() == 1
    # The password is in that answer only: the customer's page doesn't have it.
    assert "temporary_password" not in contoso_api.get(f"/api/v1/customers/{created['id']}").json()


def test_no_idempotency_record_keeps_a_new_admins_password(contoso_api):
    """Adding a customer is not replayed from a stored answer: that answer holds a password the database
    keeps only hashed."""
    from api.models import IdempotencyRecord

    response = contoso_api.post("/api/v1/customers", ACCOUNT, headers={"Idempotency-Key": "add-adatum"})

    assert response.status_code == 201
    assert not IdempotencyRecord.objects.exists()
    again = contoso_api.post("/api/v1/customers", ACCOUNT, headers={"Idempotency-Key": "add-adatum"})
    assert problem_of(again, 400)["field"] == "domain_prefix"  # the domain is taken now: no second customer


def test_create_refusals_carry_the_wizards_sentences_and_fields(contoso_api, customer, northwind, offers):
    def refusal(**changes):
        before = Customer.objects.count()
        body = problem_of(contoso_api.post("/api/v1/customers", {**ACCOUNT, **changes}), 400)
        assert Customer.objects.count() == before
        return body["field"], body["detail"]

    taken = refusal(domain_prefix="woodgrovefoods")
    assert taken[0] == "domain_prefix"
    assert "is already taken. Choose another domain name." in taken[1]
    field, detail = refusal(country="FR", registration_number="")
    assert field == "country"
    assert "Partners can only sell to customers of their own region." in detail
    assert refusal(country="ZZ") == ("country", "PartnerHub doesn't serve customers in this country.")
    own = refusal(contact_email="pat@contoso.example")
    assert own[0] == "contact_email"
    assert "a partner can't sell to itself" in own[1]
    assert refusal(registration_number="123")[0] == "registration_number"
    assert refusal(agreement=_attested(first_name="")) == (
        "agreement.first_name", "Enter the first name of the person who accepted.")  # fmt: skip
    future = (timezone.now() + timedelta(days=2)).date().isoformat()
    assert refusal(agreement=_attested(date_agreed=future)) == (
        "agreement.date_agreed", "The date agreed can't be in the future.")  # fmt: skip
    unattested = {**ACCOUNT, "agreement": {"attest": False}, "lines": [{"offer": offers["standard"].pk, "quantity": 1}]}
    no_agreement = problem_of(contoso_api.post("/api/v1/customers", unattested), 400)
    assert no_agreement["code"] == "13605"
    assert refusal(lines=[{"offer": offers["eu"].pk, "quantity": 1}], agreement=_attested()) == (
        "lines.0.offer", "EU Backup Vault isn't sold to customers in this country.")  # fmt: skip
    assert refusal(lines=[{"offer": 10**12, "quantity": 1}], agreement=_attested())[0] == "lines.0.offer"
    assert refusal(company_name="")[0] == "company_name"
    assert refusal(contact_email="nope")[0] == "contact_email"
    assert refusal(contact_phone="12")[0] == "contact_phone"


def test_a_reseller_of_another_tenant_is_refused_without_a_word_about_it(contoso_api, northwind, make_reseller):
    for reseller in (northwind[3].pk, northwind[0].pk, 10**15):
        body = problem_of(contoso_api.post("/api/v1/customers", {**ACCOUNT, "reseller": reseller}), 400)
        assert (body["field"], body["detail"]) == (
            "reseller", "This reseller isn't available to you: choose one of the resellers listed.")  # fmt: skip
        assert "Litware" not in str(body)
        assert "Outsider" not in str(body)
    assert not Customer.objects.filter(domain__startswith="adatumcorp").exists()


def test_a_reseller_cannot_add_customers(fabrikam_api):
    body = problem_of(fabrikam_api.post("/api/v1/customers", ACCOUNT), 403)
    assert body["code"] == "not_seller"
    assert "ask your indirect provider" in body["detail"]


def test_malformed_bodies_are_400_never_500(contoso_api):
    far = {"attest": True, "date_agreed": "99999-01-01"}
    for body in ([], "text", {"company_name": {"a": 1}}, {**ACCOUNT, "lines": "x"}, {**ACCOUNT, "agreement": []},
                 {**ACCOUNT, "reseller": True}, {**ACCOUNT, "agreement": far}):  # fmt: skip
        assert problem_of(contoso_api.post("/api/v1/customers", body), 400)["detail"]
    raw = contoso_api.http.post("/api/v1/customers", "{", content_type="application/json",
                                headers={"Authorization": f"Bearer {contoso_api.token}"})  # fmt: skip
    assert problem_of(raw, 400)["code"] == "malformed_request"


# --- customer invitations --------------------------------------------------------------------------------


def test_create_list_and_revoke_a_reseller_relationship_request(contoso_api, seller):
    created = contoso_api.post("/api/v1/customer-invitations", {"delegated_admin": False})

    assert created.status_code == 201, created.content
    invitation = created.json()
    assert invitation["url"].startswith("http://testserver/customer-invitation/")
    assert (invitation["status"], invitation["delegated_admin"]) == ("sent", False)
    assert invitation["partner"] == {"id": seller[0].pk, "name": seller[0].legal_name}
    listed = contoso_api.get("/api/v1/customer-invitations").json()["items"]
    assert [row["id"] for row in listed] == [invitation["id"]]
    assert "url" not in listed[0]

    revoked = contoso_api.post(f"/api/v1/customer-invitations/{invitation['id']}/revoke")

    assert revoked.status_code == 200
    assert revoked.json()["status"] == "revoked"
    assert CustomerInvitation.objects.get(pk=invitation["id"]).revoked_at is not None
    assert contoso_api.get(f"/api/v1/customer-invitations/{invitation['id']}").json()["status"] == "revoked"


def test_a_reseller_invites_with_its_provider(fabrikam_api, seller, northwind):
    from relationships.models import PartnerRelationship

    partnership = PartnerRelationship.objects.get(provider=seller[0], reseller=seller[2])
    invitation = fabrikam_api.post("/api/v1/customer-invitations", {"relationship": partnership.pk}).json()

    assert invitation["partner"]["id"] == seller[0].pk
    assert invitation["reseller"]["id"] == seller[2].pk
    other = PartnerRelationship.objects.get(provider=northwind[0], reseller=northwind[3])
    assert problem_of(fabrikam_api.post("/api/v1/customer-invitations", {"relationship": other.pk}), 404)
    refused = problem_of(fabrikam_api.post("/api/v1/customer-invitations", {}), 403)  # a reseller alone
    assert refused["code"] == "not_seller"


def test_invitations_of_another_tenant_are_404_and_roles_are_checked(contoso_api, contoso_api_as, northwind):
    from customers import services

    theirs, _ = services.customer_invitation_create(sender=northwind[0], actor=northwind[1].user)
    for path in (f"/api/v1/customer-invitations/{theirs.pk}", "/api/v1/customer-invitations/abc",
                 f"/api/v1/customer-invitations/{10**30}"):  # fmt: skip
        assert problem_of(contoso_api.get(path), 404)
    assert problem_of(contoso_api.post(f"/api/v1/customer-invitations/{theirs.pk}/revoke"), 404)
    assert CustomerInvitation.objects.get(pk=theirs.pk).revoked_at is None
    assert contoso_api.get("/api/v1/customer-invitations").json()["items"] == []

    helpdesk = contoso_api_as(Role.HELPDESK_AGENT)
    assert helpdesk.get("/api/v1/customer-invitations").status_code == 200
    assert problem_of(helpdesk.post("/api/v1/customer-invitations", {}), 403)["code"] == "forbidden"
    mine = contoso_api.post("/api/v1/customer-invitations", {}).json()
    assert problem_of(helpdesk.post(f"/api/v1/customer-invitations/{mine['id']}/revoke"), 403)
    assert CustomerInvitation.objects.get(pk=mine["id"]).revoked_at is None


def test_the_invitation_list_pins_its_queries(contoso_api, seller):
    from customers import services

    provider, user = seller[0], seller[1]
    services.customer_invitation_create(sender=provider, actor=user)
    contoso_api.get("/api/v1/customer-invitations")
    few = queries_of(lambda: contoso_api.get("/api/v1/customer-invitations"))
    for _ in range(12):
        services.customer_invitation_create(sender=provider, actor=user)
    many = queries_of(lambda: contoso_api.get("/api/v1/customer-invitations"))
    assert few == many == API_CALL_QUERIES + 1  # the page, partner, reseller and customer joined


def test_every_commerce_route_is_in_the_openapi_document(contoso_api):
    response = contoso_api.get("/api/v1/schema/", headers={"Accept": "application/vnd.oai.openapi+json"})

    assert response.status_code == 200, response.content[:2000]
    document = response.json()
    operations = {operation["operationId"] for path in document["paths"].values() for operation in path.values()
                  if isinstance(operation, dict) and "operationId" in operation}  # fmt: skip
    assert {
        "commerce_customers_list", "commerce_customers_create", "commerce_customers_retrieve",
        "commerce_customer_invitations_list", "commerce_customer_invitations_create",
        "commerce_customer_invitations_retrieve", "commerce_customer_invitations_revoke", "commerce_offers_list",
        "commerce_orders_create", "commerce_orders_list", "commerce_orders_retrieve", "commerce_subscriptions_list",
        "commerce_subscriptions_retrieve", "commerce_subscriptions_update", "commerce_subscriptions_cancel",
    } <= operations  # fmt: skip
