"""The subscription lifecycle (issue 18 §2): terms and their calendar dates, co-terminosity, changes
scheduled for renewal, the renewal sweep (time-travelled across a month end, a leap day and a DST change;
twice and concurrently), reminders, expiry, upgrades, suspension, and the reseller of record acting."""

from __future__ import annotations

import html
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from customers import services
from customers.models import OfferPrice, Subscription, SubscriptionTerm
from customers.services import lifecycle
from customers.services.common import CustomersError
from partnerhub.core.audit import AuditEvent
from partnerhub.core.errors import ApplicationError
from partnerhub.core.outbox import OutboundEmail
from relationships.models import PartnerRelationship

pytestmark = pytest.mark.django_db

P1M, P1Y, P3Y = "P1M", "P1Y", "P3Y"


def _at(year, month, day, hour=10, tz=UTC):
    return time_machine.travel(datetime(year, month, day, hour, tzinfo=tz), tick=False)


@pytest.fixture
def family(offers):
    """Business Standard (rank 1) sells monthly and annual terms; Business Premium (rank 2) is its upgrade;
    Endpoint Security is of another family."""
    standard, security = offers["standard"], offers["security"]
    standard.terms, standard.family, standard.family_rank = [P1M, P1Y, P3Y], "business", 1
    standard.save()
    security.terms, security.family, security.family_rank = [P1M, P1Y], "security", 1
    security.save()
    from tests.scenarios import make_offer

    premium = make_offer("PH-BIZ-PREM", "Business Premium", price="22.00", maximum=20)
    premium.terms, premium.family, premium.family_rank = [P1M, P1Y, P3Y], "business", 2
    premium.save()
    basic = make_offer("PH-BIZ-BASIC", "Business Basic", price="6.00")
    basic.terms, basic.family, basic.family_rank = [P1M, P1Y], "business", 0
    basic.save()
    return {**offers, "premium": premium, "basic": basic}


def _buy(seller, customer, offer, quantity=10, **line):
    provider, user = seller[0], seller[1]
    order, _ = services.order_submit(
        partner=provider,
        customer=customer,
        actor=user,
        key=uuid.uuid4(),
        lines=[services.LineInput(offer=offer, quantity=quantity, **line)],
    )
    return order.subscriptions.get()


@pytest.fixture
def woodgrove(make_customer):
    """A customer of Contoso associated with Fabrikam, bought on the day each test travels to."""

    def make(prefix="woodgrove"):
        return make_customer(prefix, company_name="Woodgrove Foods Inc.").organization

    return make


# --- dates ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "term", "end"),
    [
        (date(2027, 1, 31), P1M, date(2027, 2, 28)),
        (date(2028, 1, 31), P1M, date(2028, 2, 29)),
        (date(2028, 2, 29), P1Y, date(2029, 2, 28)),
        (date(2027, 3, 15), P1M, date(2027, 4, 14)),
        (date(2027, 1, 1), P1Y, date(2027, 12, 31)),
        (date(2027, 1, 1), P3Y, date(2029, 12, 31)),
        (date(2027, 12, 1), P1M, date(2027, 12, 31)),
    ],
)
def test_term_end_is_calendar_arithmetic(start, term, end):
    assert lifecycle.term_end_for(start, term) == end


def test_an_order_line_chooses_term_and_billing_frequency(seller, woodgrove, family):
    with _at(2027, 1, 31):
        customer = woodgrove()
        annual = _buy(seller, customer, family["standard"], term=P1Y, billing_frequency="monthly")
        monthly = _buy(seller, customer, family["security"])
        with pytest.raises(CustomersError, match="the billing frequency is annual or monthly"):
            _buy(seller, customer, family["standard"], term=P1Y, billing_frequency="triennial")
        with pytest.raises(CustomersError, match="isn't sold with that term"):
            _buy(seller, customer, family["security"], term=P3Y)

    assert (annual.term, annual.billing_frequency, annual.term_start, annual.term_end, annual.auto_renew) == (
        P1Y, "monthly", date(2027, 1, 31), date(2028, 1, 30), True
    )  # fmt: skip
    assert (monthly.term, monthly.billing_frequency, monthly.term_end) == (P1M, "monthly", date(2027, 2, 28))
    (purchase,) = SubscriptionTerm.objects.filter(subscription=annual)
    assert (purchase.kind, purchase.unit_price, purchase.quantity) == ("purchase", Decimal("12.50"), 10)
    assert annual.order_line.billing_frequency == "monthly"


def test_co_terminosity(seller, woodgrove, family):
    with _at(2027, 1, 10):
        customer = woodgrove()
        annual = _buy(seller, customer, family["standard"], term=P1Y)  # ends 2028-01-09
        monthly = _buy(seller, customer, family["security"])  # ends 2027-02-09
        month_end = _buy(seller, customer, family["standard"], term=P1Y, custom_term_end=date(2027, 6, 30))
        with_annual = _buy(seller, customer, family["security"], term=P1Y, custom_term_end=annual.term_end)
        with_monthly = _buy(seller, customer, family["standard"], custom_term_end=monthly.term_end)
        with pytest.raises(CustomersError, match="can't be aligned to a monthly subscription"):
            _buy(seller, customer, family["standard"], term=P1Y, custom_term_end=monthly.term_end)
        with pytest.raises(CustomersError, match="the term's natural end"):
            _buy(seller, customer, family["security"], custom_term_end=date(2027, 3, 31))
        with pytest.raises(CustomersError, match="last day of a calendar month"):
            _buy(seller, customer, family["standard"], term=P1Y, custom_term_end=date(2027, 6, 15))

    assert (month_end.term_start, month_end.term_end) == (date(2027, 1, 10), date(2027, 6, 30))  # shortened
    assert with_annual.term_end == annual.term_end == date(2028, 1, 9)
    assert with_monthly.term_end == date(2027, 2, 9)


# --- the state machine -----------------------------------------------------------------------------------


def test_state_machine_happy_illegal_and_twice(seller, woodgrove, family):
    user = seller[1]
    with _at(2027, 1, 10):
        subscription = _buy(seller, woodgrove(), family["standard"])
        services.subscription_suspend(subscription=subscription, actor=user)
        with pytest.raises(CustomersError, match="Only an active subscription can be suspended"):
            services.subscription_suspend(subscription=subscription, actor=user)  # twice: refused, unchanged
        services.subscription_reactivate(subscription=subscription, actor=user)
        with pytest.raises(CustomersError, match="Only a suspended subscription can be reactivated"):
            services.subscription_reactivate(subscription=subscription, actor=user)
        services.subscription_update(subscription=subscription, actor=user, friendly_name="", auto_renew=False)
    with _at(2027, 2, 10):
        assert services.sweep_renewals() == {"renewed": 0, "expired": 1}
        assert services.sweep_renewals() == {"renewed": 0, "expired": 0}
        subscription.refresh_from_db()
        assert subscription.status == "expired"
        with pytest.raises(ApplicationError, match="can't change from Expired to Active"):
            subscription.move_to(Subscription.Status.ACTIVE)
        with pytest.raises(CustomersError, match="has ended"):
            services.subscription_cancel(subscription=subscription, actor=user)
        with pytest.raises(CustomersError):
            services.subscription_reactivate(subscription=subscription, actor=user)
    assert AuditEvent.objects.filter(code="partnerhub.subscription.expired", organization=seller[0]).count() == 1


# --- renewal ------------------------------------------------------------------------------------------------


def test_renewal_across_a_month_end_applies_scheduled_changes_at_the_current_price(seller, woodgrove, family):
    user = seller[1]
    with _at(2027, 1, 31):
        subscription = _buy(seller, woodgrove(), family["standard"], quantity=10)
    with _at(2027, 2, 20):  # outside the 7-day window: a lower quantity only at renewal
        with pytest.raises(CustomersError, match="Schedule a lower quantity"):
            services.subscription_change_quantity(subscription=subscription, actor=user, quantity=4)
        services.subscription_schedule_changes(subscription=subscription, actor=user, quantity=4, term=P1Y)
        OfferPrice.objects.filter(offer=family["standard"], currency="USD").update(unit_price=Decimal("13.10"))
        subscription.refresh_from_db()
        assert not subscription.may_cancel()
    with _at(2027, 2, 28, 23):
        assert services.sweep_renewals() == {"renewed": 0, "expired": 0}  # its last day
    with _at(2027, 3, 1, 0):
        assert services.sweep_renewals() == {"renewed": 1, "expired": 0}
        assert services.sweep_renewals() == {"renewed": 0, "expired": 0}
        subscription.refresh_from_db()
        assert subscription.may_cancel()
        assert subscription.may_decrease()

    assert (subscription.term_start, subscription.term_end, subscription.term) == (
        date(2027, 3, 1), date(2028, 2, 29), P1Y
    )  # fmt: skip
    assert (subscription.quantity, subscription.unit_price, subscription.billing_frequency) == (
        4, Decimal("13.10"), "annual"
    )  # fmt: skip
    assert (subscription.next_quantity, subscription.next_term) == (None, "")
    renewal = SubscriptionTerm.objects.get(subscription=subscription, kind="renewal")
    assert (renewal.start, renewal.end, renewal.quantity, renewal.unit_price) == (
        date(2027, 3, 1), date(2028, 2, 29), 4, Decimal("13.10")
    )  # fmt: skip


def test_renewal_across_a_leap_day(seller, woodgrove, family):
    with _at(2028, 1, 31):
        customer = woodgrove()
        monthly = _buy(seller, customer, family["security"])
    with _at(2028, 2, 29):
        annual = _buy(seller, customer, family["standard"], term=P1Y)
        assert services.sweep_renewals() == {"renewed": 0, "expired": 0}  # monthly ends today, the 29th
    with _at(2028, 3, 1):
        assert services.sweep_renewals()["renewed"] == 1
    with _at(2029, 3, 1):
        services.sweep_renewals()
    monthly.refresh_from_db()
    annual.refresh_from_db()
    assert monthly.term_end >= date(2029, 3, 1)
    assert SubscriptionTerm.objects.filter(subscription=monthly, kind="renewal").first().start == date(2028, 3, 1)
    assert (annual.term_start, annual.term_end) == (date(2029, 3, 1), date(2030, 2, 28))
    assert SubscriptionTerm.objects.get(subscription=annual, kind="renewal").start == date(2029, 3, 1)


def test_renewal_across_a_dst_change_follows_the_local_calendar(seller, woodgrove, family, settings):
    settings.TIME_ZONE = "Europe/Paris"  # clocks go forward at 02:00 on 28 March 2027
    paris = ZoneInfo("Europe/Paris")
    with _at(2027, 2, 28, 12, tz=paris):
        subscription = _buy(seller, woodgrove(), family["standard"])
    assert subscription.term_end == date(2027, 3, 27)
    with _at(2027, 3, 27, 23, tz=paris):  # 22:00 UTC: still its last day in Paris
        assert services.sweep_renewals()["renewed"] == 0
    with _at(2027, 3, 28, 3, tz=paris):  # after the change (01:00 UTC)
        assert services.sweep_renewals()["renewed"] == 1
    subscription.refresh_from_db()
    assert (subscription.term_start, subscription.term_end) == (date(2027, 3, 28), date(2027, 4, 27))


def test_expiry_when_suspended_or_the_partner_of_record_fails(seller, woodgrove, family):
    provider, user, reseller, _ = seller
    with _at(2027, 1, 10):
        customer = woodgrove()
        suspended = _buy(seller, customer, family["security"])
        services.subscription_suspend(subscription=suspended, actor=user)
        por = _buy(seller, customer, family["standard"], partner_of_record=services.location_partner_id(reseller))
        assert por.reseller == reseller
    PartnerRelationship.objects.filter(provider=provider, reseller=reseller).update(
        status=PartnerRelationship.Status.REMOVED
    )
    with _at(2027, 2, 10):
        assert services.sweep_renewals() == {"renewed": 0, "expired": 2}
    suspended.refresh_from_db()
    por.refresh_from_db()
    assert (suspended.status, suspended.end_reason) == ("expired", "It was still suspended at the end of its term.")
    assert por.status == "expired"
    assert "has no active partnership with you" in por.end_reason
    refused = OutboundEmail.objects.filter(template="subscription_renewal_refused").latest("pk")
    assert "has no active partnership with you" in refused.body_text
    assert refused.to == user.email
    # The reseller of record's side gets the expiry too (its webhook endpoints).
    assert AuditEvent.objects.filter(code="partnerhub.subscription.expired", organization=reseller).count() == 1


def test_reminders_30_and_7_days_before_once_each(seller, woodgrove, family):
    _provider, user = seller[0], seller[1]
    with _at(2027, 1, 10):
        customer = woodgrove()
        annual = _buy(seller, customer, family["standard"], term=P1Y)  # ends 2028-01-09
        off = _buy(seller, customer, family["security"], term=P1Y)
        services.subscription_update(subscription=off, actor=user, friendly_name="", auto_renew=False)
    with _at(2027, 12, 9):
        assert services.sweep_renewal_reminders() == 0
    with _at(2027, 12, 10):
        assert services.sweep_renewal_reminders() == 2
        assert services.sweep_renewal_reminders() == 0
    with _at(2028, 1, 3):
        assert services.sweep_renewal_reminders() == 2
    reminders = OutboundEmail.objects.filter(template="subscription_renewal_reminder")
    notices = OutboundEmail.objects.filter(template="subscription_expiry_notice")
    admin_email = customer.memberships.get().user.email
    assert {email.to for email in reminders} == {user.email, admin_email}
    assert reminders.count() == 4
    assert notices.count() == 4
    assert "renews automatically on" in reminders.first().body_text
    assert annual.display_name in reminders.first().subject


# --- upgrades ------------------------------------------------------------------------------------------------


def test_upgrade_replaces_the_subscription_with_the_remaining_term_credited(seller, woodgrove, family):
    user = seller[1]
    with _at(2027, 1, 1):
        subscription = _buy(seller, woodgrove(), family["standard"], quantity=10, term=P1Y)  # 2027-01-01..12-31
    with _at(2027, 7, 2):  # 183 of 365 days left
        assert [offer.sku for offer in services.upgrade_targets(subscription)] == ["PH-BIZ-PREM"]
        new = services.subscription_upgrade(subscription=subscription, actor=user, offer=family["premium"])
        again = services.subscription_upgrade(subscription=subscription, actor=user, offer=family["premium"])
    subscription.refresh_from_db()
    assert again == new
    assert (subscription.status, subscription.upgraded_to) == ("upgraded", new)
    assert (new.offer, new.quantity, new.term, new.term_end, new.unit_price) == (
        family["premium"], 10, P1Y, date(2027, 12, 31), Decimal("22.00")
    )  # fmt: skip
    upgrade = SubscriptionTerm.objects.get(subscription=new)
    assert upgrade.credit == (Decimal("12.50") * 10 * 183 / 365).quantize(Decimal("0.01"))
    assert upgrade.replaced == subscription


def test_upgrade_refusals(seller, woodgrove, family):
    user, reseller = seller[1], seller[2]
    with _at(2027, 1, 1):
        customer = woodgrove()
        subscription = _buy(seller, customer, family["standard"], quantity=10)
        big = _buy(seller, customer, family["standard"], quantity=25)

        def refused(offer, target=subscription, **kwargs):
            with pytest.raises(CustomersError) as caught:
                services.subscription_upgrade(subscription=target, actor=user, offer=offer, **kwargs)
            return caught.value.code

        assert refused(family["security"]) == "different_family"
        assert refused(family["basic"]) == "not_higher"
        assert refused(family["premium"], target=big) == "2002"  # beyond the target's 20 licenses
        assert refused(family["premium"], organization=reseller) == "not_seller_of_subscription"
        family["premium"].customer_limit = 0
        family["premium"].save()
        assert refused(family["premium"]) == "customer_limit"
        services.subscription_suspend(subscription=subscription, actor=user)
        assert refused(family["premium"]) == "not_active"
    subscription.refresh_from_db()
    assert subscription.status == "suspended"


# --- suspension on both sides, the support contact -------------------------------------------------------


def test_suspension_is_explained_to_both_sides_and_drops_scheduled_changes(seller, customer, offers):
    user = seller[1]
    subscription = Subscription.objects.get(customer=customer.organization, offer=offers["standard"])
    services.subscription_schedule_changes(subscription=subscription, actor=user, quantity=3)
    services.subscription_suspend(subscription=subscription, actor=user)
    subscription.refresh_from_db()
    assert (subscription.next_quantity, subscription.auto_renew) == (None, True)

    partner = Client()
    partner.force_login(user)
    page = partner.get(f"/customers/{customer.organization.tenant_id}/subscriptions/{subscription.public_id}/")
    assert "users can't use it; billing continues; reactivate it before" in page.content.decode()

    admin = customer.organization.memberships.get().user
    admin.must_change_password = False
    admin.save(update_fields=["must_change_password"])
    own = Client()
    own.force_login(admin)
    table = own.get("/customer/partners/").content.decode()
    assert "Suspended: users can't use it; billing continues; reactivate before" in table
    cell = table.split('data-testid="support-contact"')[1].split("</td>")[0]
    assert "mailto:" in cell  # the support email the provider gave at enrolment


# --- the reseller of record ---------------------------------------------------------------------------------


def test_the_reseller_schedules_changes_audited_on_both_sides_and_the_provider_is_told(seller, customer, offers):
    provider, _, reseller, reseller_user = seller
    subscription = Subscription.objects.get(customer=customer.organization, offer=offers["standard"])
    client = Client()
    client.force_login(reseller_user)
    url = f"/customers/{customer.organization.tenant_id}/subscriptions/{subscription.public_id}/"

    done = client.post(url, {"action": "schedule", "next_quantity": 2, "auto_renew": "on"})
    subscription.refresh_from_db()
    assert done.status_code == 302
    assert subscription.next_quantity == 2
    page = client.get(url).content.decode()
    assert "At renewal on" in page
    assert "quantity 2" in page
    for organization in (provider, reseller):
        event = AuditEvent.objects.get(code="partnerhub.subscription.changes_scheduled", organization=organization)
        assert event.data["by_reseller"] == reseller.legal_name
        assert event.actor == reseller_user
    assert (
        provider.memberships.get(roles__contains=["global_admin"])
        .user.notifications.filter(title__contains=reseller.legal_name)
        .exists()
    )


def test_the_reseller_is_refused_outside_the_rules(seller, customer, offers):
    reseller_user = seller[3]
    subscription = Subscription.objects.get(customer=customer.organization, offer=offers["standard"])
    client = Client()
    client.force_login(reseller_user)
    url = f"/customers/{customer.organization.tenant_id}/subscriptions/{subscription.public_id}/"
    with time_machine.travel(subscription.last_increase_at + timedelta(days=8)):
        page = client.post(url, {"action": "quantity", "quantity": 1}).content.decode()
    assert "Schedule a lower quantity" in page
    refused = client.post(url, {"action": "partner_of_record", "partner_of_record": "1"}, follow=True)
    assert "Unknown action." in refused.content.decode()
    subscription.refresh_from_db()
    assert subscription.quantity == 10


def test_another_tenants_subscription_is_a_404(seller, customer, offers, outsider_member):
    subscription = Subscription.objects.get(customer=customer.organization, offer=offers["standard"])
    client = Client()
    client.force_login(outsider_member.user)
    url = f"/customers/{customer.organization.tenant_id}/subscriptions/{subscription.public_id}/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "upgrade", "offer": offers["security"].pk}).status_code == 404


# --- the wizard and the add-subscription page ----------------------------------------------------------------


def test_the_wizard_offers_each_term_an_offer_sells(seller, family):
    from tests.customers.test_wizard import _account_post

    client = Client()
    client.force_login(seller[1])
    client.post("/customers/new/", _account_post(reseller=seller[2].pk))
    yesterday = (date.today() - timedelta(days=1)).isoformat()  # noqa: DTZ011 - the agreement's date, any day
    attest = {"how": "attest", "first_name": "Nestor", "last_name": "Wilke", "email": "nestor@woodgrove.example"}
    client.post("/customers/new/agreement/", {**attest, "date_agreed": yesterday})
    page = client.get("/customers/new/subscriptions/").content.decode()
    assert f'name="term_{family["standard"].pk}"' in page
    assert f'name="term_{family["plan"].pk}"' not in page  # one term only: nothing to choose
    standard = family["standard"].pk
    client.post("/customers/new/subscriptions/", {f"quantity_{standard}": "3", f"term_{standard}": P3Y})
    assert "Triennial" in client.get("/customers/new/review/").content.decode()
    assert client.post("/customers/new/review/", {"confirm": "on"}).status_code == 302
    subscription = Subscription.objects.get(offer=family["standard"], quantity=3)
    assert (subscription.term, subscription.billing_frequency) == (P3Y, "triennial")


def test_the_add_subscription_page_aligns_with_another_subscription(seller, customer, family):
    client = Client()
    client.force_login(seller[1])
    existing = Subscription.objects.get(customer=customer.organization, offer=family["standard"])
    url = f"/customers/{customer.organization.tenant_id}/subscriptions/new/"
    page = client.get(url).content.decode()
    assert existing.term_end.isoformat() in page  # a choice of "Align the end date with"

    base = {"offer": family["premium"].pk, "quantity": 2, "key": str(uuid.uuid4()), "confirm": "on",
            "partner_of_record": ""}  # fmt: skip
    refused = client.post(url, {**base, "term": P1Y, "align_with": existing.term_end.isoformat()})
    assert "can't be aligned to a monthly subscription" in html.unescape(refused.content.decode())
    done = client.post(url, {**base, "key": str(uuid.uuid4()), "align_with": existing.term_end.isoformat()})
    assert done.status_code == 302
    assert Subscription.objects.get(offer=family["premium"]).term_end == existing.term_end


# --- the data migration -------------------------------------------------------------------------------------


def test_the_data_migration_gives_existing_rows_their_offers_term_and_a_purchase_record(seller, customer, offers):
    """customers/migrations/0006's SQL on a row as 0005 left it: the columns' defaults, no term row."""
    import importlib

    from django.db import connection
    from django.utils import timezone

    migration = importlib.import_module("customers.migrations.0006_subscription_lifecycle_data")
    offer = offers["security"]
    offer.term, offer.terms = P1Y, []
    offer.save()
    bought = timezone.now() - timedelta(days=100)
    subscription = Subscription.objects.get(customer=customer.organization, offer=offer)
    SubscriptionTerm.objects.filter(subscription=subscription).delete()
    Subscription.objects.filter(pk=subscription.pk).update(
        created_at=bought, term="P1M", billing_frequency="monthly", term_start=timezone.localdate(),
        term_end=(bought + timedelta(days=365)).date(), term_started_at=timezone.now(),
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(migration.FORWARDS)
        cursor.execute(migration.FORWARDS)  # twice: the same

    subscription.refresh_from_db()
    offer.refresh_from_db()
    assert offer.terms == [P1Y]
    assert (subscription.term, subscription.billing_frequency) == (P1Y, "annual")
    assert (subscription.term_start, subscription.term_started_at) == (bought.date(), bought)
    assert subscription.term_end == (bought + timedelta(days=365)).date()  # what the customer was told
    (purchase,) = SubscriptionTerm.objects.filter(subscription=subscription)
    assert (purchase.kind, purchase.start, purchase.end) == ("purchase", bought.date(), subscription.term_end)
