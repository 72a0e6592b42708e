"""Admin relationships' webhook events go to the partner, naming the relationship by the id its API route takes;
the customer's audit rows of the same change send nothing."""

from __future__ import annotations

import pytest

from access import services
from api.models import WebhookEvent
from api.webhooks.services import webhook_endpoint_create

pytestmark = pytest.mark.django_db

TYPES = ["admin-relationship-created", "admin-relationship-approved", "admin-relationship-terminated"]


def test_the_partner_hears_of_a_relationship_created_approved_and_terminated(world):
    webhook_endpoint_create(
        organization=world.provider,
        actor=world.provider_admin,
        url="https://hooks.contoso.example/partnerhub",
        event_types=TYPES,
    )

    relationship = services.admin_relationship_request(
        partner=world.provider,
        customer=world.customer,
        actor=world.provider_admin,
        name="Helpdesk",
        roles=["global_reader"],
        duration_days=10,
    )
    services.admin_relationship_approve(relationship=relationship, actor=world.customer_admin)
    services.admin_relationship_terminate(
        relationship=relationship, actor=world.customer_admin, organization=world.customer
    )

    events = list(WebhookEvent.objects.order_by("pk"))
    assert [event.payload["type"] for event in events] == TYPES
    assert {event.organization_id for event in events} == {world.provider.pk}
    url = f"/api/v1/customers/{world.customer.tenant_id}/admin-relationships/{relationship.public_id}"
    assert events[0].payload["data"] == {
        "resource": "admin-relationship",
        "id": str(relationship.public_id),
        "url": url,
    }
