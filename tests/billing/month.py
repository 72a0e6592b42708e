"""A month of scripted billing activity (issue 19's golden month): Contoso, a provider selling in EUR through two
resellers (Fabrikam in France, VAT 20%; Northwind in Germany, reverse charge), and one of Fabrikam's customers
billed in JPY. In March 2026: purchases, seats added, seats removed and a subscription cancelled inside the 7-day
window, a suspension; then the billing run of 1 April. Every date is fixed (time_machine)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import time_machine

from billing.models import PriceRule, TaxRate
from billing.services import runs
from customers import services
from customers.models import OfferPrice, Subscription
from partnerhub.accounts.models import Organization

REVERSE_CHARGE = "Autoliquidation — Article 196 de la Directive 2006/112/CE"


def at(year: int, month: int, day: int, hour: int = 10):
    return time_machine.travel(datetime(year, month, day, hour, tzinfo=UTC), tick=False)


def _market(organization: Organization, country: str, currency: str) -> None:
    # The country and billing currency only: the CSP region (and so the agreements in force) stays.
    Organization.objects.filter(pk=organization.pk).update(country=country, currency=currency)
    organization.refresh_from_db()


@dataclass
class Month:
    provider: Organization
    provider_user: object
    fabrikam: Organization
    fabrikam_user: object
    northwind: Organization
    northwind_user: object
    customers: dict[str, Organization]
    subscriptions: dict[str, Subscription]


def buy(month_or_seller, customer, offer, quantity, *, reseller=None) -> Subscription:
    provider, user = month_or_seller
    partner_of_record = services.location_partner_id(reseller) if reseller else None
    order, _ = services.order_submit(
        partner=provider, customer=customer, actor=user, key=uuid.uuid4(),
        lines=[services.LineInput(offer=offer, quantity=quantity, partner_of_record=partner_of_record)],
    )  # fmt: skip
    return order.subscriptions.get()


def scripted_month(seller, make_reseller, offers, *, run: bool = True) -> Month:
    """Build the month (and run billing on 1 April unless told not to)."""
    from tests import scenarios

    provider, user, fabrikam, fabrikam_user = seller
    with at(2026, 2, 20):
        northwind, northwind_user = make_reseller("Northwind Traders GmbH")
        scenarios.partner(provider, user, northwind, northwind_user)
    standard, security = offers["standard"], offers["security"]
    OfferPrice.objects.create(offer=standard, currency="JPY", unit_price=Decimal("1870"))
    OfferPrice.objects.create(offer=security, currency="JPY", unit_price=Decimal("790"))
    TaxRate.objects.create(issuer=provider, country="FR", rate=Decimal("20.00"), wording="TVA 20 %")
    TaxRate.objects.create(issuer=provider, country="DE", rate=Decimal("0"), wording=REVERSE_CHARGE,
                           reverse_charge=True)  # fmt: skip
    TaxRate.objects.create(issuer=None, country="FR", rate=Decimal("20.00"), wording="TVA 20 %")
    PriceRule.objects.create(issuer=None, name="Vendor discount", program="indirect_provider", percent="-15",
                             effective_from=date(2026, 1, 1))  # fmt: skip
    PriceRule.objects.create(issuer=provider, name="Resellers", percent="10", effective_from=date(2026, 1, 1))

    customers: dict[str, Organization] = {}
    with at(2026, 2, 25):
        for key, name, reseller in (
            ("alpine", "Alpine Ski House", fabrikam),
            ("bellows", "Bellows College", northwind),
            ("sakura", "Sakura Kogyo KK", fabrikam),
        ):
            created = scenarios.new_customer(provider, user, reseller, prefix=key, company_name=name)
            customers[key] = created.organization
    # Created in the provider's region (the scenario helpers' US), then moved to the markets of this month.
    for organization, country in ((provider, "FR"), (fabrikam, "FR"), (northwind, "DE")):
        _market(organization, country, "EUR")
    for key, country, currency in (("alpine", "FR", "EUR"), ("bellows", "DE", "EUR"), ("sakura", "JP", "JPY")):
        _market(customers[key], country, currency)

    seller_pair = (provider, user)
    subs: dict[str, Subscription] = {}
    with at(2026, 3, 2):
        subs["alpine_std"] = buy(seller_pair, customers["alpine"], standard, 10, reseller=fabrikam)
    with at(2026, 3, 3):
        subs["sakura_std"] = buy(seller_pair, customers["sakura"], standard, 5, reseller=fabrikam)
    with at(2026, 3, 4):
        subs["bellows_sec"] = buy(seller_pair, customers["bellows"], security, 20, reseller=northwind)
    with at(2026, 3, 5):
        subs["sakura_sec"] = buy(seller_pair, customers["sakura"], security, 3, reseller=fabrikam)
    with at(2026, 3, 6):  # five seats removed inside the 7-day window: a prorated credit
        services.subscription_change_quantity(subscription=subs["bellows_sec"], actor=user, quantity=15)
    with at(2026, 3, 8):  # cancelled inside the window: the remaining days credited
        services.subscription_cancel(subscription=subs["sakura_sec"], actor=user)
    with at(2026, 3, 10):
        services.subscription_change_quantity(subscription=subs["alpine_std"], actor=user, quantity=12)
    with at(2026, 3, 12):
        subs["alpine_sec"] = buy(seller_pair, customers["alpine"], security, 4, reseller=fabrikam)
    with at(2026, 3, 20):  # billing goes on while suspended
        services.subscription_suspend(subscription=subs["alpine_sec"], actor=user)
    if run:
        with at(2026, 4, 1, 2):
            runs.billing_run()
    return Month(provider, user, fabrikam, fabrikam_user, northwind, northwind_user, customers, subs)
