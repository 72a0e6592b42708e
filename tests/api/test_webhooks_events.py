"""Which changes become which events, for whom: the audit row's organization receives the event, in the
transaction of the change; an organization with no endpoint for it pays one query, a customer none."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.models import WebhookDelivery, WebhookEvent
from api.webhooks.services import webhook_endpoint_create
from partnerhub.core.audit import audit_record
from tests import scenarios

pytestmark = pytest.mark.django_db(transaction=False)

URL = "https://hooks.{}.example/partnerhub"


def register(organization, user, types):
    endpoint, _ = webhook_endpoint_create(organization=organization, actor=user, url=URL.format(organization.pk),
                                          event_types=types)  # fmt: skip
    return endpoint


def webhook_queries(captured) -> list[str]:
    return [query["sql"] for query in captured.captured_queries if "api_webhook" in query["sql"]]


def test_an_organization_without_endpoints_pays_one_query_and_a_customer_none(customer, seller):
    provider = seller[0]
    with CaptureQueriesContext(connection) as captured:
        audit_record(code="partnerhub.customer.created", organization=provider, target=customer.organization)
    assert len(webhook_queries(captured)) == 1
    with CaptureQueriesContext(connection) as captured:
        audit_record(code="partnerhub.customer.created", organization=customer.organization,
                     target=customer.organization)  # fmt: skip
    assert webhook_queries(captured) == []
    assert not WebhookEvent.objects.exists()


def test_a_partnership_reaches_both_partners_each_at_its_own_endpoint(active_provider, admin_member, make_reseller):
    reseller, reseller_user = make_reseller("Fabrikam LLC")
    register(active_provider, admin_member.user, ["partnership-accepted"])
    register(reseller, reseller_user, ["partnership-accepted", "partnership-removed"])

    relationship = scenarios.partner(active_provider, admin_member.user, reseller, reseller_user)

    events = WebhookEvent.objects.order_by("pk")
    assert sorted(event.organization_id for event in events) == sorted([active_provider.pk, reseller.pk])
    for event in events:
        assert event.payload["type"] == "partnership-accepted"
        assert event.payload["data"] == {"resource": "relationship", "id": str(relationship.pk),
                                         "url": f"/api/v1/relationships/{relationship.pk}"}  # fmt: skip
        assert event.payload["id"] == event.event_id
        assert event.event_id.startswith("evt_")
    assert WebhookDelivery.objects.filter(status="pending").count() == 2


def test_only_the_subscribed_types_are_written(admin_member, make_customer, offers, seller):
    provider = seller[0]
    register(provider, admin_member.user, ["subscription-created"])

    make_customer("tailspin", lines=[(offers["standard"], 3), (offers["security"], 2)])

    assert sorted(WebhookEvent.objects.values_list("type", flat=True)) == ["subscription-created"] * 2


def test_a_rolled_back_change_leaves_no_event(admin_member, active_provider):
    from django.db import transaction

    register(active_provider, admin_member.user, ["agreement-accepted"])
    inside = []

    def change() -> None:
        with transaction.atomic():
            audit_record(code="partnerhub.agreement.accepted", organization=active_provider)
            inside.append(WebhookEvent.objects.count())
            raise RuntimeError

    with pytest.raises(RuntimeError):
        change()
    assert inside == [1]
    assert not WebhookEvent.objects.exists()


def test_a_customer_accepting_a_reseller_relationship_tells_the_partners_of_record(customer, seller):
    from customers import services as customer_services
    from partnerhub.accounts.models import Membership

    provider, provider_user, reseller, reseller_user = seller
    register(provider, provider_user, ["customer-relationship-accepted"])
    register(reseller, reseller_user, ["customer-relationship-accepted"])
    invitation, _ = customer_services.customer_invitation_create(sender=reseller, actor=reseller_user,
                                                                 provider=provider)  # fmt: skip
    customer_admin = Membership.objects.global_admins().get(organization=customer.organization).user

    rows = customer_services.customer_invitation_accept(invitation=invitation, customer=customer.organization,
                                                        user=customer_admin)  # fmt: skip

    events = WebhookEvent.objects.filter(type="customer-relationship-accepted")
    assert sorted(events.values_list("organization_id", flat=True)) == sorted(row.partner_id for row in rows)
    assert events.exists()
    for event in events:
        tenant_id = customer.organization.tenant_id
        assert event.payload["data"] == {"resource": "customer", "id": str(tenant_id),
                                         "url": f"/api/v1/customers/{tenant_id}"}  # fmt: skip


def test_enrolment_and_the_partner_agreement_are_events_of_the_organization(admin_member, staff, mpa):
    organization = admin_member.organization
    register(organization, admin_member.user, ["enrollment-status-changed", "agreement-accepted"])

    scenarios.active_provider(admin_member, staff, mpa)

    events = list(WebhookEvent.objects.filter(organization=organization).order_by("pk"))
    kinds = [event.type for event in events]
    assert "agreement-accepted" in kinds
    assert kinds.count("enrollment-status-changed") >= 2  # submitted … activated
    assert kinds[-2:] == ["enrollment-status-changed", "agreement-accepted"]  # signing activates the enrolment
    assert {event.resource_url for event in events} == {"/api/v1/organization"}
