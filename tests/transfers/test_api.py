"""Transfers through the API: list (incoming/outgoing), get, request for a customer with an Idempotency-Key,
accept, decline, cancel; the services' reasons as problems; another partner's transfer is a 404; webhooks."""

from __future__ import annotations

import uuid

import pytest

from api.webhooks.models import WebhookEvent
from api.webhooks.services import webhook_endpoint_create
from customers.models import Subscription
from partnerhub.accounts.models import Membership, Role
from tests.api.calls import api_for
from transfers.models import Transfer

pytestmark = pytest.mark.django_db


def _api(organization, user, roles=(Role.GLOBAL_ADMIN,)):
    membership = Membership.objects.get(organization=organization, user=user)
    membership.roles = sorted({*membership.roles, *roles})  # a client holds only roles its creator holds
    membership.save(update_fields=["roles"])
    return api_for(membership, roles=roles, name=f"ERP {'+'.join(roles)}")


def _body(world, **overrides):
    return {"target": str(world.target.tenant_id), "partner_of_record": world.por,
            "subscriptions": [str(s.public_id) for s in world.subscriptions], **overrides}  # fmt: skip


def test_request_accept_and_read_a_transfer(world):
    source = _api(world.source, world.source_user)
    url = f"/api/v1/customers/{world.customer.tenant_id}/transfers"
    key = {"Idempotency-Key": str(uuid.uuid4())}

    created = source.post(url, _body(world), headers=key)
    replay = source.post(url, _body(world), headers=key)

    assert created.status_code == 201, created.content
    assert replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert Transfer.objects.count() == 1
    body = created.json()
    assert body["transfer_status"] == "pending"
    assert body["direction"] == "outgoing"
    assert body["target_partner"] == {"tenant_id": str(world.target.tenant_id), "name": "Northwind Traders Inc."}
    assert len(body["items"]) == 2

    target = _api(world.target, world.target_user)
    incoming = target.get("/api/v1/transfers", {"direction": "incoming"}).json()["items"]
    assert [t["id"] for t in incoming] == [body["id"]]
    assert target.get("/api/v1/transfers", {"direction": "outgoing"}).json()["items"] == []
    accepted = target.post(f"/api/v1/transfers/{body['id']}/accept")
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["transfer_status"] == "accepted"
    assert {s.partner_id for s in Subscription.objects.filter(customer=world.customer)} == {world.target.pk}
    again = target.post(f"/api/v1/transfers/{body['id']}/decline")
    assert again.status_code == 400
    assert again.json()["code"] == "illegal_transition"


def test_refusals_are_problems_with_the_services_codes(world):
    source = _api(world.source, world.source_user)
    url = f"/api/v1/customers/{world.customer.tenant_id}/transfers"

    to_itself = source.post(url, _body(world, target=str(world.source.tenant_id)))
    no_por = source.post(url, _body(world, partner_of_record=""))
    unknown = source.post(url, _body(world, subscriptions=[str(uuid.uuid4())]))

    assert (to_itself.status_code, to_itself.json()["code"]) == (400, "self")
    assert (no_por.status_code, no_por.json()["code"]) == (400, "partner_of_record_required")
    assert unknown.status_code == 400
    assert not Transfer.objects.exists()


def test_decline_and_cancel_and_roles(world):
    source = _api(world.source, world.source_user)
    url = f"/api/v1/customers/{world.customer.tenant_id}/transfers"
    first = source.post(url, _body(world)).json()["id"]
    sales = _api(world.source, world.source_user, roles=(Role.SALES_AGENT,))
    assert sales.post(f"/api/v1/transfers/{first}/cancel").status_code == 403
    assert source.post(f"/api/v1/transfers/{first}/accept").status_code == 400  # not the target's
    assert source.post(f"/api/v1/transfers/{first}/cancel").json()["transfer_status"] == "cancelled"

    second = source.post(url, _body(world)).json()["id"]
    agent = _api(world.target, world.target_user, roles=(Role.ADMIN_AGENT,))
    assert agent.post(f"/api/v1/transfers/{second}/decline").status_code == 403
    target = _api(world.target, world.target_user)
    assert target.post(f"/api/v1/transfers/{second}/decline").json()["transfer_status"] == "declined"


def test_another_partners_transfer_is_a_404(world):
    source = _api(world.source, world.source_user)
    transfer = source.post(f"/api/v1/customers/{world.customer.tenant_id}/transfers", _body(world)).json()["id"]
    outsider = _api(world.outsider, world.outsider_user)

    assert outsider.get(f"/api/v1/transfers/{transfer}").status_code == 404
    for action in ("accept", "decline", "cancel"):
        assert outsider.post(f"/api/v1/transfers/{transfer}/{action}").status_code == 404
    listing = outsider.get("/api/v1/transfers")
    assert listing.status_code == 200, listing.content
    assert listing.json()["items"] == []
    assert outsider.post(f"/api/v1/customers/{world.customer.tenant_id}/transfers", _body(world)).status_code == 404
    assert outsider.get("/api/v1/transfers/not-a-uuid").status_code == 404
    assert Transfer.objects.get().status == "pending"


def test_both_partners_get_the_webhook_events(world):
    for organization, user in ((world.source, world.source_user), (world.target, world.target_user)):
        webhook_endpoint_create(organization=organization, actor=user, url="https://hooks.example.com/ph",
                                event_types=["transfer-created", "transfer-accepted"])  # fmt: skip
    source = _api(world.source, world.source_user)
    transfer = source.post(f"/api/v1/customers/{world.customer.tenant_id}/transfers", _body(world)).json()["id"]
    _api(world.target, world.target_user).post(f"/api/v1/transfers/{transfer}/accept")

    events = set(WebhookEvent.objects.values_list("organization_id", "type", "resource_url"))
    url = f"/api/v1/transfers/{transfer}"
    assert events == {
        (world.source.pk, "transfer-created", url), (world.target.pk, "transfer-created", url),
        (world.source.pk, "transfer-accepted", url), (world.target.pk, "transfer-accepted", url),
    }  # fmt: skip
