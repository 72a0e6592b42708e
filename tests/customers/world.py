"""A world with something on every list page, for the query-budget and query-plan tests: a provider
(Contoso) with customers, subscriptions, resellers, members, notifications, audit events and invitations; its
reseller (Fabrikam) with shared customers and providers; a customer's Global admin with partners; and 50 noise
tenants with customers and subscriptions of their own."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from customers import services as customer_services
from customers.models import CustomerRelationship
from partnerhub.accounts.models import Membership, Role, User
from partnerhub.core.models import AuditEvent
from partnerhub.core.notifications import notification_create
from relationships import services as relationship_services
from relationships.models import PartnerRelationship
from tests.customers.bulk import bulk_customers, bulk_subscriptions
from tests.factories import OrganizationFactory, UserFactory

NOISE_TENANTS = 50


def _customer_admin(created):
    """The new customer's Global admin, past the forced password change."""
    admin = User.objects.get(email=created.user_name)
    admin.must_change_password = False
    admin.save(update_fields=["must_change_password"])
    return admin


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world(seller, make_customer, make_reseller, make_member, offers):
    """build(rows, children) -> what each page needs: clients, urls, and the marker every listed row shows."""

    def build(rows: int, children: int):
        provider, user, fabrikam, fabrikam_user = seller
        noise = OrganizationFactory.create_batch(NOISE_TENANTS, legal_name="Noise Tenant Corp")
        for n, tenant in enumerate(noise):
            for organization in bulk_customers(tenant, 2, name="Noise Customer {n}", prefix=f"noise{n}-"):
                bulk_subscriptions(provider=tenant, customer=organization, reseller=None, offers=offers, count=2)
            Membership.objects.create(organization=tenant, user=UserFactory(), roles=[Role.GLOBAL_ADMIN])
            AuditEvent.objects.create(organization=tenant, code="partnerhub.noise.made")

        # Contoso's customers, all associated with Fabrikam, each with `children` subscriptions.
        for organization in bulk_customers(provider, rows, reseller=fabrikam, name="Listed Customer {n:04d}"):
            bulk_subscriptions(provider=provider, customer=organization, reseller=fabrikam, offers=offers,
                               count=children)  # fmt: skip
        # One customer with `rows` subscriptions, its admin, and `rows` partners with `children` subscriptions each.
        detail = make_customer("detailcustomer", company_name="Zz Detail Customer Inc.")
        bulk_subscriptions(provider=provider, customer=detail.organization, reseller=fabrikam, offers=offers,
                           count=rows)  # fmt: skip
        extra_partners = noise[: rows - 1]
        CustomerRelationship.objects.bulk_create(
            CustomerRelationship(partner=partner, customer=detail.organization, kind="direct",
                                 customer_name=detail.organization.legal_name)
            for partner in extra_partners
        )  # fmt: skip
        for partner in extra_partners:
            bulk_subscriptions(provider=partner, customer=detail.organization, reseller=None, offers=offers,
                               count=children)  # fmt: skip
        # `rows` resellers in partnership with Contoso (Fabrikam is one), each with `children` customers.
        resellers = [fabrikam]
        for n in range(rows - 1):
            reseller, reseller_user = make_reseller(f"Listed Reseller {n:04d}")
            invitation, _ = relationship_services.partnership_invitation_create(provider=provider, actor=user)
            relationship_services.partnership_accept(invitation=invitation, reseller=reseller, user=reseller_user)
            resellers.append(reseller)
        for n, reseller in enumerate(resellers[1:]):
            bulk_customers(provider, children, reseller=reseller, name=f"Reseller {n} Customer {{n}}",
                           prefix=f"r{n}c")  # fmt: skip
        # `rows` providers of Fabrikam (Contoso is one), each sharing `children` customers with it.
        providers = noise[: rows - 1]
        PartnerRelationship.objects.bulk_create(PartnerRelationship(provider=p, reseller=fabrikam) for p in providers)
        for n, other in enumerate(providers):
            bulk_customers(other, children, reseller=fabrikam, name=f"Shared {n} Customer {{n}}", prefix=f"s{n}c")
        # `rows` members, notifications, audit events and customer invitations of Contoso.
        for n in range(rows - 1):
            make_member(provider, Role.HELPDESK_AGENT, email=f"listed.member{n}@contoso.example")
        for n in range(rows):
            notification_create(user=user, title=f"Listed notification {n}", organization=provider)
            customer_services.customer_invitation_create(sender=provider, actor=user)
        AuditEvent.objects.bulk_create(
            AuditEvent(organization=provider, actor=user, code="partnerhub.listed.event", created_at=timezone.now())
            for _ in range(rows)
        )
        landing, token = relationship_services.partnership_invitation_create(provider=provider, actor=user)
        contoso_relationship = PartnerRelationship.objects.get(provider=provider, reseller=fabrikam, status="active")
        return {
            "provider": _client(user),
            "reseller": _client(fabrikam_user),
            "customer": _client(_customer_admin(detail)),
            "anonymous": Client(),
            "detail": detail.organization,
            "fabrikam": fabrikam,
            "contoso_relationship": contoso_relationship,
            "token": token,
        }

    return build


TABLES = {
    "partner_relationships": "customer-partners",
    "provider_list": "provider-table",
    "reseller_list": "reseller-table",
}


def _listed(html: str, key: str) -> str:
    """The page's list (its table when the page has several), where rows are counted."""
    if key not in TABLES:
        return html
    return html.split(f'data-testid="{TABLES[key]}"')[1].split("</table>")[0]


def pages(w, rows):
    """(budget key, principal, url, marker, how many times the marker shows)."""
    shown = min(rows, 25)
    detail = w["detail"].tenant_id
    by_reseller = f"/customers/?reseller={w['fabrikam'].pk}"
    return [
        ("dashboard", "provider", "/", "Pending actions", None),
        ("customer_list", "provider", "/customers/", "Listed Customer ", None),
        ("customer_search", "provider", "/customers/?q=listed", "Listed Customer ", shown),
        ("customer_list_by_reseller", "provider", by_reseller, "Listed Customer ", shown),
        ("subscription_list", "provider", f"/customers/{detail}/", 'data-testid="subscription-quantity"', shown),
        ("customer_invitation_list", "provider", "/customers/invitations/", "Revoke</button>", shown),
        ("provider_customers", "reseller", f"/partners/providers/{w['contoso_relationship'].pk}/customers/",
         "Listed Customer ", shown),
        ("partner_relationships", "customer", "/customer/partners/", "Noise Tenant Corp", rows - 1),
        ("reseller_list", "provider", "/partners/resellers/", "Listed Reseller ", min(rows - 1, 24)),
        ("provider_list", "reseller", "/partners/providers/", "Noise Tenant Corp", min(rows - 1, 24)),
        ("member_list", "provider", "/settings/users/", "@contoso.example", None),
        ("activity_log", "provider", "/settings/activity/", "partnerhub.listed.event", None),
        ("notification_list", "provider", "/notifications/", "Listed notification ", shown),
        ("partnership_landing", "anonymous", f"/partnership/{w['token']}/", "Contoso", None),
    ]  # fmt: skip
