# ruff: noqa: F811 - the fixtures imported from tests.api.commerce are this module's arguments
"""The subscription lifecycle through the API (issue 18 §2): order lines with a term, a billing frequency
and an aligned end; scheduled changes; suspend and reactivate; upgrade targets and an idempotent upgrade;
the reseller of record's client; another tenant's subscription a 404 on every new route."""

from __future__ import annotations

import pytest

from customers.models import Subscription, SubscriptionTerm
from partnerhub.core.audit import AuditEvent
from tests.api.commerce import (  # noqa: F401 - fixtures
    contoso_api,
    fabrikam_api,
    northwind,
    northwind_subscription,
    problem_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(offers):
    standard = offers["standard"]
    standard.terms, standard.family, standard.family_rank = ["P1M", "P1Y"], "business", 1
    standard.save()
    from tests.scenarios import make_offer

    premium = make_offer("PH-BIZ-PREM", "Business Premium", price="22.00")
    premium.terms, premium.family, premium.family_rank = ["P1M", "P1Y"], "business", 2
    premium.save()
    return {**offers, "premium": premium}


@pytest.fixture
def subscription(customer, offers):
    return Subscription.objects.get(customer=customer.organization, offer=offers["standard"])


def _url(subscription, tail="") -> str:
    return f"/api/v1/subscriptions/{subscription.public_id}{tail}"


def test_order_lines_take_term_billing_frequency_and_an_aligned_end(contoso_api, customer, family, subscription):
    url = f"/api/v1/customers/{customer.organization.tenant_id}/orders"
    line = {"offer": family["standard"].pk, "quantity": 2, "term": "P1Y", "billing_frequency": "monthly"}
    aligned = {**line, "custom_term_end": subscription.term_end.isoformat()}

    refused = problem_of(contoso_api.post(url, {"lines": [aligned]}), 400)
    placed = contoso_api.post(url, {"lines": [line, {**line, "term": "P1M", "billing_frequency": ""}]})
    bad = problem_of(contoso_api.post(url, {"lines": [{**line, "billing_frequency": "triennial"}]}), 400)

    assert refused["field"] == "lines.0.custom_term_end"
    assert "can't be aligned to a monthly subscription" in refused["detail"]
    assert placed.status_code == 201
    first, second = placed.json()["lines"]
    assert (first["term"], first["billing_frequency"], second["term"], second["billing_frequency"]) == (
        "P1Y", "monthly", "P1M", "monthly"
    )  # fmt: skip
    assert bad["field"] == "lines.0.billing_frequency"
    body = contoso_api.get(f"/api/v1/subscriptions/{first['subscription']}").json()
    assert (body["term"], body["billing_frequency"], body["scheduled_changes"]["renews"]) == ("P1Y", "monthly", True)


def test_scheduled_changes_suspend_and_reactivate(contoso_api, subscription):
    changed = contoso_api.patch(_url(subscription, "/scheduled-changes"), {"quantity": 3, "auto_renew": True})
    assert changed.status_code == 200
    assert changed.json()["scheduled_changes"] == {"quantity": 3, "term": None, "billing_frequency": None,
                                                   "renews": True}  # fmt: skip
    assert problem_of(contoso_api.patch(_url(subscription, "/scheduled-changes"), {"term": "P3Y"}), 400)["field"] == (
        "next_term"
    )

    suspended = contoso_api.post(_url(subscription, "/suspend")).json()
    assert (suspended["status"], suspended["scheduled_changes"]["quantity"]) == ("suspended", None)
    assert problem_of(contoso_api.post(_url(subscription, "/suspend")), 400)["code"] == "not_active"
    assert contoso_api.post(_url(subscription, "/reactivate")).json()["status"] == "active"


def test_upgrade_targets_and_an_idempotent_upgrade(contoso_api, family, subscription):
    targets = contoso_api.get(_url(subscription, "/upgrade-targets")).json()
    assert [offer["sku"] for offer in targets] == ["PH-BIZ-PREM"]

    headers = {"Idempotency-Key": "upgrade-1"}
    first = contoso_api.post(_url(subscription, "/upgrade"), {"offer": family["premium"].pk}, headers=headers)
    again = contoso_api.post(_url(subscription, "/upgrade"), {"offer": family["premium"].pk}, headers=headers)
    lower = problem_of(contoso_api.post(_url(subscription, "/upgrade"), {"offer": family["security"].pk}), 400)

    assert first.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert first.json()["offer_name"] == "Business Premium"
    assert first.json()["term_end"] == subscription.term_end.isoformat()
    old = contoso_api.get(_url(subscription)).json()
    assert (old["status"], old["upgraded_to"]) == ("upgraded", first.json()["id"])
    assert lower["code"] == "not_active"  # the old one is closed now
    assert SubscriptionTerm.objects.get(subscription__public_id=first.json()["id"]).credit > 0
    assert problem_of(contoso_api.post(_url(subscription, "/upgrade"), {"offer": 10**9}), 400)["field"] == "offer"


def test_the_reseller_of_record_schedules_but_does_not_suspend_or_upgrade(fabrikam_api, family, subscription, seller):
    done = fabrikam_api.patch(_url(subscription, "/scheduled-changes"), {"auto_renew": False})
    assert done.status_code == 200
    assert done.json()["scheduled_changes"]["renews"] is False
    assert problem_of(fabrikam_api.post(_url(subscription, "/suspend")), 403)
    assert problem_of(fabrikam_api.post(_url(subscription, "/upgrade"), {"offer": family["premium"].pk}), 403)
    provider, reseller = seller[0], seller[2]
    for organization in (provider, reseller):
        event = AuditEvent.objects.get(code="partnerhub.subscription.changes_scheduled", organization=organization)
        assert event.data["by_reseller"] == reseller.legal_name


def test_another_tenants_subscription_is_a_404_on_every_lifecycle_route(contoso_api, northwind,
                                                                          northwind_subscription):  # fmt: skip
    for method, tail, body in [
        ("get", "/upgrade-targets", None),
        ("post", "/upgrade", {"offer": 1}),
        ("post", "/suspend", None),
        ("post", "/reactivate", None),
        ("patch", "/scheduled-changes", {"quantity": 1}),
    ]:
        call = getattr(contoso_api, method)
        response = call(_url(northwind_subscription, tail)) if body is None else call(_url(northwind_subscription,
                                                                                             tail), body)  # fmt: skip
        assert problem_of(response, 404)
    northwind_subscription.refresh_from_db()
    assert (northwind_subscription.status, northwind_subscription.next_quantity) == ("active", None)


def test_renewal_suspension_and_upgrade_events_reach_the_seller_and_the_reseller_of_record(seller, family,
                                                                                          subscription):  # fmt: skip
    from datetime import timedelta

    import time_machine

    from api.models import WebhookEvent
    from api.webhooks.services import webhook_endpoint_create
    from customers import services

    provider, user, reseller, reseller_user = seller
    kinds = ["subscription-suspended", "subscription-reactivated", "subscription-renewed", "subscription-upgraded"]
    for organization, member in ((provider, user), (reseller, reseller_user)):
        webhook_endpoint_create(organization=organization, actor=member, event_types=kinds,
                                url=f"https://hooks.{organization.pk}.example/partnerhub")  # fmt: skip
    services.subscription_suspend(subscription=subscription, actor=user)
    services.subscription_reactivate(subscription=subscription, actor=user)
    with time_machine.travel(subscription.term_end + timedelta(days=1, hours=12), tick=False):
        assert services.sweep_renewals()["renewed"] == 2  # both of the customer's subscriptions
        services.subscription_upgrade(subscription=subscription, actor=user, offer=family["premium"])

    for organization in (provider, reseller):
        events = WebhookEvent.objects.filter(organization=organization).order_by("pk")
        got = [event.type for event in events if event.payload["data"]["id"] == str(subscription.public_id)]
        assert got == kinds, organization
    event = WebhookEvent.objects.filter(organization=reseller, type="subscription-renewed").first()
    assert event.payload["data"]["url"] == f"/api/v1/subscriptions/{subscription.public_id}"
