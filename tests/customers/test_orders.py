"""Orders and subscriptions: partner-of-record pre-flight, the customer agreement, idempotent submission,
and the new-commerce windows for quantity and cancellation."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.db import close_old_connections
from django.test import Client
from django.utils import timezone

from agreements.models import AgreementAcceptance
from customers import services
from customers.models import Order, OrderLine, Subscription
from enrollment.models import PartnerId, ProgramEnrollment
from enrollment.services import partner_id_issue_global
from partnerhub.accounts.models import Organization
from tests.threads import platform_thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider_client(seller):
    client = Client()
    client.force_login(seller[1])
    return client


def _location(organization) -> int:
    return PartnerId.objects.get(organization=organization, csp_associated=True).number


def _order(client, customer, offer, **extra):
    data = {"offer": offer.pk, "quantity": 3, "key": str(uuid.uuid4()), "confirm": "on", **extra}
    return client.post(f"/customers/{customer.tenant_id}/subscriptions/new/", data)


# --- pre-flight --------------------------------------------------------------------------------------


def test_add_subscription_records_the_resellers_location_id(provider_client, customer, seller, offers):
    reseller = seller[2]
    page = provider_client.get(f"/customers/{customer.organization.tenant_id}/subscriptions/new/").content.decode()
    assert str(_location(reseller)) in page  # prefilled with the associated reseller's location ID

    response = _order(provider_client, customer.organization, offers["plan"], quantity=1,
                      partner_of_record=str(_location(reseller)))  # fmt: skip

    assert response.status_code == 302
    subscription = Subscription.objects.get(customer=customer.organization, offer=offers["plan"])
    assert subscription.partner_of_record.number == _location(reseller)
    assert subscription.reseller == reseller
    assert OrderLine.objects.get(subscription=subscription).partner_of_record == subscription.partner_of_record


def _refusal(client, customer, offers, number) -> str:
    before = Subscription.objects.count()
    response = _order(client, customer.organization, offers["standard"], partner_of_record=str(number))
    assert response.status_code == 200
    assert Subscription.objects.count() == before  # nothing created
    return " ".join(response.context["form"].errors["partner_of_record"])


def test_preflight_no_active_partnership(provider_client, customer, offers, make_reseller):
    stranger, _ = make_reseller("Stranger LLC")
    refusal = _refusal(provider_client, customer, offers, _location(stranger))
    assert "has no active partnership with you" in refusal
    assert "Stranger" not in refusal  # issue 15: the error named any reseller whose number was typed


def test_preflight_other_region(provider_client, customer, offers, make_reseller):
    french, _ = make_reseller("Litware SAS", country="FR", csp_region="europe")
    refusal = _refusal(provider_client, customer, offers, _location(french))
    assert "doesn't match your CSP region" in refusal
    assert "Litware" not in refusal
    assert "Europe" not in refusal


def test_preflight_agreement_not_accepted(provider_client, customer, offers, make_reseller):
    unsigned, _ = make_reseller("Unsigned LLC", signed=False)
    assert "hasn't accepted the partner agreement" in _refusal(provider_client, customer, offers, _location(unsigned))


def test_preflight_reseller_not_active(provider_client, customer, offers, seller):
    reseller = seller[2]
    ProgramEnrollment.objects.filter(organization=reseller).update(status=ProgramEnrollment.Status.SUSPENDED)
    assert "isn't active yet" in _refusal(provider_client, customer, offers, _location(reseller))


def test_preflight_not_a_location_id(provider_client, customer, offers, seller):
    global_id = partner_id_issue_global(organization=seller[2]).number
    assert "is a global partner ID, not a location ID" in _refusal(provider_client, customer, offers, global_id)


def test_preflight_unknown_and_malformed_ids(provider_client, customer, offers):
    assert "invalid or does not exist" in _refusal(provider_client, customer, offers, 9999999)
    assert "is a number" in _refusal(provider_client, customer, offers, "abc")


def test_preflight_the_providers_own_id_is_refused(seller):
    provider = seller[0]
    with pytest.raises(services.CustomersError):
        services.partner_of_record_check(partner=provider, number=str(_location(provider)))


def test_no_order_without_a_customer_agreement(provider_client, make_customer, offers):
    created = make_customer("noagreement", attest=False)

    page = provider_client.get(f"/customers/{created.organization.tenant_id}/subscriptions/new/").content.decode()
    response = _order(provider_client, created.organization, offers["standard"])

    assert "no order can be placed yet" in page
    assert "accept it before you can complete this purchase" in " ".join(response.context["form"].non_field_errors())
    assert not Order.objects.filter(customer=created.organization).exists()


def test_attesting_later_unblocks_orders_and_refuses_a_duplicate(provider_client, make_customer, offers):
    created = make_customer("later", attest=False)
    url = f"/customers/{created.organization.tenant_id}/agreement/"
    yesterday = (timezone.now() - timedelta(days=1)).date().isoformat()
    form = {"first_name": "Nestor", "last_name": "Wilke", "email": "nestor@woodgrove.example", "date_agreed": yesterday}

    assert provider_client.post(url, form).status_code == 302
    duplicate = provider_client.post(url, form)
    changed = provider_client.post(url, {**form, "email": "other@woodgrove.example"})

    assert "A partner confirmed agreement already exists for the customer." in " ".join(
        duplicate.context["form"].non_field_errors()
    )
    assert changed.status_code == 302
    assert created.organization.customer_agreement_acceptances.count() == 2
    assert _order(provider_client, created.organization, offers["standard"]).status_code == 302


def test_offer_limits_and_markets_are_enforced(provider_client, customer, offers):
    assert _order(provider_client, customer.organization, offers["plan"], quantity=1).status_code == 302
    second = _order(provider_client, customer.organization, offers["plan"], quantity=1)
    too_many = _order(provider_client, customer.organization, offers["security"], quantity=51)
    eu_only = _order(provider_client, customer.organization, offers["eu"])

    assert "at most 1 subscription(s) to Cloud Compute Plan" in " ".join(second.context["form"].errors["offer"])
    assert "from 1 to 50" in " ".join(too_many.context["form"].errors["quantity"])
    assert eu_only.status_code == 200  # not even offered in this market
    assert Subscription.objects.filter(customer=customer.organization).count() == 3


# --- idempotency -------------------------------------------------------------------------------------


def test_the_same_submission_twice_is_one_order(provider_client, customer, offers):
    key = str(uuid.uuid4())
    first = _order(provider_client, customer.organization, offers["standard"], key=key)
    second = _order(provider_client, customer.organization, offers["standard"], key=key)

    assert first.status_code == second.status_code == 302
    assert Order.objects.filter(idempotency_key=key).count() == 1


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_identical_submissions_make_one_order(seller, customer, offers):
    provider, user, _, _ = seller
    key = uuid.uuid4()
    barrier = threading.Barrier(10)
    results, errors = [], []

    def submit():
        try:
            barrier.wait()
            results.append(
                services.order_submit(
                    partner=provider,
                    customer=customer.organization,
                    actor=user,
                    key=key,
                    lines=[services.LineInput(offer=offers["standard"], quantity=2)],
                )
            )
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [platform_thread(submit) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len({order.pk for order, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert Order.objects.filter(idempotency_key=key).count() == 1
    assert Subscription.objects.filter(order__idempotency_key=key).count() == 1


# --- subscription changes ---------------------------------------------------------------------------


@pytest.fixture
def subscription(customer, offers):
    return Subscription.objects.get(customer=customer.organization, offer=offers["standard"])


def _act(client, subscription, **data):
    url = f"/customers/{subscription.customer.tenant_id}/subscriptions/{subscription.public_id}/"
    return client.post(url, data)


def test_quantity_goes_up_any_time_and_down_only_within_seven_days(provider_client, subscription, seller):
    start = timezone.now()
    with time_machine.travel(start + timedelta(days=6), tick=False):
        assert _act(provider_client, subscription, action="quantity", quantity=8).status_code == 302
    subscription.refresh_from_db()
    assert subscription.quantity == 8

    with time_machine.travel(start + timedelta(days=8), tick=False):
        refused = _act(provider_client, subscription, action="quantity", quantity=6)
        assert "can only be removed within 7 days" in " ".join(refused.context["forms"]["quantity"].errors["quantity"])
        assert _act(provider_client, subscription, action="quantity", quantity=12).status_code == 302
    with time_machine.travel(start + timedelta(days=14), tick=False):  # 6 days after that increase
        provider_client.force_login(seller[1])  # a session lasts two weeks
        assert _act(provider_client, subscription, action="quantity", quantity=9).status_code == 302
    subscription.refresh_from_db()
    assert subscription.quantity == 9


def test_cancel_only_within_seven_days_of_purchase(provider_client, subscription, customer, offers):
    other = Subscription.objects.get(customer=customer.organization, offer=offers["security"])
    with time_machine.travel(subscription.created_at + timedelta(days=8), tick=False):
        refused = _act(provider_client, subscription, action="cancel", follow=True)
        page = provider_client.get(
            f"/customers/{subscription.customer.tenant_id}/subscriptions/{subscription.public_id}/"
        ).content.decode()
    subscription.refresh_from_db()
    assert subscription.status == "active"
    assert "Cancellation was possible until" in page
    assert refused.status_code == 200

    with time_machine.travel(other.created_at + timedelta(days=6), tick=False):
        assert _act(provider_client, other, action="cancel").status_code == 302
    other.refresh_from_db()
    assert (other.status, other.auto_renew) == ("cancelled", False)


def test_suspend_keeps_auto_renew_and_reactivate(provider_client, subscription):
    """Suspending no longer turns auto-renew off (issue 18: a subscription still suspended at term end
    expires; reactivated before, it renews as it would have)."""
    _act(provider_client, subscription, action="suspend")
    subscription.refresh_from_db()
    assert (subscription.status, subscription.auto_renew) == ("suspended", True)
    refused = _act(provider_client, subscription, action="quantity", quantity=20)
    assert refused.status_code == 200

    _act(provider_client, subscription, action="reactivate")
    _act(provider_client, subscription, action="settings", friendly_name="Head office", auto_renew="on")
    subscription.refresh_from_db()
    assert (subscription.status, subscription.auto_renew, subscription.friendly_name) == ("active", True, "Head office")


def test_support_contact_is_the_provider_by_default_and_may_be_a_related_reseller(
    provider_client, subscription, seller, make_reseller
):
    provider, _, reseller, _ = seller
    stranger, _ = make_reseller("Stranger LLC")
    assert subscription.support_contact == provider

    refused = _act(provider_client, subscription, action="support_contact", support_contact=stranger.pk)
    done = _act(provider_client, subscription, action="support_contact", support_contact=reseller.pk)

    assert refused.status_code == 200
    assert done.status_code == 302
    subscription.refresh_from_db()
    assert subscription.support_contact == reseller


def test_partner_of_record_on_an_existing_subscription_runs_the_preflight(provider_client, subscription, make_reseller):
    unsigned, _ = make_reseller("Unsigned LLC", signed=False)

    response = _act(provider_client, subscription, action="partner_of_record", partner_of_record=_location(unsigned))

    assert "hasn't accepted the partner agreement" in " ".join(
        response.context["forms"]["partner_of_record"].errors["partner_of_record"]
    )
    subscription.refresh_from_db()
    assert subscription.partner_of_record.organization != unsigned


def test_the_reseller_of_record_manages_the_subscription_but_does_not_sell(seller, subscription):
    """Issue 18: the reseller of record manages its subscriptions within the provider's rules (the quantity
    here); suspending stays the seller's, and it still places no order."""
    client = Client()
    client.force_login(seller[3])
    url = f"/customers/{subscription.customer.tenant_id}/subscriptions/{subscription.public_id}/"

    page = client.get(url).content.decode()
    done = client.post(url, {"action": "quantity", "quantity": 50})
    refused = client.post(url, {"action": "suspend"}, follow=True).content.decode()
    detail = client.get(f"/customers/{subscription.customer.tenant_id}/").content.decode()

    assert "reseller of record" in page
    assert done.status_code == 302
    assert "Only the partner that sold this subscription can do that." in refused
    assert "Add subscription" not in detail
    assert client.get(f"/customers/{subscription.customer.tenant_id}/subscriptions/new/").status_code == 403
    subscription.refresh_from_db()
    assert (subscription.quantity, subscription.status) == (50, "active")


def test_unknown_action_changes_nothing(provider_client, subscription):
    response = _act(provider_client, subscription, action="explode")
    assert response.status_code == 200
    subscription.refresh_from_db()
    assert subscription.status == "active"


def test_a_customer_of_a_suspended_reseller_agreement_stays_visible(seller, subscription):
    AgreementAcceptance.objects.filter(organization=seller[2]).delete()
    assert Organization.objects.filter(pk=subscription.customer_id).exists()


def test_a_partner_without_a_relationship_cant_attest_for_the_customer(seller, customer, make_member):
    from customers.models import CustomerRelationship
    from tests.scenarios import attested

    provider, user, _, _ = seller
    CustomerRelationship.objects.filter(partner=provider, customer=customer.organization).update(status="removed")

    with pytest.raises(services.CustomersError, match="no longer have a relationship"):
        services.customer_agreement_attest(
            partner=provider,
            customer=customer.organization,
            actor=user,
            agreement=attested(email="new@woodgrove.example"),
        )
    assert customer.organization.customer_agreement_acceptances.count() == 1


# --- order numbers ----------------------------------------------------------------------------------


def test_each_provider_numbers_its_own_orders_from_one(provider_client, make_customer, offers):
    """Another partner's orders come first in the database; the provider's first order is still #1."""
    from tests.customers.bulk import bulk_customers, bulk_subscriptions
    from tests.factories import OrganizationFactory

    other = OrganizationFactory(legal_name="Northwind Other Provider")
    for other_customer in bulk_customers(other, 2, name="Other Customer {n}", prefix="othercust-"):
        bulk_subscriptions(provider=other, customer=other_customer, reseller=None, offers=offers, count=1)
    assert sorted(Order.objects.filter(partner=other).values_list("number", flat=True)) == [1, 2]
    customer = make_customer("firstorder", company_name="First Order Foods Inc.")  # no subscription yet

    first = _order(provider_client, customer.organization, offers["standard"])
    page = provider_client.get(first.url).content.decode()
    assert "Order #1 placed." in page
    second = _order(provider_client, customer.organization, offers["security"])
    assert "Order #2 placed." in provider_client.get(second.url).content.decode()

    subscription = Subscription.objects.get(customer=customer.organization, offer=offers["standard"])
    tenant = customer.organization.tenant_id
    detail = provider_client.get(f"/customers/{tenant}/subscriptions/{subscription.public_id}/")
    assert "order #1" in detail.content.decode()


@pytest.mark.django_db(transaction=True)
def test_concurrent_orders_of_one_provider_get_consecutive_numbers(seller, make_customer, offers):
    """Two customers of one provider ordered at the same moment: #1 and #2, never the same number twice."""
    provider, user, _, _ = seller
    customers = [make_customer(f"race{n}").organization for n in range(4)]
    numbers, errors = [], []
    barrier = threading.Barrier(len(customers))

    def submit(customer):
        try:
            barrier.wait()
            line = services.LineInput(offer=offers["standard"], quantity=1)
            order, _ = services.order_submit(
                partner=provider, customer=customer, actor=user, key=uuid.uuid4(), lines=[line]
            )
            numbers.append(order.number)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [platform_thread(submit, customer) for customer in customers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(numbers) == [1, 2, 3, 4]
