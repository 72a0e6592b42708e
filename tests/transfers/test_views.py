"""Transfers pages: request from a customer's page, answer on the transfer's page, the lists, the customer's
side, and isolation (a third partner gets 404)."""

from __future__ import annotations

import pytest
from html5lib import HTMLParser

from customers.models import Subscription
from transfers import services
from transfers.models import Transfer

pytestmark = pytest.mark.django_db


def _as(client, user):
    client.force_login(user)
    return client


def _request(world):
    return services.transfer_create(
        organization=world.source, actor=world.source_user, customer=world.customer, target=world.target,
        subscriptions=world.subscriptions, partner_of_record=world.por,
    )  # fmt: skip


def test_customer_page_links_to_the_transfer_form(world, client):
    page = _as(client, world.source_user).get(f"/customers/{world.customer.tenant_id}/").content.decode()
    assert f'href="/customers/{world.customer.tenant_id}/transfer/"' in page


def test_request_from_the_form_then_accept_on_the_transfer_page(world, client):
    first, second = world.subscriptions
    url = f"/customers/{world.customer.tenant_id}/transfer/"
    form = _as(client, world.source_user).get(url)
    assert form.status_code == 200
    assert HTMLParser().parse(form.content) is not None

    response = client.post(url, {"subscriptions": [str(first.public_id)], "target": str(world.target.tenant_id),
                                 "partner_of_record": world.por})  # fmt: skip

    transfer = Transfer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/transfers/{transfer.public_id}/"
    assert list(transfer.items.values_list("subscription", flat=True)) == [first.pk]
    source_view = client.get(response["Location"]).content.decode()
    assert "Cancel transfer" in source_view
    assert "Accept transfer" not in source_view

    target_view = _as(client, world.target_user).get(f"/transfers/{transfer.public_id}/").content.decode()
    assert "If you accept, these subscriptions become yours" in target_view
    assert first.display_name in target_view
    response = client.post(f"/transfers/{transfer.public_id}/accept/")
    assert response.status_code == 302
    assert Subscription.objects.get(pk=first.pk).partner == world.target
    assert Subscription.objects.get(pk=second.pk).partner == world.source
    listing = client.get("/transfers/?direction=incoming").content.decode()
    assert "Woodgrove Foods Inc." in listing
    assert "Accepted" in listing
    customers = client.get(f"/customers/{world.customer.tenant_id}/").content.decode()
    assert first.display_name in customers


def test_a_refused_request_says_why_and_writes_nothing(world, client):
    url = f"/customers/{world.customer.tenant_id}/transfer/"
    response = _as(client, world.source_user).post(
        url, {"subscriptions": [str(s.public_id) for s in world.subscriptions], "target": str(world.source.tenant_id)}
    )
    assert response.status_code == 200
    assert "The subscriptions are already sold by this partner" in response.content.decode()
    response = client.post(url, {"subscriptions": [str(world.subscriptions[0].public_id)], "target": "123"})
    assert "No partner has this location partner ID or tenant ID" in response.content.decode()
    assert not Transfer.objects.exists()


def test_outgoing_and_incoming_lists(world, client):
    transfer = _request(world)
    outgoing = _as(client, world.source_user).get("/transfers/?direction=outgoing").content.decode()
    assert str(transfer.public_id) in outgoing
    assert str(transfer.public_id) not in client.get("/transfers/?direction=incoming").content.decode()
    incoming = _as(client, world.target_user).get("/transfers/?direction=incoming").content.decode()
    assert str(transfer.public_id) in incoming


def test_a_third_partner_gets_404_for_the_transfer(world, client):
    transfer = _request(world)
    _as(client, world.outsider_user)
    for suffix in ("", "accept/", "decline/", "cancel/"):
        method = client.get if not suffix else client.post
        assert method(f"/transfers/{transfer.public_id}/{suffix}").status_code == 404
    assert str(transfer.public_id) not in client.get("/transfers/").content.decode()
    assert client.get(f"/customers/{world.customer.tenant_id}/transfer/").status_code == 404
    assert Transfer.objects.get(pk=transfer.pk).status == "pending"


def test_the_customer_sees_and_requests_transfers(world, client):
    transfer = _request(world)
    _as(client, world.customer_user)
    page = client.get("/customer/partners/").content.decode()
    assert 'href="/customer/transfers/new/"' in page
    assert str(transfer.public_id) in client.get("/transfers/").content.decode()
    detail = client.get(f"/transfers/{transfer.public_id}/").content.decode()
    assert "Accept transfer" not in detail
    assert "Cancel transfer" not in detail  # the partner requested it: only the partner withdraws it

    services.transfer_cancel(transfer=transfer, actor=world.source_user)
    form = client.get("/customer/transfers/new/")
    assert form.status_code == 200
    response = client.post("/customer/transfers/new/", {
        "subscriptions": [str(world.subscriptions[0].public_id)], "target": str(world.target.tenant_id),
        "partner_of_record": world.por,
    })  # fmt: skip
    created = Transfer.objects.get(status="pending")
    assert response["Location"] == f"/transfers/{created.public_id}/"
    assert created.initiated_by == "customer"
    assert "Cancel transfer" in client.get(response["Location"]).content.decode()


def test_an_admin_agent_of_the_target_cannot_accept(world, client, make_member):
    from partnerhub.accounts.models import Role

    transfer = _request(world)
    agent = make_member(world.target, Role.ADMIN_AGENT).user
    _as(client, agent)
    assert (
        "A Global admin of your organization can accept"
        in client.get(f"/transfers/{transfer.public_id}/").content.decode()
    )
    assert client.post(f"/transfers/{transfer.public_id}/accept/").status_code == 403
    assert Transfer.objects.get(pk=transfer.pk).status == "pending"


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_transfer_list_runs_the_same_queries_for_1_and_10_transfers(world):
    from django.test import Client

    from transfers.models import TransferItem

    client = _as(Client(), world.target_user)
    subscription = world.subscriptions[0]

    def add(n):
        for _ in range(n):
            transfer = Transfer.objects.create(
                customer=world.customer, source=world.source, target=world.target, customer_name="Woodgrove Foods Inc.",
                source_name="Contoso", target_name="Northwind", customer_tenant_id=world.customer.tenant_id,
                source_tenant_id=world.source.tenant_id, target_tenant_id=world.target.tenant_id, initiated_by="source",
                status="declined",
            )  # fmt: skip
            TransferItem.objects.create(
                transfer=transfer, subscription=subscription, subscription_public_id=subscription.public_id,
                offer_name="Business Standard", quantity=1, term_end=subscription.term_end, is_open=False,
            )  # fmt: skip

    add(1)
    one = _queries(client, "/transfers/")
    add(9)
    assert _queries(client, "/transfers/") == one
    assert _queries(client, "/transfers/?direction=incoming") == one
