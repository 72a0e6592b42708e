"""Tenant isolation of customers. Another partner organization (an active indirect provider too), a reseller
of another provider, a reseller of the same provider not associated with the customer, and another customer
get a 404 on every customer, subscription, order, export and invitation URL, and their POSTs change nothing.

Where a guard answers before any lookup (a reseller on a seller-only page, a customer on a partner page, a
partner on a customer page) the answer is the same as for ids that exist nowhere: no existence oracle."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from agreements.models import CustomerAgreementAcceptance
from customers import services
from customers.models import CustomerInvitation, CustomerRelationship, Order, Subscription
from partnerhub.accounts.models import User
from partnerhub.core.models import AuditEvent, Notification, OutboundEmail
from relationships import services as relationship_services
from relationships.models import PartnerRelationship
from tests.scenarios import qualify, sign

CANARIES = ("Woodgrove", "woodgrovefoods", "Adatum", "adatumcanary")
NOWHERE = 2_000_000_000  # a primary key no row has


@dataclass
class Target:
    """What a principal probes: a customer of Contoso, one of its subscriptions, and Contoso's rows."""

    tenant_id: uuid.UUID
    subscription: uuid.UUID
    invitation: int  # Contoso's pending reseller relationship request
    partnership: int  # a partnership of Contoso with a reseller that isn't the principal
    customer_relationship: int  # the customer's row naming Contoso (on its Partner relationships page)
    offer: int  # an offer sold to the customer
    support_contact: int  # an organization the seller could name as the designated support contact


def _urls(t: Target) -> list[tuple[str, str, str, str, dict, bool]]:
    """(name, guard, method, url, body, writes): every customer-scoped URL, with a plausible body for a POST.

    guard: "partner" (any partner member), "seller" (an active provider or direct-bill partner only) or
    "customer" (a customer organization's member). writes: the owner's same POST changes data."""
    customer = f"/customers/{t.tenant_id}"
    subscription = f"{customer}/subscriptions/{t.subscription}/"
    yesterday = (timezone.now().date() - timedelta(days=1)).isoformat()
    agreement = {"first_name": "Eve", "last_name": "Mallory", "email": "eve@evil.example", "phone": "",
                 "date_agreed": yesterday}  # fmt: skip
    order = {"offer": t.offer, "quantity": "7", "friendly_name": "Stolen", "partner_of_record": "",
             "key": str(uuid.uuid4()), "confirm": "on"}  # fmt: skip
    draft = f"/customers/invitations/{t.invitation}/draft/"
    shared = f"/partners/providers/{t.partnership}/customers/"
    contact = {"action": "support_contact", "support_contact": t.support_contact}
    roles = f"/customer/partners/{t.customer_relationship}/remove-roles/"
    return [
        ("detail", "partner", "get", f"{customer}/", {}, False),
        ("detail", "partner", "post", f"{customer}/", {}, False),
        ("agreement", "seller", "get", f"{customer}/agreement/", {}, False),
        ("agreement", "seller", "post", f"{customer}/agreement/", agreement, True),
        ("order", "seller", "get", f"{customer}/subscriptions/new/", {}, False),
        ("order", "seller", "post", f"{customer}/subscriptions/new/", order, True),
        ("subscription-export", "partner", "get", f"{customer}/subscriptions/export/", {}, False),
        ("subscription-export", "partner", "post", f"{customer}/subscriptions/export/", {}, False),
        ("subscription", "partner", "get", subscription, {}, False),
        ("quantity", "partner", "post", subscription, {"action": "quantity", "quantity": "42"}, True),
        ("cancel", "partner", "post", subscription, {"action": "cancel"}, True),
        ("suspend", "partner", "post", subscription, {"action": "suspend"}, True),
        ("settings", "partner", "post", subscription, {"action": "settings", "friendly_name": "Stolen"}, True),
        ("support-contact", "partner", "post", subscription, contact, True),
        ("remove", "partner", "get", f"{customer}/remove/", {}, False),
        # Woodgrove has active subscriptions, so even its own provider's removal is refused.
        ("remove", "partner", "post", f"{customer}/remove/", {}, False),
        # The draft's link lives only in the session that created the request: its owner is sent back too.
        ("invitation-draft", "partner", "get", draft, {}, False),
        ("invitation-draft", "partner", "post", draft, {"email": "eve@evil.example", "message": "Hi"}, False),
        ("invitation-revoke", "partner", "post", f"/customers/invitations/{t.invitation}/revoke/", {}, True),
        ("invitation-resend", "partner", "post", f"/customers/invitations/{t.invitation}/resend/", {}, True),
        ("provider-customers", "partner", "get", shared, {}, False),
        ("provider-customers", "partner", "post", shared, {}, False),
        ("admin-roles-remove", "customer", "post", roles, {}, True),
    ]


GHOST = Target(uuid.uuid4(), uuid.uuid4(), NOWHERE, NOWHERE, NOWHERE, NOWHERE, NOWHERE)
URL_IDS = [f"{method}-{name}" for name, _, method, *_ in _urls(GHOST)]

PRINCIPALS = (
    "outsider_provider",  # another tenant, an active indirect provider with customers of its own
    "other_providers_reseller",  # a reseller in partnership with the outsider provider only
    "unassociated_reseller",  # a reseller of Contoso that Woodgrove isn't associated with
    "associated_reseller_other_customer",  # Fabrikam, probing Adatum (Contoso's, not associated with Fabrikam)
    "other_customer",  # another customer of Contoso, through its Global admin
)
RESELLERS = {"other_providers_reseller", "unassociated_reseller", "associated_reseller_other_customer"}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _clear_temporary_password(created) -> User:
    user = created.organization.memberships.get().user
    user.must_change_password = False
    user.save(update_fields=["must_change_password"])
    return user


@pytest.fixture
def world(seller, make_customer, customer, offers, outsider_member, staff, mpa, make_reseller):
    """Contoso's customers Woodgrove (associated with Fabrikam) and Adatum (no reseller), a pending customer
    invitation, and the five principals who must see none of it (with what each probes)."""
    provider, provider_user, fabrikam, fabrikam_user = seller
    adatum = make_customer("adatumcanary", company_name="Adatum Canary Corp", with_reseller=False,
                           lines=[(offers["standard"], 3)])  # fmt: skip
    invitation, _ = services.customer_invitation_create(sender=provider, actor=provider_user)

    # Another active indirect provider, with its own customer and its own reseller.
    outsider, outsider_user = outsider_member.organization, outsider_member.user
    qualify(outsider, outsider_user, staff, program="indirect_provider")
    sign(outsider, outsider_user, mpa)
    make_customer("northwindoutside", company_name="Northwind Outside Traders", with_reseller=False,
                  partner=outsider, actor=outsider_user)  # fmt: skip
    litware, litware_user = make_reseller("Litware Resellers")
    link, _ = relationship_services.partnership_invitation_create(provider=outsider, actor=outsider_user)
    relationship_services.partnership_accept(invitation=link, reseller=litware, user=litware_user)

    # A reseller of Contoso that Woodgrove isn't associated with.
    tailspin, tailspin_user = make_reseller("Tailspin Resellers")
    link, _ = relationship_services.partnership_invitation_create(provider=provider, actor=provider_user)
    relationship_services.partnership_accept(invitation=link, reseller=tailspin, user=tailspin_user)

    # Another customer of Contoso, with a subscription of its own.
    other = make_customer("otherbrewing", company_name="Other Brewing Co", with_reseller=False,
                          lines=[(offers["security"], 2)])  # fmt: skip

    def target(created, partnership, support_contact) -> Target:
        organization = created.organization
        return Target(
            tenant_id=organization.tenant_id,
            subscription=Subscription.objects.filter(customer=organization).order_by("pk").first().public_id,
            invitation=invitation.pk,
            partnership=PartnerRelationship.objects.get(provider=provider, reseller=partnership).pk,
            customer_relationship=CustomerRelationship.objects.get(partner=provider, customer=organization).pk,
            offer=offers["standard"].pk,
            support_contact=support_contact.pk,
        )

    woodgrove = target(customer, fabrikam, fabrikam)
    return {
        "principals": {
            "outsider_provider": (outsider_user, woodgrove),
            "other_providers_reseller": (litware_user, woodgrove),
            "unassociated_reseller": (tailspin_user, woodgrove),
            "associated_reseller_other_customer": (fabrikam_user, target(adatum, tailspin, provider)),
            "other_customer": (_clear_temporary_password(other), woodgrove),
        },
        "woodgrove": woodgrove,
        "owners": {
            "partner": provider_user,
            "seller": provider_user,
            "customer": _clear_temporary_password(customer),
            "provider-customers": fabrikam_user,
        },
    }


def _expected(principal: str, guard: str) -> tuple[int, str | None]:
    """(status, redirect target): 404, unless a guard that doesn't look at the ids answers first."""
    if principal == "other_customer":
        return (404, None) if guard == "customer" else (302, "/")  # the home, which is Partner relationships
    if guard == "customer":
        return 302, "/customers/"
    if guard == "seller" and principal in RESELLERS:
        return 403, None  # "ask your indirect provider", whatever the tenant ID
    return 404, None


def _state() -> dict:
    """Everything a POST above could change."""
    return {
        "subscriptions": list(
            Subscription.objects.order_by("pk").values_list(
                "pk", "quantity", "status", "auto_renew", "friendly_name", "support_contact", "partner_of_record"
            )
        ),
        "relationships": list(
            CustomerRelationship.objects.order_by("pk").values_list("pk", "status", "delegated_admin", "reseller")
        ),
        "invitations": list(
            CustomerInvitation.objects.order_by("pk").values_list("pk", "revoked_at", "recipient_email", "token_hash")
        ),
        "partnerships": list(PartnerRelationship.objects.order_by("pk").values_list("pk", "status", "admin_access")),
        "orders": Order.objects.count(),
        "acceptances": CustomerAgreementAcceptance.objects.count(),
        "emails": OutboundEmail.objects.count(),
        "notifications": Notification.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def _send(client, method, url, body):
    return client.get(url) if method == "get" else client.post(url, body)


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("index", range(len(URL_IDS)), ids=URL_IDS)
def test_nobody_else_reaches_a_customer_url(world, index):
    for principal in PRINCIPALS:
        user, target = world["principals"][principal]
        _, guard, method, url, body, _ = _urls(target)[index]
        ghost_url = _urls(GHOST)[index][3]
        status, location = _expected(principal, guard)
        client = _client(user)
        before = _state()

        for probe in (url, ghost_url):  # the real ids, then ids that exist nowhere: the same answer
            response = _send(client, method, probe, body)
            assert response.status_code == status, (principal, method, probe)
            if location is not None:
                assert response["Location"] == location, (principal, method, probe)
            page = _body(response)
            assert not [canary for canary in CANARIES if canary.encode() in page], (principal, method, probe)

        assert _state() == before, (principal, method, url)


@pytest.mark.parametrize("index", range(len(URL_IDS)), ids=URL_IDS)
def test_the_urls_and_bodies_are_real_for_their_owner(world, index):
    """The control: each URL above works for its owner, and each writing POST body does write, so the 404s
    and the unchanged data above come from the isolation, not from a mistyped URL or an invalid form."""
    name, guard, method, url, body, writes = _urls(world["woodgrove"])[index]
    client = _client(world["owners"]["provider-customers" if name == "provider-customers" else guard])
    before = _state()

    response = _send(client, method, url, body)

    if name == "invitation-draft":
        assert (response.status_code, response["Location"]) == (302, "/customers/")
    elif method == "get":
        assert response.status_code == 200, url
        if name == "subscription-export":
            assert b"Business Standard" in _body(response) or b"Endpoint Security" in _body(response)
        else:
            assert b"Woodgrove" in response.content
    else:
        assert response.status_code in (200, 302), url
    assert (_state() != before) is writes, name


def test_the_customer_list_and_export_show_only_the_partners_own_customers(world):
    outsider_user, _ = world["principals"]["outsider_provider"]
    client = _client(outsider_user)

    listing = client.get("/customers/").content.decode()
    export = _body(client.get("/customers/export/")).decode()

    assert "Northwind Outside Traders" in listing
    assert "Northwind Outside Traders" in export
    for canary in (*CANARIES, "Other Brewing"):
        assert canary not in listing
        assert canary not in export
    # And the other way round: Contoso doesn't see the outsider's customer.
    client = _client(world["owners"]["partner"])
    assert "Northwind" not in client.get("/customers/").content.decode()
    assert b"Northwind" not in _body(client.get("/customers/export/"))


@pytest.mark.parametrize("principal", ["other_providers_reseller", "unassociated_reseller"])
def test_a_reseller_lists_none_of_the_providers_other_customers(world, principal):
    user, _ = world["principals"][principal]
    client = _client(user)
    own = PartnerRelationship.objects.get(reseller__memberships__user=user)

    listing = client.get("/customers/").content.decode()
    export = _body(client.get("/customers/export/")).decode()
    shared = client.get(f"/partners/providers/{own.pk}/customers/")

    assert shared.status_code == 200
    for canary in (*CANARIES, "Other Brewing", "Northwind"):
        assert canary not in listing
        assert canary not in export
        assert canary not in shared.content.decode()
    assert export.count("\n") == 1  # the header only


def test_the_associated_reseller_sees_its_customer_and_no_other(world):
    woodgrove = world["woodgrove"]
    client = _client(world["owners"]["provider-customers"])

    listing = client.get("/customers/").content.decode()
    export = _body(client.get("/customers/export/")).decode()
    shared = client.get(f"/partners/providers/{woodgrove.partnership}/customers/").content.decode()

    for page in (listing, export, shared):
        assert "Woodgrove Foods Inc." in page
        assert "Adatum" not in page
        assert "Other Brewing" not in page
    assert client.get(f"/customers/{woodgrove.tenant_id}/subscriptions/{woodgrove.subscription}/").status_code == 200


def test_a_customer_sees_only_its_own_partner_page(world):
    user, woodgrove = world["principals"]["other_customer"]
    client = _client(user)

    page = client.get("/customer/partners/").content.decode()

    assert "Endpoint Security" in page  # its own subscription
    assert "Contoso Distribution Inc." in page  # its own partner
    for canary in (*CANARIES, "Business Standard", str(woodgrove.subscription), "Fabrikam"):
        assert canary not in page
