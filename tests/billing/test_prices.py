"""Price lists: the most specific rule wins, a rule applies from its date and a charge records it, a used rule
stays, the forms say what is wrong, and a reseller never sees its provider's cost nor another reseller's price."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
import time_machine
from django.urls import reverse

from billing import price_lists
from billing.models import BillingProfile, ChargeLine, PriceRule, TaxRate
from customers import services
from customers.models import OfferPrice

pytestmark = pytest.mark.django_db

PRICES = "/billing/prices/"


def _at(year, month, day, hour=10):
    return time_machine.travel(datetime(year, month, day, hour, tzinfo=UTC), tick=False)


def _buy(seller, customer, offer, quantity=10, **line):
    order, _ = services.order_submit(
        partner=seller[0], customer=customer, actor=seller[1], key=uuid.uuid4(),
        lines=[services.LineInput(offer=offer, quantity=quantity, **line)],
    )  # fmt: skip
    return order.subscriptions.get()


def _login(client, user):
    client.force_login(user)
    return client


def _rule(issuer, percent, day=date(2026, 1, 1), **scope):
    return PriceRule.objects.create(issuer=issuer, name=scope.pop("name", f"Rule {percent}"), percent=percent,
                                    effective_from=day, **scope)  # fmt: skip


def test_the_most_specific_rule_prices_the_reseller_and_a_future_rule_waits_for_its_date(seller, make_customer, offers):
    provider, _user, reseller, _ = seller
    offer = offers["standard"]
    _rule(provider, "10", name="Default")
    _rule(provider, "5", name="Gold tier", tier="gold")
    with _at(2026, 3, 1):
        customer = make_customer("woodgrove").organization
        price_lists.tier_set(organization=provider, recipient=reseller, tier="gold")
        # An override for this reseller from tomorrow: today the tier rule still prices it.
        override = _rule(provider, "2", day=date(2026, 3, 2), name="Fabrikam deal", recipient=reseller)
        first = _buy(seller, customer, offer, 1, partner_of_record=services.location_partner_id(reseller))
    line = ChargeLine.objects.get(subscription=first, recipient=reseller)
    vendor_line = ChargeLine.objects.get(subscription=first, recipient=provider)
    assert line.price_rule.name == "Gold tier"
    assert line.price_list.startswith("Gold tier (+5.00%")
    # Tier prices are whole cents (half up): 12.50 × 1.05 = 13.125 → 13.13.
    assert line.unit_price == (vendor_line.unit_price * Decimal("1.05")).quantize(Decimal("0.01"), ROUND_HALF_UP)
    with _at(2026, 3, 2):
        second = _buy(seller, customer, offers["security"], 1,
                      partner_of_record=services.location_partner_id(reseller))  # fmt: skip
    assert ChargeLine.objects.get(subscription=second, recipient=reseller).price_rule == override


def test_the_page_lists_rules_previews_prices_and_adds_a_tier_rule_and_an_override(client, seller, offers):
    provider, user, reseller, _ = seller
    _login(client, user)
    list_price = OfferPrice.objects.get(offer=offers["standard"], currency=provider.currency).unit_price
    with _at(2026, 3, 1):
        response = client.post(reverse("billing:prices-tier"), {"tier-recipient": reseller.pk, "tier-tier": "gold"})
        assert response.status_code == 302
        assert BillingProfile.objects.get(issuer=provider, recipient=reseller).price_tier == "gold"
        response = client.post(reverse("billing:prices-rule-add"), {
            "rule-name": "Gold resellers", "rule-scope": "tier", "rule-tier": "gold", "rule-percent": "20",
            "rule-effective_from": "2026-03-01",
        })  # fmt: skip
        assert response.status_code == 302
        page = client.get(PRICES, {"for": "tier:gold"})
        assert page.status_code == 200
        row = _preview_row(page, offers["standard"])
        assert row["price"] == (list_price * Decimal("1.2")).quantize(Decimal("0.01"))
        client.post(reverse("billing:prices-rule-add"), {
            "rule-name": "Fabrikam deal", "rule-scope": "recipient", "rule-recipient": reseller.pk,
            "rule-percent": "-5", "rule-effective_from": "2026-03-01",
        })  # fmt: skip
        page = client.get(PRICES, {"for": f"org:{reseller.pk}"})
        assert _preview_row(page, offers["standard"])["price"] == (list_price * Decimal("0.95")).quantize(
            Decimal("0.01")
        )
        assert "Fabrikam deal" in page.content.decode()


def _preview_row(page, offer) -> dict:
    import re

    html = page.content.decode()
    match = re.search(
        rf'<tr data-offer="{offer.pk}">.*?data-testid="cost">([^<]*)</td>.*?data-testid="price">([^<]*)</td>',
        html,
        re.S,
    )
    assert match, "the offer is in the preview"
    return {"cost": Decimal(match.group(1).replace(",", "")), "price": Decimal(match.group(2).replace(",", ""))}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"rule-effective_from": "2026-02-28"}, "effective_from", "applies from today or later"),
        ({"rule-scope": "tier", "rule-tier": ""}, "tier", "Name the price tier"),
        ({"rule-scope": "recipient"}, "recipient", "Choose the organization"),
        ({"rule-percent": "-150"}, "percent", "greater than or equal to -100"),
        ({"rule-name": ""}, "name", "This field is required"),
    ],
)
def test_a_bad_rule_is_refused_with_a_clear_message_and_nothing_is_saved(client, seller, data, field, message):
    _login(client, seller[1])
    posted = {"rule-name": "Default", "rule-scope": "everyone", "rule-percent": "10",
              "rule-effective_from": "2026-03-01", **data}  # fmt: skip
    with _at(2026, 3, 1):
        response = client.post(reverse("billing:prices-rule-add"), posted)
    assert response.status_code == 400
    assert f'data-testid="error-{field}"' in response.content.decode()
    assert message in response.content.decode()
    assert not PriceRule.objects.exists()


def test_a_rule_used_by_a_charge_stays_and_an_unused_future_rule_may_be_deleted(client, seller, make_customer, offers):
    provider, user, reseller, _ = seller
    used = _rule(provider, "10", name="Default")
    with _at(2026, 3, 1):
        customer = make_customer("woodgrove").organization
        _buy(seller, customer, offers["standard"], 1, partner_of_record=services.location_partner_id(reseller))
        future = _rule(provider, "12", day=date(2026, 4, 1), name="April")
        _login(client, user)
        response = client.post(reverse("billing:prices-rule-delete", args=[used.pk]), follow=True)
        assert "priced charges already" in response.content.decode()
        assert PriceRule.objects.filter(pk=used.pk).exists()
        client.post(reverse("billing:prices-rule-delete", args=[future.pk]))
        assert not PriceRule.objects.filter(pk=future.pk).exists()
        page = client.get(PRICES).content.decode()
        assert "Used by charges" in page


def test_tax_rates_are_added_edited_and_reverse_charge_is_at_zero(client, seller):
    provider, user, _reseller, _ = seller
    _login(client, user)
    response = client.post(reverse("billing:prices-tax"), {"tax-country": "de", "tax-rate": "19",
                                                           "tax-wording": "VAT 19%"})  # fmt: skip
    assert response.status_code == 302
    rate = TaxRate.objects.get(issuer=provider, country="DE")
    response = client.post(reverse("billing:prices-tax-edit", args=[rate.pk]), {
        "tax-country": "DE", "tax-rate": "5", "tax-wording": "Reverse charge, art. 196", "tax-reverse_charge": "on",
    })  # fmt: skip
    assert response.status_code == 400
    assert "the rate is 0" in response.content.decode()
    response = client.post(reverse("billing:prices-tax-edit", args=[rate.pk]), {
        "tax-country": "DE", "tax-rate": "0", "tax-wording": "Reverse charge, art. 196", "tax-reverse_charge": "on",
    })  # fmt: skip
    assert response.status_code == 302
    rate.refresh_from_db()
    assert rate.reverse_charge
    assert rate.rate == 0
    page = client.get(PRICES).content.decode()
    assert "Reverse charge, art. 196" in page
    response = client.post(reverse("billing:prices-tax"), {"tax-country": "DE", "tax-rate": "1", "tax-wording": "x"})
    assert "You have a tax rate for this country already" in response.content.decode()


def test_a_reseller_sees_its_own_price_never_its_providers_cost_nor_another_resellers_price(
    client, seller, make_reseller, offers, staff
):
    provider, provider_user, reseller, reseller_user = seller
    from tests import scenarios

    other, other_user = make_reseller("Northwind Resale")
    scenarios.partner(provider, provider_user, other, other_user)
    list_price = OfferPrice.objects.get(offer=offers["standard"], currency=provider.currency).unit_price
    _rule(None, "-13", name="Vendor discount", program="indirect_provider")
    _rule(provider, "7", name="Default")
    _rule(provider, "-3.5", name="Northwind special", recipient=other)
    cent = Decimal("0.01")
    provider_cost = (list_price * Decimal("0.87")).quantize(cent, ROUND_HALF_UP)  # each tier's price: whole cents
    my_price = (provider_cost * Decimal("1.07")).quantize(cent, ROUND_HALF_UP)
    other_price = (provider_cost * Decimal("0.965")).quantize(cent, ROUND_HALF_UP)
    with _at(2026, 3, 1):
        # The provider sees its cost and both prices.
        page = _login(client, provider_user).get(PRICES, {"for": f"org:{other.pk}"})
        assert _preview_row(page, offers["standard"]) == {"cost": provider_cost, "price": other_price}
        client.logout()
        for user, own in ((reseller_user, my_price), (other_user, other_price)):
            page = _login(client, user).get(PRICES)
            assert page.status_code == 200
            html = page.content.decode()
            assert _preview_row(page, offers["standard"])["cost"] == own
            assert "Northwind special" not in html
            assert "Vendor discount" not in html
            assert f">{provider_cost}<" not in html
            other_reseller_price = other_price if own == my_price else my_price
            assert f">{other_reseller_price}<" not in html
            client.logout()


def test_a_reseller_starts_billing_its_customer_and_the_third_tier_is_rated(client, seller, make_customer, offers):
    provider, _user, reseller, reseller_user = seller
    _rule(reseller, "25", name="Customer prices")
    with _at(2026, 3, 1):
        customer = make_customer("woodgrove").organization
        _login(client, reseller_user)
        page = client.get(PRICES).content.decode()
        assert "Start billing this customer" in page
        response = client.post(reverse("billing:prices-customer"), {"customer-customer": customer.pk})
        assert response.status_code == 302
        assert BillingProfile.objects.filter(issuer=reseller, recipient=customer).exists()
        subscription = _buy(seller, customer, offers["standard"], 2,
                            partner_of_record=services.location_partner_id(reseller))  # fmt: skip
    third = ChargeLine.objects.get(subscription=subscription, issuer=reseller, recipient=customer)
    assert third.price_rule.name == "Customer prices"


def test_someone_else_s_rule_or_tax_rate_is_not_found(client, seller, make_reseller):
    provider, _user, _reseller, reseller_user = seller
    rule = _rule(provider, "10", day=date(2030, 1, 1))
    rate = TaxRate.objects.create(issuer=provider, country="FR", rate="20", wording="TVA 20 %")
    _login(client, reseller_user)
    assert client.post(reverse("billing:prices-rule-delete", args=[rule.pk])).status_code == 404
    assert client.get(reverse("billing:prices-tax-edit", args=[rate.pk])).status_code == 404
    assert client.post(reverse("billing:prices-tax-delete", args=[rate.pk])).status_code == 404
    assert PriceRule.objects.filter(pk=rule.pk).exists()
    assert TaxRate.objects.filter(pk=rate.pk).exists()


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_page_runs_the_same_queries_for_one_rule_and_many(client, seller, make_reseller, offers):
    from tests import scenarios

    provider, user, reseller, _ = seller
    _login(client, user)
    _rule(provider, "10")
    TaxRate.objects.create(issuer=provider, country="FR", rate="20", wording="TVA 20 %")
    with _at(2026, 3, 1):
        before = _queries(client, PRICES)
        for n in range(4):
            other, other_user = make_reseller(f"Reseller {n}")
            scenarios.partner(provider, user, other, other_user)
            _rule(provider, str(n), name=f"Deal {n}", recipient=other)
            _rule(provider, str(n), name=f"Tier {n}", tier=f"t{n}", offer=offers["security"])
            TaxRate.objects.create(issuer=provider, country=f"Z{n}", rate="10", wording=f"Tax {n}")
        after = _queries(client, PRICES)
    assert after == before


HOSTILE = ["<script>alert(1)</script>", "\x00", "x" * 5000, "-1", "1e309", "NaN", "2026-02-30", "'; --"]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_input_is_refused_or_escaped_never_a_500(client, seller, value):
    provider, user, reseller, _ = seller
    _login(client, user)
    posts = {
        "billing:prices-rule-add": ["rule-name", "rule-scope", "rule-tier", "rule-recipient", "rule-offer",
                                    "rule-percent", "rule-effective_from"],
        "billing:prices-tier": ["tier-recipient", "tier-tier"],
        "billing:prices-tax": ["tax-country", "tax-rate", "tax-wording", "tax-reverse_charge"],
        "billing:prices-customer": ["customer-customer"],
    }  # fmt: skip
    with _at(2026, 3, 1):
        for name, fields in posts.items():
            response = client.post(reverse(name), dict.fromkeys(fields, value))
            assert response.status_code in (302, 400), (name, response.status_code)
            assert "<script>alert(1)</script>" not in response.content.decode()
        response = client.get(PRICES, {"for": value, "page": value, "rules": value})
        assert response.status_code == 200
    assert not TaxRate.objects.filter(issuer=provider).exclude(country__regex=r"^[A-Z]{2}$").exists()
